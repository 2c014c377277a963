"""Intake: a citizen's message becomes a case; routing dispatches it or queues it for triage."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.accounts.models import User

from ..errors import RateLimited
from ..events import case_event, new_case_groups, publish_on_commit
from ..intake import CheckedFile, Submission, check_submission
from ..models import Attachment, Case, PlatformSettings
from ..routing import RoutingDecision
from ..states import Status
from ..workflow import record_events
from . import routing as routing_service
from .dispatch import announce_dispatch

logger = logging.getLogger(__name__)

_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_tracking_no() -> str:
    day = timezone.localdate().strftime("%y%m%d")
    return day + "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(6))


def _check_rate(actor: User | None, phone: str) -> None:
    since = timezone.now() - timedelta(hours=1)
    recent = Case.objects.filter(created_at__gte=since)
    if actor is not None and actor.is_authenticated:
        recent = recent.filter(citizen=actor)
    else:
        recent = recent.filter(citizen__isnull=True, contact_phone=phone)
    limit = settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR
    # At most `limit` ids rather than COUNT(*): the same answer, and Django builds an aggregate
    # query at several times the cost of a plain one, on every submission.
    if len(recent.order_by().values_list("pk", flat=True)[:limit]) >= limit:
        raise RateLimited()


def case_submit(*, actor: User | None, submission: Submission) -> Case:
    """Accept a citizen's message (registered or anonymous) and route it.

    Raises ValidationFailed (with every problem) or RateLimited; nothing is saved then.
    Once accepted the case is never lost: a failing classifier or catalogue leaves it in the
    dispatcher's queue. Emits case.submitted, or case.dispatched if routed, after commit.

    The machine decides before the transaction (it reads only cached reference data) and a case
    it dispatches is written already dispatched: one INSERT for the case, one for its audit rows
    (received, classified, dispatched), one for the department's notifications. If writing the
    dispatch fails, the message is written again without it, for the dispatcher.
    """
    checked = check_submission(submission)
    citizen = actor if actor is not None and actor.is_authenticated else None
    _check_rate(citizen, submission.contact_phone)
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
            return _accept_with_fresh_numbers(case, citizen, checked, decision, dispatch_row)
        except Exception:
            if dispatch_row is None:
                raise
            logger.exception("auto-dispatch of a new message failed; it goes to the queue")
            auto, case = False, _new_case(citizen, submission)


def _accept_with_fresh_numbers(
    case: Case,
    citizen: User | None,
    checked: list[CheckedFile],
    decision: RoutingDecision | None,
    dispatch_row: dict[str, Any] | None,
) -> Case:
    for _attempt in range(5):
        try:
            return _accept(case, citizen, checked, decision, dispatch_row)
        except IntegrityError as exc:
            if "tracking_no" not in str(exc):
                raise
            # The tracking number was drawn twice (about once in 10^9): draw another.
            case.pk = None
            case.tracking_no = new_tracking_no()
    raise RuntimeError("could not draw a free tracking number")


@transaction.atomic
def _accept(
    case: Case,
    citizen: User | None,
    checked: list[CheckedFile],
    decision: RoutingDecision | None,
    dispatch_row: dict[str, Any] | None,
) -> Case:
    try:
        case.save(force_insert=True)
        _save_attachments(case, citizen, checked)
    except Exception:
        case.pk = None
        raise
    rows: list[dict[str, Any]] = [
        {"action": "submitted", "actor": citizen, "to_status": Status.SUBMITTED, "department": None}
    ]
    if decision is not None and (decision.model_version or decision.chosen):
        rows.append({**routing_service.classified_event(decision), "department": None})
    if dispatch_row is not None:
        rows.append(dispatch_row)
    record_events(case, rows)
    if dispatch_row is not None:
        announce_dispatch(case, groups=new_case_groups(case))
    else:
        publish_on_commit(new_case_groups(case), case_event(case, "submitted"))
    return case


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
