"""Notifications: in-app rows now, SMS to anonymous citizens after commit, digests per run."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import ngettext

from backend.accounts.models import Role, User
from backend.organisation.models import Department, Membership
from backend.refcache import cached

from ..events import publish_on_commit, user_group
from ..models import Case, Notification
from ..sms import send_sms

logger = logging.getLogger(__name__)


def notify(*, user_ids: Iterable[int], case: Case | None, verb: str, text: str) -> int:
    """Create one in-app notification per user and push it to their live stream after commit."""
    rows = notifications_new(user_ids=user_ids, case=case, verb=verb, text=text)
    if rows:
        Notification.objects.bulk_create(rows)
        notifications_publish(rows)
    return len(rows)


def notifications_new(
    *, user_ids: Iterable[int], case: Case | None, verb: str, text: str
) -> list[Notification]:
    """The unsaved notifications of `notify`, one per user (intake writes them with its case)."""
    return [
        Notification(recipient_id=uid, case=case, verb=verb, text=text[:300])
        for uid in sorted(set(user_ids))
    ]


def notifications_publish(rows: Iterable[Notification]) -> None:
    """Push saved notifications to their recipients' live streams after commit."""
    for row in rows:
        publish_on_commit(
            [user_group(row.recipient_id)],
            {"type": "notification", "verb": row.verb, "text": row.text, "case_id": row.case_id},
        )


def department_user_ids(department_id: int | None, *, position: str | None = None) -> list[int]:
    """Active members of a department (reference data: cached briefly per process)."""
    if department_id is None:
        return []

    def load() -> list[int]:
        rows = Membership.objects.filter(department_id=department_id, user__is_active=True)
        if position:
            rows = rows.filter(position=position)
        return list(rows.values_list("user_id", flat=True))

    return cached(f"department_members:{department_id}:{position or ''}", load)


def role_user_ids(role: str) -> list[int]:
    return list(User.objects.filter(role=role, is_active=True).values_list("pk", flat=True))


def notify_department(
    case: Case,
    *,
    verb: str,
    text: str,
    position: str | None = None,
    department: Department | None = None,
) -> None:
    dept_id = department.pk if department else case.lead_department_id
    notify(
        user_ids=department_user_ids(dept_id, position=position), case=case, verb=verb, text=text
    )


def notify_role(case: Case | None, *, role: str, verb: str, text: str) -> None:
    notify(user_ids=role_user_ids(role), case=case, verb=verb, text=text)


def notify_citizen(case: Case, *, verb: str, text: str) -> None:
    """Tell the citizen: in-app if they have an account, by SMS after commit if they do not."""
    if case.citizen_id:
        notify(user_ids=[case.citizen_id], case=case, verb=verb, text=text)
        return
    phone = case.contact_phone

    def _send() -> None:
        try:
            send_sms(phone, text)
        except Exception:  # the gateway failing must not break the citizen's request
            logger.exception("SMS to the citizen of case %s failed", case.pk)

    transaction.on_commit(_send)


def send_digests(*, now: None = None) -> int:
    """One e-mail (and one SMS) per person with everything not yet sent to them. Returns count."""
    pending = (
        Notification.objects.filter(digested_at__isnull=True)
        .select_related("recipient")
        .order_by("recipient_id", "created_at")
    )
    per_user: dict[int, list[Notification]] = defaultdict(list)
    users: dict[int, User] = {}
    for note in pending.iterator(chunk_size=2000):
        per_user[note.recipient_id].append(note)
        users[note.recipient_id] = note.recipient
    sent = 0
    for uid, notes in per_user.items():
        user = users[uid]
        with translation.override(settings.LANGUAGE_CODE):
            subject = ngettext(
                "Wenzheng: %(count)d new notification",
                "Wenzheng: %(count)d new notifications",
                len(notes),
            ) % {"count": len(notes)}
            body = "\n".join(f"- {n.text}" for n in notes)
            try:
                if user.email:
                    send_mail(subject, body, None, [user.email])
                if user.phone and user.role != Role.CITIZEN:
                    send_sms(user.phone, subject)
            except Exception:
                logger.exception("digest to user %s failed; it will be retried next run", uid)
                continue
        Notification.objects.filter(pk__in=[n.pk for n in notes]).update(digested_at=timezone.now())
        sent += 1
    return sent


def render(message: str | Promise, **params: object) -> str:
    """Compose a notification text (marked with gettext_lazy) in the platform's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params if params else str(message)


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications (all, or those in `ids`) as read. Returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
