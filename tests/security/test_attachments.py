"""Uploaded files: served only to those who may see the case's private details, never run or
rendered as a page, stored under random names with the extension of their checked type, and
anything that is not really an image or a PDF is refused (API and page)."""

from __future__ import annotations

import io
import re
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from interaction.models import Attachment, Case
from interaction.services import dispatch
from interaction.states import Status
from tests.factories import World, submit
from tests.interaction.scenarios import reach

NOT_A_FILE = "{name} 不是图片或PDF文件。"


def image_bytes(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DISGUISED = {
    "page.png": b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>",
    "drawing.png": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "header.png": b"\x89PNG\r\n\x1a\n<script>alert(1)</script>",
    "header.gif": b"GIF89a/*<script>alert(1)</script>*/",
    "script.jpg": b"alert(document.cookie)",
}


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def case(world: World) -> Case:
    """world.citizen's case with a photo and a PDF, at city roads, housing assisting."""
    created = submit(
        world.citizen,
        files=[
            upload("../../etc/photo.html.png", image_bytes()),
            upload("plan.pdf", PDF, "application/pdf"),
        ],
    )
    dispatch.case_dispatch(
        case_id=created.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
        assisting_ids=[world.housing_dept.pk],
    )
    return Case.objects.get(pk=created.pk)


def url_of(case: Case, attachment: Attachment, token: str | None = None) -> str:
    url = f"/cases/{case.tracking_no}/attachments/{attachment.pk}/"
    return f"{url}?token={token}" if token is not None else url


def get_as(user: Any, url: str) -> Any:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url)


# Who may open a case's attachments: those who see its private details, nobody else.
ACCESS = {
    "visitor": False,
    "citizen": True,  # the owner
    "other_citizen": False,
    "dispatcher": True,
    "liaison": True,  # lead department
    "head": True,
    "housing_liaison": True,  # assisting department
    "east_liaison": False,  # another department
    "east_head": False,
    "supervisor": True,
    "leader": True,
    "admin": True,
}


@pytest.mark.parametrize(("who", "allowed"), ACCESS.items())
def test_attachments_are_served_only_to_those_allowed(
    world: World, case: Case, who: str, allowed: bool
) -> None:
    user = None if who == "visitor" else getattr(world, who)
    for attachment in case.attachments.all():
        response = get_as(user, url_of(case, attachment))
        assert response.status_code == (200 if allowed else 404), (who, attachment)
        if allowed:
            assert b"".join(response.streaming_content) == attachment.file.open("rb").read()


def test_the_private_link_opens_them_and_a_wrong_token_does_not(world: World) -> None:
    anonymous = submit(None, files=[upload("photo.png", image_bytes())])
    attachment = anonymous.attachments.get()
    assert get_as(None, url_of(anonymous, attachment, anonymous.access_token)).status_code == 200
    assert get_as(None, url_of(anonymous, attachment, "0" * 32)).status_code == 404
    assert get_as(None, url_of(anonymous, attachment)).status_code == 404
    # Another case's token opens nothing of this one.
    other = submit(None, contact_phone="13900139000")
    assert get_as(None, url_of(anonymous, attachment, other.access_token)).status_code == 404


def test_a_published_case_keeps_its_attachments_private(world: World, settings: Any) -> None:
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 100
    published = reach(world, Status.REPLIED, files=[upload("photo.png", image_bytes())])
    assert published.is_published
    assert get_as(None, published.get_absolute_url()).status_code == 200
    attachment = published.attachments.get()
    assert get_as(None, url_of(published, attachment)).status_code == 404
    assert get_as(world.other_citizen, url_of(published, attachment)).status_code == 404


def test_an_attachment_of_another_case_is_not_served_through_this_one(
    world: World, case: Case
) -> None:
    mine = submit(world.other_citizen, files=[upload("photo.png", image_bytes())])
    theirs = case.attachments.first()
    assert theirs is not None
    # The other citizen may open their own case, but not reach world.citizen's file through it.
    assert get_as(world.other_citizen, url_of(mine, theirs)).status_code == 404


def test_served_files_are_never_run_or_rendered_as_a_page(world: World, case: Case) -> None:
    photo = case.attachments.get(content_type="image/png")
    pdf = case.attachments.get(content_type="application/pdf")
    image = get_as(world.dispatcher, url_of(case, photo))
    document = get_as(world.dispatcher, url_of(case, pdf))
    for response in (image, document):
        assert response["X-Content-Type-Options"] == "nosniff"
        policy = response["Content-Security-Policy"]
        assert "sandbox" in policy
        assert "default-src 'none'" in policy
        assert "script-src" not in policy
        assert response["Cross-Origin-Resource-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
    assert image["Content-Type"] == "image/png"
    assert image["Content-Disposition"] == f'inline; filename="{case.tracking_no}-{photo.pk}.png"'
    assert document["Content-Type"] == "application/pdf"
    assert document["Content-Disposition"] == (
        f'attachment; filename="{case.tracking_no}-{pdf.pk}.pdf"'
    )


def test_a_gif_with_a_page_appended_is_still_only_an_image(world: World) -> None:
    polyglot = image_bytes("GIF") + b"<script>alert(document.cookie)</script>"
    case = submit(world.citizen, files=[upload("funny.html", polyglot, "text/html")])
    attachment = case.attachments.get()
    assert attachment.content_type == "image/gif"
    assert attachment.file.name.endswith(".gif")
    response = get_as(world.citizen, url_of(case, attachment))
    assert response["Content-Type"] == "image/gif"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_files_are_stored_under_random_names_with_their_checked_extension(
    world: World, case: Case
) -> None:
    names = {a.content_type: a.file.name for a in case.attachments.all()}
    assert re.fullmatch(rf"attachments/{case.pk}/[0-9a-f]{{24}}\.png", names["image/png"])
    assert re.fullmatch(rf"attachments/{case.pk}/[0-9a-f]{{24}}\.pdf", names["application/pdf"])
    # The name the citizen gave (its path dropped) is kept as a label only.
    photo = case.attachments.get(content_type="image/png")
    assert photo.original_name == "photo.html.png"
    assert "photo" not in photo.file.name
    assert "html" not in photo.file.name


@pytest.mark.parametrize("name", DISGUISED)
def test_api_refuses_a_file_disguised_as_an_image(world: World, name: str) -> None:
    before = (Case.objects.count(), Attachment.objects.count())
    client = APIClient()
    client.force_authenticate(world.citizen)
    response = client.post(
        "/api/cases/",
        {
            "kind": "complaint",
            "subject": "花园路路面坑洼",
            "body": "花园路与经三路交叉口路面出现大坑，请尽快维修。",
            "contact_phone": "13800138000",
            "files": [upload(name, DISGUISED[name])],
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["files"] == [NOT_A_FILE.format(name=name)]
    assert (Case.objects.count(), Attachment.objects.count()) == before


@pytest.mark.parametrize("name", DISGUISED)
def test_page_refuses_a_file_disguised_as_an_image(world: World, name: str) -> None:
    before = (Case.objects.count(), Attachment.objects.count())
    client = Client()
    client.force_login(world.citizen)
    response = client.post(
        "/write/",
        {
            "kind": "complaint",
            "subject": "花园路路面坑洼",
            "body": "花园路与经三路交叉口路面出现大坑，请尽快维修。",
            "contact_phone": "13800138000",
            "attachments": [upload(name, DISGUISED[name])],
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert NOT_A_FILE.format(name=name) in unescape(html)
    # What the citizen typed is kept for the next try.
    assert "花园路与经三路交叉口路面出现大坑" in html
    assert (Case.objects.count(), Attachment.objects.count()) == before
