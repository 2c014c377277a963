"""Writes of the live dialogue. Each service: lock, check, change, store numbered events (sent
after commit), return the changed object.

Who may do what on a dialogue: its moderator moderates (approve, reject, merge, pin, notices,
state changes); its officials answer; signed-in citizens ask and vote. Administrators may act as
moderator. Errors are the domain errors of `interaction.errors` (one JSON shape in the API, an
`error` frame on the socket).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Role, User
from backend.organisation.models import Category, Department, DispatchRule

from ..deadlines import DEADLINE_FIELDS, compute_deadlines
from ..errors import InvalidTransition, NotAllowed, RateLimited, ValidationFailed
from ..models import Case, Kind
from ..services.dispatch import dispatch_locked
from ..services.intake import new_tracking_no
from ..services.notifications import notify, render
from ..workflow import record_event
from . import selectors
from .events import answer_payload, notice_payload, question_payload, store_event
from .models import (
    Answer,
    Audience,
    Dialogue,
    Notice,
    Question,
    QuestionState,
    QuestionVote,
    TopicProposal,
    TopicVote,
)
from .states import (
    ANSWER_STATES,
    ASKING_STATES,
    MODERATION_STATES,
    DialogueAction,
    DialogueState,
    apply_dialogue_transition,
)

# Working days the host department has to answer a question left unanswered at the end.
FOLLOW_UP_LIMIT_DAYS = 5


def max_question_chars() -> int:
    return int(getattr(settings, "WENZHENG_DIALOGUE_MAX_QUESTION_CHARS", 500))


def max_questions_per_minute() -> int:
    return int(getattr(settings, "WENZHENG_DIALOGUE_QUESTIONS_PER_MINUTE", 3))


def _lock(dialogue_id: int) -> Dialogue:
    dialogue = Dialogue.objects.select_for_update().filter(pk=dialogue_id).first()
    if dialogue is None:
        raise ValidationFailed({"dialogue": [_("There is no such dialogue.")]})
    return dialogue


def _lock_question(question_id: int) -> tuple[Dialogue, Question]:
    dialogue_id = Question.objects.filter(pk=question_id).values_list("dialogue_id", flat=True)
    first = dialogue_id.first()
    if first is None:
        raise ValidationFailed({"question": [_("There is no such question.")]})
    dialogue = _lock(first)
    question = Question.objects.select_for_update().select_related("asker").get(pk=question_id)
    return dialogue, question


def _ensure_moderator(actor: User | None, dialogue: Dialogue) -> User:
    if actor is None or not selectors.is_moderator(actor, dialogue):
        raise NotAllowed(_("Only the dialogue's moderator may do this."))
    return actor


def _text(value: str, field: str, *, limit: int, empty: object) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed({field: [empty]})
    if len(text) > limit:
        raise ValidationFailed({field: [render(_("Write at most %(n)d characters."), n=limit)]})
    return text


# --- the dialogue --------------------------------------------------------------------------------


@transaction.atomic
def dialogue_create(
    *,
    actor: User,
    title: str,
    host_department: Department,
    moderator: User,
    officials: Sequence[User],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    description: str = "",
    is_public: bool = True,
    category: Category | None = None,
) -> Dialogue:
    """Platform staff (administrator or dispatcher) announce a dialogue. Emits dialogue.state."""
    if not actor.has_role(Role.ADMIN, Role.DISPATCHER):
        raise NotAllowed()
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": [_("The end must be after the start.")]})
    dialogue = Dialogue.objects.create(
        title=_text(title, "title", limit=120, empty=_("Give the topic.")),
        description=description.strip(),
        host_department=host_department,
        moderator=moderator,
        starts_at=starts_at,
        ends_at=ends_at,
        is_public=is_public,
        category=category,
        created_by=actor,
    )
    dialogue.officials.set(officials)
    store_event(dialogue, "dialogue.state", _state_data(dialogue))
    return dialogue


def _state_data(dialogue: Dialogue) -> dict[str, object]:
    return {"state": dialogue.state, "label": render(dialogue.get_state_display())}


@transaction.atomic
def dialogue_transition(*, dialogue_id: int, actor: User, action: DialogueAction) -> Dialogue:
    """The moderator moves the dialogue on (open questions, go live, end, publish the transcript).

    Ending turns every approved question left unanswered into a mailbox case for the host
    department (5 working days) and tells its asker. Emits dialogue.state.
    """
    dialogue = _lock(dialogue_id)
    _ensure_moderator(actor, dialogue)
    apply_dialogue_transition(dialogue, action=action, actor=actor)
    if action == DialogueAction.END:
        _open_cases_for_unanswered(dialogue)
    store_event(dialogue, "dialogue.state", _state_data(dialogue))
    return dialogue


def _follow_up_category(dialogue: Dialogue) -> Category:
    if dialogue.category is not None:
        return dialogue.category
    rule = (
        DispatchRule.objects.filter(department=dialogue.host_department)
        .select_related("category")
        .order_by("pk")
        .first()
    )
    if rule is not None:
        return rule.category
    category = Category.objects.filter(is_active=True).order_by("pk").first()
    if category is None:
        raise ValidationFailed({"category": [_("Set the category of follow-up cases.")]})
    return category


def _open_cases_for_unanswered(dialogue: Dialogue) -> list[Case]:
    """Every approved question without an answer becomes a case for the host department."""
    category = _follow_up_category(dialogue)
    unanswered = (
        # Lock only the question rows: PostgreSQL cannot lock the nullable side of the joins.
        Question.objects.select_for_update(of=("self",))
        .filter(dialogue=dialogue, state=QuestionState.APPROVED, case__isnull=True)
        .filter(answers__isnull=True)
        .select_related("asker")
    )
    cases = []
    for question in unanswered:
        case = _case_for_question(dialogue, question, category)
        question.case = case
        question.save(update_fields=["case"])
        cases.append(case)
    return cases


def _case_for_question(dialogue: Dialogue, question: Question, category: Category) -> Case:
    asker = question.asker
    for _attempt in range(5):
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    tracking_no=new_tracking_no(),
                    citizen=asker,
                    contact_name=asker.display_name,
                    contact_phone=asker.phone,
                    kind=Kind.CONSULTATION,
                    subject=question.body[:100],
                    body=question.body,
                )
            break
        except IntegrityError:
            continue  # tracking number taken: draw another
    else:  # pragma: no cover - five collisions in a row
        raise RuntimeError("could not draw a free tracking number")
    record_event(
        case,
        action="submitted",
        actor=asker,
        to_status=case.status,
        reason=render(
            _("Unanswered question of the live dialogue “%(title)s”."), title=dialogue.title
        ),
        data={"dialogue": dialogue.pk, "question": question.pk},
    )
    dispatch_locked(
        case,
        actor=None,
        department=dialogue.host_department,
        category=category,
        reason=render(_("Live dialogue “%(title)s”"), title=dialogue.title),
    )
    case.limit_days = FOLLOW_UP_LIMIT_DAYS
    compute_deadlines(case)
    case.save(update_fields=["limit_days", *DEADLINE_FIELDS, "updated_at"])
    record_event(
        case,
        action="deadline_recomputed",
        actor=None,
        is_public=False,
        data={"limit_days": FOLLOW_UP_LIMIT_DAYS, "dialogue": dialogue.pk},
    )
    notify(
        user_ids=[asker.pk],
        case=case,
        verb="dialogue_follow_up",
        text=render(
            _(
                "Your question in the live dialogue “%(title)s” was not answered during it. It is "
                "now case %(no)s for %(department)s, which must reply within %(days)d working days."
            ),
            title=dialogue.title,
            no=case.tracking_no,
            department=dialogue.host_department.name,
            days=FOLLOW_UP_LIMIT_DAYS,
        ),
    )
    store_event(
        dialogue,
        "question.case",
        {"id": question.pk, "tracking_no": case.tracking_no},
        audience=Audience.USER,
        user_id=asker.pk,
    )
    return case


# --- questions -----------------------------------------------------------------------------------


@transaction.atomic
def question_ask(*, dialogue_id: int, actor: User | None, body: str) -> Question:
    """A signed-in citizen asks (in advance while questions are collected, or live).

    The question waits in the moderator's queue. Raises NotAllowed (not signed in, not a citizen),
    InvalidTransition (not taking questions), ValidationFailed (empty, too long), RateLimited.
    Emits question.submitted to the asker and the staff.
    """
    if actor is None or not actor.is_authenticated:
        raise NotAllowed(_("Sign in to ask a question."))
    if actor.role != Role.CITIZEN:
        raise NotAllowed(_("Only citizens ask questions."))
    text = _text(
        body,
        "body",
        limit=max_question_chars(),
        empty=_("Write your question."),
    )
    dialogue = _lock(dialogue_id)
    if not selectors.may_watch(actor, dialogue):
        raise NotAllowed()
    if dialogue.state not in ASKING_STATES:
        raise InvalidTransition(_("This dialogue is not taking questions now."))
    limit = max_questions_per_minute()
    since = timezone.now() - dt.timedelta(minutes=1)
    if Question.objects.filter(asker=actor, created_at__gte=since).count() >= limit:
        raise RateLimited(
            render(
                _("You can ask at most %(n)d questions a minute. Please wait a moment."), n=limit
            )
        )
    question = Question.objects.create(
        dialogue=dialogue,
        asker=actor,
        body=text,
        in_advance=dialogue.state == DialogueState.COLLECTING,
    )
    store_event(
        dialogue,
        "question.submitted",
        question_payload(question),
        audience=Audience.USER,
        user_id=actor.pk,
    )
    return question


def _moderation_open(dialogue: Dialogue) -> None:
    if dialogue.state not in MODERATION_STATES:
        raise InvalidTransition(_("The dialogue is not open for moderation."))


@transaction.atomic
def question_approve(*, question_id: int, actor: User) -> Question:
    """The moderator lets a waiting question through: everyone sees it. Emits question.approved."""
    dialogue, question = _lock_question(question_id)
    _ensure_moderator(actor, dialogue)
    _moderation_open(dialogue)
    if question.state != QuestionState.PENDING:
        raise InvalidTransition(_("Only a waiting question can be approved."))
    question.state = QuestionState.APPROVED
    question.approved_at = timezone.now()
    question.moderated_by = actor
    question.save(update_fields=["state", "approved_at", "moderated_by"])
    store_event(dialogue, "question.approved", question_payload(question))
    return question


@transaction.atomic
def question_reject(*, question_id: int, actor: User, reason: str) -> Question:
    """The moderator rejects a waiting question; only its asker (and the staff) learn why."""
    dialogue, question = _lock_question(question_id)
    _ensure_moderator(actor, dialogue)
    _moderation_open(dialogue)
    text = _text(reason, "reason", limit=200, empty=_("Give the reason shown to the asker."))
    if question.state != QuestionState.PENDING:
        raise InvalidTransition(_("Only a waiting question can be rejected."))
    question.state = QuestionState.REJECTED
    question.reject_reason = text
    question.moderated_by = actor
    question.save(update_fields=["state", "reject_reason", "moderated_by"])
    store_event(
        dialogue,
        "question.rejected",
        {"id": question.pk, "reason": text},
        audience=Audience.USER,
        user_id=question.asker_id,
    )
    return question


@transaction.atomic
def question_merge(*, question_id: int, actor: User, into_id: int) -> Question:
    """The moderator merges a duplicate into an approved question of the same dialogue.

    The duplicate's votes move over; its asker is told. Emits question.merged.
    """
    dialogue, question = _lock_question(question_id)
    _ensure_moderator(actor, dialogue)
    _moderation_open(dialogue)
    target = (
        Question.objects.select_for_update()
        .filter(pk=into_id, dialogue=dialogue, state=QuestionState.APPROVED)
        .exclude(pk=question.pk)
        .first()
    )
    if target is None:
        raise ValidationFailed({"into": [_("Choose an approved question of this dialogue.")]})
    if question.state not in (QuestionState.PENDING, QuestionState.APPROVED):
        raise InvalidTransition(_("This question can no longer be merged."))
    was_public = question.state == QuestionState.APPROVED
    question.state = QuestionState.MERGED
    question.merged_into = target
    question.moderated_by = actor
    question.save(update_fields=["state", "merged_into", "moderated_by"])
    Question.objects.filter(pk=target.pk).update(votes=F("votes") + question.votes)
    target.refresh_from_db(fields=["votes"])
    data = {"id": question.pk, "into": target.pk, "votes": target.votes}
    if was_public:
        store_event(dialogue, "question.merged", data)
    else:
        store_event(
            dialogue,
            "question.merged",
            data,
            audience=Audience.USER,
            user_id=question.asker_id,
        )
    return question


@transaction.atomic
def question_pin(*, question_id: int, actor: User, pinned: bool = True) -> Question:
    """The moderator pins (or unpins) an approved question at the top. Emits question.pinned."""
    dialogue, question = _lock_question(question_id)
    _ensure_moderator(actor, dialogue)
    _moderation_open(dialogue)
    if question.state != QuestionState.APPROVED:
        raise InvalidTransition(_("Only an approved question can be pinned."))
    question.pinned = pinned
    question.save(update_fields=["pinned"])
    store_event(dialogue, "question.pinned", {"id": question.pk, "pinned": pinned})
    return question


@transaction.atomic
def question_vote(*, question_id: int, actor: User | None) -> Question:
    """A signed-in citizen supports an approved question (once). Emits question.voted."""
    if actor is None or not actor.is_authenticated or actor.role != Role.CITIZEN:
        raise NotAllowed(_("Sign in as a citizen to vote."))
    dialogue, question = _lock_question(question_id)
    if not selectors.may_watch(actor, dialogue):
        raise NotAllowed()
    if dialogue.state not in ASKING_STATES or question.state != QuestionState.APPROVED:
        raise InvalidTransition(_("Votes are not taken for this question now."))
    _vote, new = QuestionVote.objects.get_or_create(question=question, user=actor)
    if not new:
        raise InvalidTransition(_("You have already voted for this question."))
    Question.objects.filter(pk=question.pk).update(votes=F("votes") + 1)
    question.refresh_from_db(fields=["votes"])
    store_event(dialogue, "question.voted", {"id": question.pk, "votes": question.votes})
    return question


# --- answers and notices -------------------------------------------------------------------------


@transaction.atomic
def answer_post(*, question_id: int, actor: User, body: str) -> Answer:
    """One of the dialogue's officials answers an approved question live. Emits answer.posted."""
    dialogue, question = _lock_question(question_id)
    if not selectors.is_official(actor, dialogue):
        raise NotAllowed(_("Only the dialogue's officials may answer."))
    if dialogue.state not in ANSWER_STATES:
        raise InvalidTransition(_("Answers are given while the dialogue is live."))
    if question.state != QuestionState.APPROVED:
        raise InvalidTransition(_("Only an approved question can be answered."))
    text = _text(body, "body", limit=5000, empty=_("Write the answer."))
    answer = Answer.objects.create(question=question, official=actor, body=text)
    store_event(dialogue, "answer.posted", answer_payload(answer))
    return answer


