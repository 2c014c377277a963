"""Checks on what a citizen submits: text, phone, place, attachments (checked by content)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image

from backend.organisation.models import Category, Jurisdiction

from .errors import ValidationFailed
from .models import Kind, Urgency
from .routing import catalogue

SUBJECT_MAX = 100
BODY_MAX = 5000
BODY_MIN = 5

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


@dataclass
class Submission:
    kind: str
    subject: str
    body: str
    contact_phone: str
    contact_name: str = ""
    district_id: int | None = None
    street_id: int | None = None
    address: str = ""
    allow_publish: bool = True
    keep_identity_secret: bool = False
    urgency: str = Urgency.NORMAL
    files: list[UploadedFile] = field(default_factory=list)
    # The category the writer chose (an Open311 client's service_code): routing dispatches by
    # the catalogue for it instead of by the classifier. None: the classifier decides.
    category_id: int | None = None


class Errors(dict[str, list[object]]):
    def add(self, name: str, message: object) -> None:
        self.setdefault(name, []).append(message)


@dataclass
class CheckedFile:
    upload: UploadedFile
    content_type: str


def normalise_phone(phone: str) -> str:
    return re.sub(r"[\s()（）]", "", phone or "")


def check_submission(sub: Submission) -> list[CheckedFile]:
    """Raise ValidationFailed with every problem found; return the attachments' content types."""
    errors = Errors()
    err = errors.add
    sub.subject = (sub.subject or "").strip()
    sub.body = (sub.body or "").strip()
    sub.contact_phone = normalise_phone(sub.contact_phone)
    if sub.kind not in Kind.values:
        err("kind", _("Choose what kind of message this is."))
    if sub.urgency not in Urgency.values:
        err("urgency", _("Choose an urgency."))
    if not sub.subject:
        err("subject", _("Please write a subject."))
    elif len(sub.subject) > SUBJECT_MAX:
        err("subject", _("The subject is too long: at most 100 characters."))
    if not sub.body:
        err("body", _("Please write your message."))
    elif len(sub.body) < BODY_MIN:
        err("body", _("The message is too short: please describe the matter in a few words."))
    elif len(sub.body) > BODY_MAX:
        err("body", _("The message is too long: at most 5,000 characters."))
    if not (MOBILE_RE.match(sub.contact_phone) or LANDLINE_RE.match(sub.contact_phone)):
        err("contact_phone", _("Enter a valid mobile (11 digits) or landline number."))
    if len(sub.address) > 200:
        err("address", _("The address is too long: at most 200 characters."))
    if len(sub.contact_name) > 60:
        err("contact_name", _("The name is too long: at most 60 characters."))
    _check_place(sub, errors)
    if (
        sub.category_id is not None
        and not Category.objects.filter(pk=sub.category_id, is_active=True).exists()
    ):
        err("category", _("Choose a category."))
    checked = _check_files(sub.files, errors)
    if errors:
        raise ValidationFailed(errors)
    return checked


def _check_place(sub: Submission, errors: Errors) -> None:
    """The district and street chosen exist and fit together (from the cached catalogue)."""
    report = errors.add
    places = catalogue().jurisdictions
    district = None
    if sub.district_id:
        district = places.get(sub.district_id)
        if district is None or district.level != Jurisdiction.Level.DISTRICT:
            district = None
            report("district", _("Choose a district from the list."))
    if sub.street_id:
        street = places.get(sub.street_id)
        if (
            street is None
            or street.level != Jurisdiction.Level.STREET
            or (district is not None and street.parent_id != district.pk)
        ):
            report("street", _("The street is not in the chosen district."))
        elif district is None and street.parent_id:
            sub.district_id = street.parent_id


def _check_files(files: list[UploadedFile], errors: Errors) -> list[CheckedFile]:
    report = errors.add
    checked: list[CheckedFile] = []
    if len(files) > settings.WENZHENG_MAX_ATTACHMENTS:
        report(
            "files",
            _("Too many attachments: at most %(n)d.") % {"n": settings.WENZHENG_MAX_ATTACHMENTS},
        )
        return checked
    for upload in files:
        if upload.size is None or upload.size > settings.WENZHENG_MAX_ATTACHMENT_BYTES:
            report(
                "files",
                _("%(name)s is too large: at most %(mb)d MB.")
                % {
                    "name": upload.name,
                    "mb": settings.WENZHENG_MAX_ATTACHMENT_BYTES // (1024 * 1024),
                },
            )
            continue
        content_type = sniff(upload)
        if content_type is None:
            report("files", _("%(name)s is not an image or a PDF.") % {"name": upload.name})
            continue
        checked.append(CheckedFile(upload, content_type))
    return checked


def sniff(upload: UploadedFile) -> str | None:
    """The real type of an upload from its content (never its name or declared type)."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    try:
        data = upload.read()
        upload.seek(0)
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format or ""
            img.verify()
    except Exception:
        return None
    return IMAGE_TYPES.get(fmt)
