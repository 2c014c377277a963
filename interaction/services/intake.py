"""Intake: a citizen's message becomes a case; routing dispatches it or queues it for triage."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from backend.accounts.models import User
from backend.insert_together import Condition, insert_together

from ..errors import RateLimited
from ..events import case_event, new_case_groups, publish_on_commit
from ..intake import CheckedFile, Submission, check_submission
from ..models import Attachment, Case, Notification, PlatformSettings
from ..routing import RoutingDecision
from ..states import Status
from ..workflow import audit_rows
from . import routing as routing_service
from .dispatch import announce_dispatch, dispatch_notifications

logger = logging.getLogger(__name__)

_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_tracking_no() -> str:
    day = timezone.localdate().strftime("%y%m%d")
    # 32 letters: each random byte's last five bits pick one, all equally likely.
    return day + "".join(_TRACKING_ALPHABET[b & 31] for b in secrets.token_bytes(6))


def _hourly_limit(citizen: User | None, phone: str) -> Condition:
    """At most WENZHENG_MAX_SUBMISSIONS_PER_HOUR messages an hour per account (anonymous
    writers: per contact phone), as a condition the INSERT of the case checks (no round trip
    of its own): it counts at most `limit` rows on the index (citizen, created_at) or
    (contact_phone, created_at)."""
    limit = settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR
    since = connection.ops.adapt_datetimefield_value(timezone.now() - timedelta(hours=1))
    value: object
    if citizen is not None:
        writer, value = "citizen_id = %s", citizen.pk
    else:
        writer, value = "citizen_id IS NULL AND contact_phone = %s", phone
    recent = f"SELECT 1 FROM {Case._meta.db_table} WHERE {writer} AND created_at >= %s LIMIT %s"  # noqa: S608
    count = f"SELECT COUNT(*) FROM ({recent}) AS recent"  # noqa: S608
    return f"({count}) < %s", [value, since, limit, limit]


def case_submit(*, actor: User | None, submission: Submission) -> Case:
    """Accept a citizen's message (registered or anonymous) and route it.

    Raises ValidationFailed (with every problem) or RateLimited; nothing is saved then.
    Once accepted the case is never lost: a failing classifier or catalogue leaves it in the
    dispatcher's queue. Emits case.submitted, or case.dispatched if routed, after commit.

    The machine decides before writing (it reads only cached reference data) and a case it
    dispatches is written already dispatched, with its audit rows (received, classified,
    dispatched) and the department's notifications: one statement on PostgreSQL
    (`insert_together`), which also checks the writer's hourly limit (so a message over the
    limit is classified before it is refused). If writing the dispatch fails, the message is
    written again without it, for the dispatcher. Events are published only once the case is
    written.
    """
    checked = check_submission(submission)
    citizen = actor if actor is not None and actor.is_authenticated else None
    case = _new_case(citizen, submission)
    decision = _decide_safely(case, submission.category_id)
    auto = decision is not None and decision.auto
    while True:
        dispatch_row = None
        if decision is not None:
            routing_service.record_prediction(case, decision)
            if auto:
                dispatch_row = _prepare_dispatch(case, decision)
        if auto and dispatch_row is None:  # half-prepared: start again from a clean case
            auto, case = False, _new_case(citizen, submission)
            continue
        try:
            notifications = _accept_with_fresh_numbers(
                case, citizen, checked, decision, dispatch_row
            )
        except RateLimited:
            raise
        except Exception:
            if dispatch_row is None:
                raise
            logger.exception("auto-dispatch of a new message failed; it goes to the queue")
            auto, case = False, _new_case(citizen, submission)
            continue
        break
    if dispatch_row is not None:
        announce_dispatch(case, groups=new_case_groups(case), saved_notifications=notifications)
    else:
        publish_on_commit(new_case_groups(case), case_event(case, "submitted"))
    return case


def _accept_with_fresh_numbers(
    case: Case,
    citizen: User | None,
    checked: list[CheckedFile],
    decision: RoutingDecision | None,
    dispatch_row: dict[str, Any] | None,
) -> list[Notification]:
    for _attempt in range(5):
        try:
            return _accept(case, citizen, checked, decision, dispatch_row)
        except IntegrityError as exc:
            if "tracking_no" not in str(exc):
                raise
            # The tracking number was drawn twice (about once in 10^9): draw another.
            case.tracking_no = new_tracking_no()
    raise RuntimeError("could not draw a free tracking number")


def _accept(
    case: Case,
    citizen: User | None,
    checked: list[CheckedFile],
    decision: RoutingDecision | None,
    dispatch_row: dict[str, Any] | None,
) -> list[Notification]:
    """Write the case with its audit rows and, if dispatched, its department's notifications
    (returned, saved): together, in one transaction with the attachments if any."""
    rows: list[dict[str, Any]] = [
        {"action": "submitted", "actor": citizen, "to_status": Status.SUBMITTED, "department": None}
    ]
    if decision is not None and (decision.model_version or decision.chosen):
        rows.append({**routing_service.classified_event(decision), "department": None})
    if dispatch_row is not None:
        rows.append(dispatch_row)
    notifications = dispatch_notifications(case) if dispatch_row is not None else []
    limit = _hourly_limit(citizen, case.contact_phone)
    try:
        with transaction.atomic() if checked else nullcontext():
            children: list[tuple[str, Sequence[Model]]] = [
                ("case", audit_rows(case, rows)),
                ("case", notifications),
            ]
            if not insert_together(case, children, only_if=limit):
                raise RateLimited()
            _save_attachments(case, citizen, checked)
    except Exception:
        case.pk = None  # unsaved again, for the next try
        case._state.adding = True
        raise
    return notifications


def _save_attachments(case: Case, citizen: User | None, checked: list[CheckedFile]) -> None:
    saved: list[Attachment] = []
    try:
        for item in checked:
            attachment = Attachment(
                case=case,
                original_name=(item.upload.name or "")[:200],
                content_type=item.content_type,
                size=item.upload.size or 0,
                uploaded_by=citizen,
            )
            item.upload.seek(0)
            attachment.file.save(item.upload.name or "upload", item.upload, save=False)
            saved.append(attachment)
            attachment.save()
    except Exception:
        for attachment in saved:  # the transaction rolls back: leave no file behind
            attachment.file.delete(save=False)
        raise


def _new_case(citizen: User | None, sub: Submission) -> Case:
    return Case(
        tracking_no=new_tracking_no(),
        citizen=citizen,
        contact_name=sub.contact_name.strip() or (citizen.display_name if citizen else ""),
        contact_phone=sub.contact_phone,
        kind=sub.kind,
        urgency=sub.urgency,
        subject=sub.subject,
        body=sub.body,
        district_id=sub.district_id,
        street_id=sub.street_id,
        address=sub.address.strip(),
        allow_publish=sub.allow_publish,
        keep_identity_secret=sub.keep_identity_secret,
    )


def _decide_safely(case: Case, chosen_category_id: int | None = None) -> RoutingDecision | None:
    """Routing must never lose a message: any failure leaves the case for the dispatcher."""
    try:
        return routing_service.decide(
            case, platform=PlatformSettings.load(), chosen_category_id=chosen_category_id
        )
    except Exception:
        logger.exception("routing failed for a new message; it goes to the dispatcher's queue")
        return None


def _prepare_dispatch(case: Case, decision: RoutingDecision) -> dict[str, Any] | None:
    """Dispatch the unsaved case as the machine decided; its audit row, or None on failure."""
    try:
        return routing_service.dispatch_new_automatically(case, decision)
    except Exception:
        logger.exception("auto-dispatch of a new message failed; it goes to the queue")
        return None