@transaction.atomic
def notice_post(*, dialogue_id: int, actor: User, body: str) -> Notice:
    """The moderator posts a notice to everyone watching. Emits notice.posted."""
    dialogue = _lock(dialogue_id)
    _ensure_moderator(actor, dialogue)
    if dialogue.state not in (DialogueState.COLLECTING, DialogueState.LIVE):
        raise InvalidTransition(_("Notices are posted while the dialogue is open."))
    text = _text(body, "body", limit=1000, empty=_("Write the notice."))
    notice = Notice.objects.create(dialogue=dialogue, author=actor, body=text)
    store_event(dialogue, "notice.posted", notice_payload(notice))
    return notice


# --- topics for future dialogues ---------------------------------------------------------------


@transaction.atomic
def topic_propose(
    *, actor: User | None, title: str, department: Department | None = None
) -> TopicProposal:
    """A signed-in citizen proposes a topic for a future dialogue."""
    if actor is None or not actor.is_authenticated or actor.role != Role.CITIZEN:
        raise NotAllowed(_("Sign in as a citizen to propose a topic."))
    text = _text(title, "title", limit=120, empty=_("Write the topic."))
    return TopicProposal.objects.create(title=text, department=department, proposed_by=actor)


@transaction.atomic
def topic_vote(*, topic_id: int, actor: User | None) -> TopicProposal:
    """A signed-in citizen supports a proposed topic (once)."""
    if actor is None or not actor.is_authenticated or actor.role != Role.CITIZEN:
        raise NotAllowed(_("Sign in as a citizen to vote."))
    topic = TopicProposal.objects.select_for_update().filter(pk=topic_id).first()
    if topic is None:
        raise ValidationFailed({"topic": [_("There is no such topic.")]})
    _vote, new = TopicVote.objects.get_or_create(topic=topic, user=actor)
    if not new:
        raise InvalidTransition(_("You have already voted for this topic."))
    TopicProposal.objects.filter(pk=topic.pk).update(votes=F("votes") + 1)
    topic.refresh_from_db(fields=["votes"])
    return topic
