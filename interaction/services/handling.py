"""The department's work: sign, handle, return, ask the citizen, draft replies, ask for time."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Role, User
from backend.organisation.models import Membership
from backend.organisation.workcalendar import WorkCalendar

from ..deadlines import DEADLINE_FIELDS, compute_deadlines, local_date
from ..errors import Conflict, DeadlinePassed, InvalidTransition, NotAllowed, ValidationFailed
from ..models import Case, ExtensionRequest, InfoRequest, Reply, ReturnReason, ReturnRequest
from ..permissions import department_ids, ensure_can
from ..replyquality.services import reply_quality_store
from ..states import CLOCK_RUNNING_STATUSES, Action
from ..workflow import apply_transition, record_event
from .common import escalate_if_problem, lock_case, publish
from .notifications import notify_citizen, notify_department, notify_role, render

MAX_EXTENSION_DAYS = 30


@transaction.atomic
def case_sign(*, case_id: int, actor: User) -> Case:
    """The lead department signs for a dispatched case (签收). Emits case.signed."""
    case = lock_case(case_id)
    ensure_can(actor, Action.SIGN, case)
    case.signed_at = timezone.now()
    apply_transition(case, action=Action.SIGN, actor=actor, update_fields=["signed_at"])
    notify_citizen(
        case,
        verb="signed",
        text=render(
            _("Case %(no)s was signed for by %(dept)s."),
            no=case.tracking_no,
            dept=case.lead_department,
        ),
    )
    publish(case, "signed")
    return case


@transaction.atomic
def case_start(*, case_id: int, actor: User) -> Case:
    """The department starts handling a signed case."""
    case = lock_case(case_id)
    ensure_can(actor, Action.START, case)
    apply_transition(case, action=Action.START, actor=actor)
    publish(case, "handling")
    return case


@transaction.atomic
def case_return(*, case_id: int, actor: User, reason_code: str, reason_text: str) -> Case:
    """The department returns a case it holds is not theirs (退回), with a reason code and text.

    The dispatcher decides. A case returned or redone too often becomes a problem case.
    """
    errors: dict[str, list[object]] = {}
    if reason_code not in ReturnReason.values:
        errors["reason_code"] = [
            _("Choose why the case is not yours: territory, function or ownership.")
        ]
    if not reason_text.strip():
        errors["reason_text"] = [_("Explain why the case is not yours.")]
    if errors:
        raise ValidationFailed(errors)
    case = lock_case(case_id)
    ensure_can(actor, Action.RETURN, case)
    assert case.lead_department is not None
    ReturnRequest.objects.create(
        case=case,
        department=case.lead_department,
        reason_code=reason_code,
        reason_text=reason_text.strip(),
        requested_by=actor,
    )
    case.return_count += 1
    fields = ["return_count", *escalate_if_problem(case, actor=actor)]
    apply_transition(
        case,
        action=Action.RETURN,
        actor=actor,
        reason=reason_text.strip(),
        update_fields=fields,
        is_public=False,
        data={"reason_code": reason_code},
    )
    notify_role(
        case,
        role=Role.DISPATCHER,
        verb="returned",
        text=render(
            _("Case %(no)s was returned by %(dept)s: %(reason)s"),
            no=case.tracking_no,
            dept=case.lead_department,
            reason=reason_text.strip(),
        ),
    )
    publish(case, "returned")
    return case


@transaction.atomic
def case_request_info(*, case_id: int, actor: User, question: str) -> Case:
    """The department asks the citizen for more material (补充材料); the clock stops."""
    if not question.strip():
        raise ValidationFailed({"question": [_("Say what information is needed.")]})
    case = lock_case(case_id)
    ensure_can(actor, Action.REQUEST_INFO, case)
    InfoRequest.objects.create(
        case=case,
        stage_no=case.stage_no,
        question=question.strip(),
        asked_by=actor,
        asked_at=timezone.now(),
    )
    apply_transition(case, action=Action.REQUEST_INFO, actor=actor, reason=question.strip())
    notify_citizen(
        case,
        verb="info_requested",
        text=render(
            _("Case %(no)s: the department needs more information: %(q)s"),
            no=case.tracking_no,
            q=question.strip(),
        ),
    )
    publish(case, "info_requested")
    return case


@transaction.atomic
def case_provide_info(
    *, case_id: int, actor: User | None, token: str | None = None, answer: str
) -> Case:
    """The citizen answers; the clock resumes and the deadline moves by the days waited."""
    if not answer.strip():
        raise ValidationFailed({"answer": [_("Please write the information asked for.")]})
    case = lock_case(case_id)
    ensure_can(actor, Action.PROVIDE_INFO, case, token=token)
    request = case.info_requests.filter(answered_at__isnull=True).order_by("-asked_at").first()
    if request is None:
        raise InvalidTransition()
    now = timezone.now()
    request.answer = answer.strip()
    request.answered_at = now
    request.save(update_fields=["answer", "answered_at"])
    calendar = WorkCalendar.load()
    waited = calendar.working_days_between(local_date(request.asked_at), local_date(now))
    case.paused_days += waited
    compute_deadlines(case, calendar=calendar)
    citizen = actor if actor is not None and actor.is_authenticated else None
    apply_transition(
        case,
        action=Action.PROVIDE_INFO,
        actor=citizen,
        as_role=Role.CITIZEN,
        update_fields=["paused_days", *DEADLINE_FIELDS],
        data={"paused_working_days": waited},
    )
    notify_department(
        case,
        verb="info_provided",
        text=render(
            _("Case %(no)s: the citizen sent the information asked for."), no=case.tracking_no
        ),
    )
    publish(case, "info_provided")
    return case


@transaction.atomic
def case_draft_reply(*, case_id: int, actor: User, body: str) -> Reply:
    """The handler writes the reply; it waits for the department head's approval.

    The reply is scored for quality (`replyquality`) and the scores stored on it; the audit row
    carries the overall score and whether it is flagged weak. A weak reply is not refused."""
    text = body.strip()
    if len(text) < 10:
        raise ValidationFailed({"body": [_("The reply is too short: say what was done.")]})
    if len(text) > 5000:
        raise ValidationFailed({"body": [_("The reply is too long: at most 5,000 characters.")]})
    case = lock_case(case_id)
    ensure_can(actor, Action.DRAFT_REPLY, case)
    assert case.lead_department is not None
    reply = Reply.objects.create(
        case=case, stage_no=case.stage_no, body=text, department=case.lead_department, author=actor
    )
    score = reply_quality_store(reply=reply, case=case)
    apply_transition(
        case,
        action=Action.DRAFT_REPLY,
        actor=actor,
        is_public=False,
        data={"reply_id": reply.pk}
        if score is None
        else {"reply_id": reply.pk, "quality": score.overall, "weak": score.weak},
    )
    notify_department(
        case,
        verb="reply_drafted",
        position=Membership.Position.HEAD,
        text=render(_("A reply to case %(no)s awaits your approval."), no=case.tracking_no),
    )
    publish(case, "reply_drafted")
    return reply


@transaction.atomic
def extension_request(*, case_id: int, actor: User, days: int, reason: str) -> ExtensionRequest:
    """The department asks for more working days (延期) before its deadline; a supervisor decides.

    Raises DeadlinePassed after the deadline, Conflict if a request is already pending.
    """
    errors: dict[str, list[object]] = {}
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        errors["days"] = [_("Ask for between 1 and 30 working days.")]
    if not reason.strip():
        errors["reason"] = [_("Give the reason for the extension.")]
    if errors:
        raise ValidationFailed(errors)
    case = lock_case(case_id)
    if actor.role not in (Role.LIAISON, Role.HEAD) or case.lead_department_id not in (
        department_ids(actor)
    ):
        raise NotAllowed()
    if case.status not in CLOCK_RUNNING_STATUSES or case.reply_deadline is None:
        raise InvalidTransition()
    if timezone.now() > case.reply_deadline:
        raise DeadlinePassed(_("The deadline has passed: an extension must be asked before it."))
    assert case.lead_department is not None
    try:
        with transaction.atomic():
            request = ExtensionRequest.objects.create(
                case=case,
                stage_no=case.stage_no,
                department=case.lead_department,
                days_requested=days,
                reason=reason.strip(),
                requested_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("An extension request for this case is already pending.")) from None
    record_event(
        case,
        action="extension_requested",
        actor=actor,
        reason=reason.strip(),
        data={"days": days},
        is_public=False,
    )
    notify_role(
        case,
        role=Role.SUPERVISOR,
        verb="extension_requested",
        text=render(
            _("%(dept)s asks %(days)d more working days for case %(no)s."),
            dept=case.lead_department,
            days=days,
            no=case.tracking_no,
        ),
    )
    publish(case, "extension_requested")
    return request
