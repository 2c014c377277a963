"""Writes behind Open311: API keys, and service requests submitted by Open311 clients."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.utils import timezone

from backend.accounts.models import Role, User

from ..errors import NotAllowed
from ..intake import Submission
from ..models import Case, Kind
from ..services.intake import case_submit
from .models import Open311ApiKey, hash_key, new_raw_key

TOKEN_SALT = "interaction.open311.token"  # noqa: S105 (a signing salt, not a secret)
SUBJECT_MAX = 100


def open311_key_create(*, actor: User, name: str) -> tuple[Open311ApiKey, str]:
    """A new API key for an Open311 client (administrators only). Returns the key row and the
    raw key, which is shown this once and never stored."""
    if not (actor.is_superuser or actor.role == Role.ADMIN):
        raise NotAllowed()
    raw = new_raw_key()
    key = Open311ApiKey.objects.create(
        name=name.strip()[:100], key_hash=hash_key(raw), prefix=raw[:8], created_by=actor
    )
    return key, raw


def open311_key_check(raw: str | None) -> Open311ApiKey | None:
    """The active key matching `raw` (its use is recorded), or None."""
    if not raw:
        return None
    key = Open311ApiKey.objects.filter(key_hash=hash_key(raw), active=True).first()
    if key is not None:
        Open311ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


@dataclass(frozen=True)
class Open311Request:
    service_name: str
    description: str
    phone: str
    kind: str = Kind.HELP
    first_name: str = ""
    last_name: str = ""
    address: str = ""
    category_id: int | None = None  # the service_code's category: the case is routed by it


def _contact_name(first: str, last: str) -> str:
    first, last = first.strip(), last.strip()
    if (first + last).isascii():
        return f"{first} {last}".strip()
    return f"{last}{first}"  # Chinese order: surname first


def open311_request_submit(*, key: Open311ApiKey, request: Open311Request) -> Case:
    """Submit a service request received from an Open311 client as an anonymous message (the
    client answers for it with its key); the ordinary intake checks and rate limits apply. The
    client's service_code is the case's category: routing dispatches it by the catalogue for
    that category and the place, not by the classifier. Raises ValidationFailed or
    RateLimited."""
    first_line = request.description.strip().splitlines()[0] if request.description.strip() else ""
    subject = f"{request.service_name}：{first_line}"[:SUBJECT_MAX] if first_line else ""
    return case_submit(
        actor=None,
        submission=Submission(
            kind=request.kind,
            subject=subject,
            body=request.description,
            contact_phone=request.phone,
            contact_name=_contact_name(request.first_name, request.last_name),
            address=request.address[:200],
            allow_publish=True,
            category_id=request.category_id,
        ),
    )


def request_token(case: Case) -> str:
    """The token a POST answers with; `tokens/{token}` turns it into the request id."""
    return signing.dumps(case.pk, salt=TOKEN_SALT)


def case_for_token(token: str) -> Case | None:
    try:
        pk = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    return Case.objects.filter(pk=pk).first()
