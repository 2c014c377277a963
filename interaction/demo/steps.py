"""The steps of the demo cases: each calls one real service, as the demo person who would act.

Demo seeding only (see `seed`): the step names are those of `scenarios.SCENARIOS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from backend.accounts.models import User
from backend.organisation.models import Department, Jurisdiction, Membership
from interaction.intake import Submission
from interaction.models import ReturnReason, Satisfaction, Urgency
from interaction.routing import department_for, place_of
from interaction.services import dispatch, evaluation, handling, review, supervision
from interaction.services.intake import case_submit

from .scenarios import STAFF_STEPS

if TYPE_CHECKING:
    from .seed import Run, Seeder


def _submit(seeder: Seeder, run: Run) -> None:
    rng = seeder.rng
    m = run.message
    district = seeder.cast.places.get(m.district)
    street = seeder.cast.places.get(m.street)
    choice = rng.random()
    submission = Submission(
        kind=m.kind,
        subject=m.subject,
        body=m.body,
        contact_phone=run.phone,
        contact_name=run.contact_name,
        district_id=district.pk if district and choice < 0.65 else None,
        street_id=street.pk if street and choice < 0.4 else None,
        address=m.address,
        allow_publish=rng.random() < 0.85,
        keep_identity_secret=run.citizen is not None and rng.random() < 0.1,
        urgency=Urgency.URGENT if rng.random() < 0.05 else Urgency.NORMAL,
    )
    run.case = case_submit(actor=run.citizen, submission=submission)
    if not m.category:
        return
    category = seeder.cast.categories[m.category]
    run.correct = department_for(category, place_of(run.case)) or seeder.cast.departments[0]
    others = [d for d in seeder.cast.departments if d.pk != run.correct.pk]
    run.wrong = rng.sample(others, 2)


def _case_id(run: Run) -> int:
    assert run.case is not None
    return run.case.pk


def _dispatch_to(seeder: Seeder, run: Run, department: Department) -> None:
    run.case = dispatch.case_dispatch(
        case_id=_case_id(run),
        actor=run.dispatcher,
        department_id=department.pk,
        category_id=seeder.cast.categories[run.message.category].pk,
    )
    run.department = department


def _dispatch(seeder: Seeder, run: Run) -> None:
    assert run.correct is not None
    _dispatch_to(seeder, run, run.correct)


def _dispatch_wrong(seeder: Seeder, run: Run) -> None:
    _dispatch_to(seeder, run, run.wrong[0])


def _liaison(seeder: Seeder, run: Run) -> User:
    assert run.department is not None
    return seeder.cast.member(run.department.pk, Membership.Position.LIAISON)


def _head(seeder: Seeder, run: Run) -> User:
    assert run.department is not None
    return seeder.cast.member(run.department.pk, Membership.Position.HEAD)


def _sign(seeder: Seeder, run: Run) -> None:
    run.case = handling.case_sign(case_id=_case_id(run), actor=_liaison(seeder, run))


def _start(seeder: Seeder, run: Run) -> None:
    run.case = handling.case_start(case_id=_case_id(run), actor=_liaison(seeder, run))


def _return(seeder: Seeder, run: Run) -> None:
    assert run.department is not None
    level = run.department.jurisdiction.level
    code = ReturnReason.TERRITORY if level == Jurisdiction.Level.DISTRICT else ReturnReason.FUNCTION
    if seeder.rng.random() < 0.15:
        code = ReturnReason.OWNERSHIP
    run.case = handling.case_return(
        case_id=_case_id(run),
        actor=_liaison(seeder, run),
        reason_code=code,
        reason_text=seeder.composer.workflow_text(seeder.rng, "return_reasons", code),
    )


def _accept_return(seeder: Seeder, run: Run, department: Department) -> None:
    run.case = dispatch.case_accept_return(
        case_id=_case_id(run),
        actor=run.dispatcher,
        department_id=department.pk,
        note="已核实，改派至职责单位。",
    )
    run.department = department


def _accept_return_right(seeder: Seeder, run: Run) -> None:
    assert run.correct is not None
    _accept_return(seeder, run, run.correct)


def _accept_return_wrong(seeder: Seeder, run: Run) -> None:
    _accept_return(seeder, run, run.wrong[1])


def _reject_return(seeder: Seeder, run: Run) -> None:
    run.case = dispatch.case_reject_return(
        case_id=_case_id(run),
        actor=run.dispatcher,
        note=seeder.composer.workflow_text(seeder.rng, "reject_return_notes"),
    )


def _request_info(seeder: Seeder, run: Run) -> None:
    run.case = handling.case_request_info(
        case_id=_case_id(run),
        actor=_liaison(seeder, run),
        question=seeder.composer.workflow_text(seeder.rng, "info_questions"),
    )


def _provide_info(seeder: Seeder, run: Run) -> None:
    run.case = handling.case_provide_info(
        case_id=_case_id(run),
        actor=run.citizen,
        token=seeder.token(run),
        answer=seeder.composer.workflow_text(seeder.rng, "info_answers"),
    )


def _draft(seeder: Seeder, run: Run) -> None:
    when = run.times[run.step]
    handling.case_draft_reply(
        case_id=_case_id(run), actor=_liaison(seeder, run), body=seeder.reply_text(run, when)
    )


def _reject_reply(seeder: Seeder, run: Run) -> None:
    run.case = review.case_reject_reply(
        case_id=_case_id(run),
        actor=_head(seeder, run),
        note=seeder.composer.workflow_text(seeder.rng, "reject_reply_notes"),
    )


def _approve(seeder: Seeder, run: Run) -> None:
    run.case = review.case_approve_reply(case_id=_case_id(run), actor=_head(seeder, run))


def _rework(seeder: Seeder, run: Run) -> None:
    run.case = review.case_rework_reply(
        case_id=_case_id(run),
        actor=run.dispatcher,
        note=seeder.composer.workflow_text(seeder.rng, "rework_notes"),
    )


def _publish(seeder: Seeder, run: Run) -> None:
    run.case = review.case_publish_reply(case_id=_case_id(run), actor=run.dispatcher)


def _evaluate(seeder: Seeder, run: Run, attitude: str, result: str, solved: bool) -> None:
    key = "unsatisfied" if Satisfaction.UNSATISFIED in (attitude, result) else result
    run.case = evaluation.case_evaluate(
        case_id=_case_id(run),
        actor=run.citizen,
        token=seeder.token(run),
        attitude=attitude,
        result=result,
        solved=solved,
        comment=seeder.composer.workflow_text(seeder.rng, "evaluation_comments", key),
    )


def _evaluate_sat(seeder: Seeder, run: Run) -> None:
    _evaluate(seeder, run, Satisfaction.SATISFIED, Satisfaction.SATISFIED, True)


def _evaluate_basic(seeder: Seeder, run: Run) -> None:
    attitude = seeder.rng.choice([Satisfaction.SATISFIED, Satisfaction.BASICALLY])
    _evaluate(seeder, run, attitude, Satisfaction.BASICALLY, seeder.rng.random() < 0.6)


def _evaluate_attitude(seeder: Seeder, run: Run) -> None:
    _evaluate(seeder, run, Satisfaction.UNSATISFIED, Satisfaction.BASICALLY, False)


def _evaluate_unsat(seeder: Seeder, run: Run) -> None:
    attitude = seeder.rng.choice([Satisfaction.BASICALLY, Satisfaction.UNSATISFIED])
    _evaluate(seeder, run, attitude, Satisfaction.UNSATISFIED, False)


def _evaluate_any(seeder: Seeder, run: Run) -> None:
    (_evaluate_sat if seeder.rng.random() < 0.5 else _evaluate_basic)(seeder, run)


def _ext_request(seeder: Seeder, run: Run) -> None:
    run.extension = handling.extension_request(
        case_id=_case_id(run),
        actor=_liaison(seeder, run),
        days=seeder.rng.choice([3, 5, 7, 10]),
        reason=seeder.composer.workflow_text(seeder.rng, "extension_reasons"),
    )


def _ext_decide(seeder: Seeder, run: Run, grant: bool) -> None:
    assert run.extension is not None
    supervision.extension_decide(
        request_id=run.extension.pk,
        actor=seeder.cast.supervisor,
        grant=grant,
        note="" if grant else "理由不充分，请在原期限内办结。",
    )


def _invalid(seeder: Seeder, run: Run) -> None:
    spam = {s["body"]: s["reason"] for s in seeder.composer.templates["workflow"]["invalid"]}
    reason = spam.get(run.message.body, "经核实，该事项不属于本平台受理范围。")
    run.case = dispatch.case_close_invalid(
        case_id=_case_id(run), actor=run.dispatcher, reason=reason
    )


def _merge(seeder: Seeder, run: Run) -> None:
    assert run.target is not None
    run.case = dispatch.case_merge(
        case_id=_case_id(run), actor=run.dispatcher, into_id=run.target.pk
    )


def _wait(seeder: Seeder, run: Run) -> None:
    """A planned moment without an action (the supervision run closes unrated cases later)."""


STEP_HANDLERS: dict[str, Callable[[Seeder, Run], None]] = {
    "submit": _submit,
    "submit_spam": _submit,
    "submit_dup": _submit,
    "dispatch": _dispatch,
    "dispatch_wrong": _dispatch_wrong,
    "sign": _sign,
    "start": _start,
    "return": _return,
    "accept_return": _accept_return_right,
    "accept_return_wrong": _accept_return_wrong,
    "reject_return": _reject_return,
    "request_info": _request_info,
    "provide_info": _provide_info,
    "draft": _draft,
    "reject_reply": _reject_reply,
    "approve": _approve,
    "rework": _rework,
    "publish": _publish,
    "evaluate_sat": _evaluate_sat,
    "evaluate_basic": _evaluate_basic,
    "evaluate_attitude": _evaluate_attitude,
    "evaluate_unsat": _evaluate_unsat,
    "evaluate_any": _evaluate_any,
    "ext_request": _ext_request,
    "ext_grant": lambda s, r: _ext_decide(s, r, True),
    "ext_deny": lambda s, r: _ext_decide(s, r, False),
    "invalid": _invalid,
    "merge": _merge,
    "unrated": _wait,
}
assert set(STEP_HANDLERS) >= STAFF_STEPS
