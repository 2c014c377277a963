"""The citizen's pages: writing (with or without an account), my cases, the case page with its
step indicator and deadline explanation, rating, and answering the department's question."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from backend.organisation.models import CalendarOverride
from interaction.models import Case, CaseEvent, Evaluation, InfoRequest
from interaction.services import handling
from interaction.states import Status
from tests.factories import World, submit

from .conftest import handling_case, page, replied, text

VALID = {
    "kind": "complaint",
    "subject": "花园路路灯不亮",
    "body": "花园路与经三路交叉口的路灯已经一个星期不亮了，晚上行人很不安全。",
    "contact_phone": "13800138000",
    "contact_name": "张先生",
    "allow_publish": "on",
}


def test_visitor_writes_and_gets_tracking_number_and_private_link(client, world: World):
    response = client.post(
        "/write/", {**VALID, "district": world.east.pk, "street": world.east_street.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:write-done")
    case = Case.objects.get()
    assert case.citizen is None
    assert (case.district, case.street) == (world.east, world.east_street)
    assert case.allow_publish
    assert not case.keep_identity_secret
    body = text(client.get(response["Location"]))
    assert case.tracking_no in body
    assert f"http://testserver/cases/{case.tracking_no}/?token={case.access_token}" in body


def test_private_link_opens_the_case_for_its_anonymous_writer_only(client, world: World):
    case = submit(None)
    assert page(client, None, case.get_absolute_url()).status_code == 404
    assert page(client, None, f"{case.get_absolute_url()}?token=wrong").status_code == 404
    response = page(client, None, f"{case.get_absolute_url()}?token={case.access_token}")
    assert response.status_code == 200
    assert case.body in text(response)


def test_signed_in_citizen_writes_with_attachment_and_confidentiality(client, world: World):
    client.force_login(world.citizen)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    png = buffer.getvalue()
    photo = SimpleUploadedFile("lamp.png", png, content_type="image/png")
    response = client.post(
        "/write/",
        {**VALID, "keep_identity_secret": "on", "allow_publish": "", "attachments": [photo]},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.citizen == world.citizen
    assert case.keep_identity_secret
    assert not case.allow_publish
    assert case.attachments.get().content_type == "image/png"
    body = text(client.get(reverse("frontend:write-done")))
    assert case.tracking_no in body
    assert "token=" not in body
    detail = text(client.get(case.get_absolute_url()))
    assert (
        reverse("frontend:case-attachment", args=[case.tracking_no, case.attachments.get().pk])
        in detail
    )


def test_write_form_error_keeps_the_text_and_shows_the_exact_message(client, world: World, english):
    response = client.post("/write/", {**VALID, "subject": "", "contact_phone": "12345"})
    body = text(response)
    assert response.status_code == 200
    assert "Please write a subject." in body
    assert "Enter a valid mobile (11 digits) or landline number." in body
    assert VALID["body"] in body  # what was typed is still there
    assert 'value="12345"' in body
    assert Case.objects.count() == 0


def test_write_rejects_a_street_outside_the_district(client, world: World, english):
    response = client.post(
        "/write/", {**VALID, "district": world.west.pk, "street": world.east_street.pk}
    )
    assert "The street is not in the chosen district." in text(response)
    assert Case.objects.count() == 0


def test_write_rejects_a_file_that_is_not_an_image(client, world: World, english):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = client.post("/write/", {**VALID, "attachments": [fake]})
    assert "photo.jpg is not an image or a PDF." in text(response)
    assert Case.objects.count() == 0


def test_staff_cannot_write(client, world: World):
    client.force_login(world.liaison)
    response = client.get("/write/")
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:inbox")


def test_my_cases_lists_only_my_cases(client, world: World):
    mine = submit(world.citizen, subject="我的问题")
    theirs = submit(world.other_citizen, subject="别人的问题")
    body = text(page(client, world.citizen, "/my/cases/"))
    assert mine.tracking_no in body
    assert theirs.tracking_no not in body


def test_my_cases_is_for_citizens_only(client, world: World):
    assert page(client, world.liaison, "/my/cases/").status_code == 403
    response = page(client, None, "/my/cases/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('frontend:login')}?next=/my/cases/"


def test_citizen_cannot_open_staff_pages(client, world: World):
    for url in [
        "/department/inbox/",
        "/department/approvals/",
        "/dispatch/queue/",
        "/dispatch/reviews/",
        "/supervision/board/",
    ]:
        assert page(client, world.citizen, url).status_code == 403, url


def test_case_page_shows_step_unit_working_time_and_deadline_explanation(client, world: World):
    today = timezone.localdate()
    # A named day off two days after dispatch: it must be skipped and named in the explanation.
    holiday = today + dt.timedelta(days=2)
    CalendarOverride.objects.create(date=holiday, is_workday=False, name="测试假日")
    case = handling_case(world)
    body = text(page(client, world.citizen, case.get_absolute_url()))
    assert world.city_roads.name in body  # which unit
    # The citizen's page speaks the default language, Simplified Chinese.
    assert 'class="current" aria-current="step"><span>办理中' in body  # which step
    assert 'data-testid="working-time"' in body
    assert f"办理时限 {case.limit_days} 个工作日" in body
    assert holiday.strftime("%Y-%m-%d") in body
    assert "测试假日" in body
    assert "办理期限计算方法" in body


def test_deadline_explanation_flags_an_unofficial_calendar(client, world: World):
    case = handling_case(world)
    # Move the clock to a year no official calendar covers.
    Case.objects.filter(pk=case.pk).update(
        clock_started_at=dt.datetime(2099, 3, 2, 10, tzinfo=dt.UTC)
    )
    body = text(page(client, world.citizen, case.get_absolute_url()))
    assert 'data-testid="unofficial-calendar"' in body


def test_citizen_rates_the_reply_on_the_case_page(client, world: World):
    case = replied(world)
    client.force_login(world.citizen)
    body = text(client.get(case.get_absolute_url()))
    assert "已安排施工队" in body
    assert 'name="do_evaluate"' in body
    response = client.post(
        reverse("frontend:case-evaluate", args=[case.tracking_no]),
        {"attitude": "satisfied", "result": "basically", "solved": "yes", "comment": "谢谢"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    ev = Evaluation.objects.get(case=case)
    assert (ev.attitude, ev.result, ev.solved, ev.comment) == (
        "satisfied",
        "basically",
        True,
        "谢谢",
    )
    assert CaseEvent.objects.filter(case=case, action="evaluate", actor=world.citizen).exists()


def test_rating_without_a_result_shows_the_exact_message_and_keeps_the_comment(
    client, world: World, english
):
    case = replied(world)
    client.force_login(world.citizen)
    response = client.post(
        reverse("frontend:case-evaluate", args=[case.tracking_no]),
        {"attitude": "satisfied", "solved": "no", "comment": "还没修好"},
    )
    body = text(response)
    assert response.status_code == 200
    assert "Rate the result." in body
    assert "还没修好" in body
    case.refresh_from_db()
    assert case.status == Status.REPLIED


def test_another_citizen_cannot_rate(client, world: World):
    case = replied(world, allow_publish=True)
    client.force_login(world.other_citizen)
    response = client.post(
        reverse("frontend:case-evaluate", args=[case.tracking_no]),
        {"attitude": "unsatisfied", "result": "unsatisfied", "solved": "no"},
    )
    assert response.status_code == 403
    assert not Evaluation.objects.filter(case=case).exists()


def test_anonymous_writer_answers_the_departments_question_with_the_private_link(
    client, world: World
):
    case = submit(None)
    from interaction.services import dispatch

    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )
    handling.case_sign(case_id=case.pk, actor=world.liaison)
    handling.case_request_info(case_id=case.pk, actor=world.liaison, question="请提供具体门牌号。")
    url = f"{case.get_absolute_url()}?token={case.access_token}"
    body = text(page(client, None, url))
    assert "请提供具体门牌号。" in body
    assert 'name="do_provide_info"' in body
    response = client.post(
        reverse("frontend:case-provide-info", args=[case.tracking_no]),
        {"answer": "花园路18号门口", "token": case.access_token},
    )
    assert response.status_code == 302
    assert response["Location"] == url
    case.refresh_from_db()
    assert case.status == Status.HANDLING
    assert InfoRequest.objects.get(case=case).answer == "花园路18号门口"


def test_provide_info_without_the_token_is_refused(client, world: World):
    case = submit(None)
    response = client.post(
        reverse("frontend:case-provide-info", args=[case.tracking_no]), {"answer": "x"}
    )
    assert response.status_code == 404


def test_rate_limit_message_is_shown_above_the_form(client, world: World, settings, english):
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 0
    response = client.post("/write/", VALID)
    body = text(response)
    assert 'class="form-errors"' in body
    assert "Too many messages in the last hour. Please try again later." in body
    assert VALID["subject"] in body
    assert Case.objects.count() == 0


def test_attachments_are_served_only_to_those_who_see_private_details(client, world: World):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    photo = SimpleUploadedFile("坑.png", buffer.getvalue(), content_type="image/png")
    client.force_login(world.citizen)
    client.post("/write/", {**VALID, "attachments": [photo]})
    case = Case.objects.get()
    url = reverse("frontend:case-attachment", args=[case.tracking_no, case.attachments.get().pk])
    response = page(client, world.citizen, url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == buffer.getvalue()
    assert response["Content-Type"] == "image/png"
    assert page(client, world.dispatcher, url).status_code == 200
    assert page(client, world.other_citizen, url).status_code == 404
    assert page(client, None, url).status_code == 404
