"""Intake: what a citizen may submit, the exact messages when not, and the queue as fallback."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.utils import translation
from PIL import Image

from backend import refcache
from interaction.errors import RateLimited, ValidationFailed
from interaction.models import Attachment, Case, CaseEvent, Notification
from interaction.routing import RoutingDecision
from interaction.selectors import dispatcher_queue
from interaction.services import intake as intake_service
from interaction.services import routing as routing_service
from interaction.states import Status
from tests.factories import World, submit

from .scenarios import Clock, at, listen, received


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def rejected(actor, **overrides) -> dict[str, list[str]]:
    """Submit, expect a ValidationFailed, and check nothing at all was saved."""
    before = (Case.objects.count(), CaseEvent.objects.count(), Attachment.objects.count())
    # Messages with numbers or names are formatted when raised: raise them in English.
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        submit(actor, **overrides)
    assert (Case.objects.count(), CaseEvent.objects.count(), Attachment.objects.count()) == before
    with translation.override("en"):
        return {k: [str(m) for m in v] for k, v in caught.value.errors.items()}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"subject": "   "}, {"subject": ["Please write a subject."]}),
        (
            {"subject": "路" * 101},
            {"subject": ["The subject is too long: at most 100 characters."]},
        ),
        ({"body": ""}, {"body": ["Please write your message."]}),
        (
            {"body": "路坏了"},
            {"body": ["The message is too short: please describe the matter in a few words."]},
        ),
        ({"body": "路" * 5001}, {"body": ["The message is too long: at most 5,000 characters."]}),
        ({"kind": "praise"}, {"kind": ["Choose what kind of message this is."]}),
        ({"urgency": "asap"}, {"urgency": ["Choose an urgency."]}),
        (
            {"address": "路" * 201},
            {"address": ["The address is too long: at most 200 characters."]},
        ),
    ],
)
def test_text_is_checked_with_exact_messages(world: World, overrides, expected) -> None:
    assert rejected(world.citizen, **overrides) == expected


@pytest.mark.parametrize(
    "phone", ["", "12345", "1380013800", "23800138000", "12800138000", "138001380001", "phone"]
)
def test_bad_phone_is_refused(world: World, phone: str) -> None:
    assert rejected(None, contact_phone=phone) == {
        "contact_phone": ["Enter a valid mobile (11 digits) or landline number."]
    }


@pytest.mark.parametrize(
    "phone", ["138 0013 8000", "0371-65512345", "037165512345", "(010)12345678"]
)
def test_good_phones_are_accepted_and_normalised(world: World, phone: str) -> None:
    case = submit(None, contact_phone=phone)
    assert case.contact_phone == phone.replace(" ", "").replace("(", "").replace(")", "")


def test_every_problem_is_reported_at_once(world: World) -> None:
    errors = rejected(world.citizen, subject="", body="", contact_phone="1")
    assert set(errors) == {"subject", "body", "contact_phone"}


def test_file_type_is_judged_by_content_not_name(world: World) -> None:
    errors = rejected(
        world.citizen,
        files=[
            upload("photo.jpg", b"MZ\x90\x00 not really a picture"),
            upload("ok.png", png_bytes()),
        ],
    )
    assert errors == {"files": ["photo.jpg is not an image or a PDF."]}

    case = submit(
        world.citizen,
        files=[
            upload("scan.png", PDF, "image/png"),  # a PDF, whatever its name says
            upload("picture.pdf", png_bytes(), "application/pdf"),  # a PNG
        ],
    )
    stored = sorted(case.attachments.values_list("original_name", "content_type"))
    assert stored == [("picture.pdf", "image/png"), ("scan.png", "application/pdf")]
    # Stored under a random name with the extension of the real type, never the uploaded name.
    for attachment in case.attachments.all():
        extension = {"image/png": ".png", "application/pdf": ".pdf"}[attachment.content_type]
        assert attachment.file.name.endswith(extension)
        assert attachment.original_name.split(".")[0] not in attachment.file.name


def test_too_many_or_too_large_files(world: World, settings) -> None:
    settings.WENZHENG_MAX_ATTACHMENTS = 2
    assert rejected(world.citizen, files=[upload(f"{i}.png", png_bytes()) for i in range(3)]) == {
        "files": ["Too many attachments: at most 2."]
    }
    settings.WENZHENG_MAX_ATTACHMENT_BYTES = 1024 * 1024
    big = upload("big.pdf", PDF + b"0" * (1024 * 1024), "application/pdf")
    assert rejected(world.citizen, files=[big]) == {
        "files": ["big.pdf is too large: at most 1 MB."]
    }


def test_street_must_lie_in_the_district(world: World) -> None:
    assert rejected(world.citizen, district_id=world.west.pk, street_id=world.east_street.pk) == {
        "street": ["The street is not in the chosen district."]
    }
    assert rejected(world.citizen, district_id=world.east_street.pk) == {
        "district": ["Choose a district from the list."]
    }
    case = submit(world.citizen, street_id=world.east_street.pk)
    assert (case.street, case.district) == (world.east_street, world.east)


def test_too_many_messages_per_hour(world: World, monkeypatch, settings) -> None:
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 2
    clock = Clock(monkeypatch, at(2026, 5, 6, 9))
    submit(world.citizen)
    clock.advance(minutes=10)
    submit(world.citizen)
    clock.advance(minutes=10)
    count = Case.objects.count()
    with pytest.raises(RateLimited) as caught:
        submit(world.citizen)
    with translation.override("en"):
        assert str(caught.value.message) == (
            "Too many messages in the last hour. Please try again later."
        )
    assert Case.objects.count() == count
    # Others are not held back: another account, an anonymous phone number.
    submit(world.other_citizen)
    submit(None, contact_phone="13911112222")
    submit(None, contact_phone="13911112222")
    with pytest.raises(RateLimited):
        submit(None, contact_phone="139 1111 2222")
    # An hour after the first message, there is room again.
    clock.set(at(2026, 5, 6, 10, 1))
    submit(world.citizen)


def test_a_message_over_the_limit_writes_nothing_even_when_it_would_be_dispatched(
    world: World, monkeypatch, settings, caplog, django_capture_on_commit_callbacks
) -> None:
    """The limit is checked as the case is written: a message the machine would dispatch is
    refused whole (no case, audit row, notification or event), not sent to the queue."""
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 1
    monkeypatch.setattr(routing_service, "decide", lambda case, **_: sure_decision(world))
    submit(world.citizen)
    counts = (Case.objects.count(), CaseEvent.objects.count(), Notification.objects.count())
    department = listen(f"department.{world.city_roads.pk}")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RateLimited):
        submit(world.citizen)
    assert (Case.objects.count(), CaseEvent.objects.count(), Notification.objects.count()) == (
        counts
    )
    assert received(department) == []
    assert "auto-dispatch" not in caplog.text  # refused, not taken for a failed dispatch


def test_without_a_classifier_the_case_waits_in_the_dispatchers_queue(
    world: World, settings
) -> None:
    settings.LANGUAGE_CODE = "en"
    case = submit(world.citizen)
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    assert case.lead_department is None
    assert case.predicted_category is None
    assert case.routing_note == "No classifier model is available."
    assert case in dispatcher_queue(user=world.dispatcher)
    assert list(case.events.values_list("action", "to_status", "actor")) == [
        ("submitted", "submitted", world.citizen.pk)
    ]
    # The admins hear once that the classifier is down, not once per message.
    submit(world.citizen)
    assert Notification.objects.filter(recipient=world.admin, verb="classifier_down").count() == 1


def test_submission_keeps_what_the_citizen_chose(world: World) -> None:
    case = submit(
        None,
        contact_name=" 王女士 ",
        allow_publish=False,
        keep_identity_secret=True,
        district_id=world.east.pk,
        address=" 花园路12号 ",
    )
    assert case.citizen is None
    assert (case.contact_name, case.address, case.allow_publish, case.keep_identity_secret) == (
        "王女士",
        "花园路12号",
        False,
        True,
    )
    assert case.access_token
    assert len(case.access_token) >= 24
    assert case.events.get().actor is None


def test_new_message_is_announced_to_dispatchers_after_commit(
    world: World, django_capture_on_commit_callbacks
) -> None:
    channel = listen("role.dispatcher")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = submit(world.citizen)
    assert received(channel) == []
    for callback in callbacks:
        callback()
    assert [(m["event"], m["case_id"]) for m in received(channel)] == [("submitted", case.pk)]


def sure_decision(world: World) -> RoutingDecision:
    return RoutingDecision(
        category=world.road_repair,
        confidence=0.99,
        department=world.city_roads,
        model_version="test-model",
        auto=True,
    )


def test_a_case_the_machine_is_sure_about_is_written_dispatched_in_one_go(
    world: World,
    monkeypatch,
    settings,
    request,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
) -> None:
    monkeypatch.setattr(routing_service, "decide", lambda case, **_: sure_decision(world))
    settings.WENZHENG_REFDATA_TTL = 600  # reference data cached, as in production
    refcache.clear()
    request.addfinalizer(refcache.clear)
    submit(world.other_citizen)  # warms the caches (calendar, policies, department members)
    dispatchers, department = listen("role.dispatcher"), listen(f"department.{world.city_roads.pk}")
    # The case, its audit rows and the department's notifications, with the hourly limit's
    # count: one statement on PostgreSQL; the count and three INSERTs on SQLite (in a savepoint
    # here, inside the test's transaction); no UPDATE after the INSERT.
    with (
        django_assert_max_num_queries(6) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        case = submit(world.citizen)
    statements = [q["sql"].split(" ", 1)[0] for q in queries.captured_queries]
    assert "UPDATE" not in statements
    if connection.vendor == "postgresql":
        assert statements == ["SAVEPOINT", "EXECUTE", "RELEASE"]
    case.refresh_from_db()
    assert (case.status, case.lead_department, case.category) == (
        Status.DISPATCHED,
        world.city_roads,
        world.road_repair,
    )
    assert case.auto_dispatched
    assert case.reply_deadline is not None
    assert list(
        case.events.values_list("action", "from_status", "to_status", "actor_role", "department")
    ) == [
        ("submitted", "", "submitted", "citizen", None),
        ("classified", "", "", "system", None),
        ("dispatch", "submitted", "dispatched", "system", world.city_roads.pk),
    ]
    assert set(
        Notification.objects.filter(case=case, verb="dispatched").values_list(
            "recipient", flat=True
        )
    ) == {world.liaison.pk, world.head.pk}
    # One event, to the department's inbox; the dispatchers' queue never held the case.
    assert [m["event"] for m in received(department)] == ["dispatched"]
    assert received(dispatchers) == []


def notifications_unavailable(monkeypatch) -> None:
    """Writing a case fails whenever notifications go with it (as if their table were down)."""
    real = intake_service.insert_together

    def failing(parent: Case, children: list[tuple[str, list[Any]]], **kwargs: Any) -> bool:
        if any(isinstance(row, Notification) for _name, rows in children for row in rows):
            raise DatabaseError("notification table unavailable")
        return real(parent, children, **kwargs)

    monkeypatch.setattr(intake_service, "insert_together", failing)


def test_a_failing_dispatch_leaves_the_message_in_the_dispatchers_queue(
    world: World, monkeypatch, caplog
) -> None:
    monkeypatch.setattr(routing_service, "decide", lambda case, **_: sure_decision(world))
    notifications_unavailable(monkeypatch)
    case = submit(world.citizen)
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    assert case.lead_department is None
    assert not case.auto_dispatched
    assert case.predicted_category == world.road_repair
    assert case in dispatcher_queue(user=world.dispatcher)
    assert list(case.events.values_list("action", flat=True)) == ["submitted", "classified"]
    assert Case.objects.count() == 1
    assert "auto-dispatch of a new message failed" in caplog.text


def test_a_failing_dispatch_keeps_the_attachments(world: World, monkeypatch) -> None:
    monkeypatch.setattr(routing_service, "decide", lambda case, **_: sure_decision(world))
    notifications_unavailable(monkeypatch)
    case = submit(world.citizen, files=[upload("photo.png", png_bytes(), "image/png")])
    attachment = Attachment.objects.get(case=case)
    assert attachment.file.read() == png_bytes()
    assert attachment.size == len(png_bytes())


def test_a_tracking_number_drawn_twice_is_drawn_again(world: World, monkeypatch) -> None:
    monkeypatch.setattr(routing_service, "decide", lambda case, **_: sure_decision(world))
    first = submit(world.citizen)
    numbers = iter([first.tracking_no, "261207ZZZZZZ"])
    monkeypatch.setattr(intake_service, "new_tracking_no", lambda: next(numbers))
    events_before = CaseEvent.objects.count()
    second = submit(world.other_citizen)
    assert second.tracking_no == "261207ZZZZZZ"
    assert Case.objects.count() == 2
    # The failed try left nothing behind: the new case's rows, once each.
    assert CaseEvent.objects.count() - events_before == 3
    assert list(second.events.values_list("action", flat=True)) == [
        "submitted",
        "classified",
        "dispatch",
    ]
    assert Notification.objects.filter(case=second, verb="dispatched").count() == 2
