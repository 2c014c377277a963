"""The demo cases: a few hundred messages in every status over the last 90 days (demo seeding).

Every case is written by the citizen through `case_submit` and moved through its life only by the
real services (dispatch, sign, return, extension, reply, review, evaluation, merge …), so each
status change has its real audit row and notifications. The run happens now; `timeline` then moves
each step to its planned moment in the past and recomputes the deadlines, and the real supervision
run raises notices for the cases that are overdue and closes the unrated ones.

Demo seeding only: the classifier is switched off while seeding (every case reaches the queue and
the demo dispatcher dispatches it), and the rate limit on submissions is lifted.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Role, User
from backend.organisation.models import Category, Department, Jurisdiction, Membership
from interaction import classification
from interaction.models import (
    Case,
    CaseEvent,
    ExtensionRequest,
    Kind,
    Notification,
    Reply,
)
from interaction.replyquality.services import replies_rescore
from interaction.routing import department_for, place_of
from interaction.services import supervision
from interaction.services.notifications import render
from interaction.states import Action, Status

from .content import Composer, DemoMessage, city_data
from .scenarios import SCENARIOS, Scenario, plan_times
from .steps import STEP_HANDLERS
from .timeline import Timeline, recompute_clocks

logger = logging.getLogger(__name__)

CASE_SEED = 2026
# Demo cases are those whose contact phone starts with this (demo citizens: 1380000000x,
# anonymous demo writers: 1380001xxxx).
DEMO_PHONE_PREFIX = "138000"
ANON_PHONE_PREFIX = "1380001"
ANON_NAMES = ["王先生", "李女士", "刘先生", "陈女士", "市民", "", "", "赵先生", "孙女士"]
SIMULATED_MODEL_VERSION = "demo-seed"
# Share of messages about city management in 青山区 (→ 青山区城市管理局, `district_liaison`)
# and 北城区 (no district department: → 青川市城市管理局, `liaison`).
FEATURED_SHARE = 0.22
FEATURED_DISTRICTS = ("qingshan", "beicheng")
# Share of messages about the recurring problems of `message_templates.json` ("recurring").
RECURRING_SHARE = 0.12
FEATURED_CATEGORIES = [
    "road-repair",
    "street-lighting",
    "illegal-construction",
    "waste",
    "greening",
]


def demo_cases() -> QuerySet[Case]:
    return Case.objects.filter(contact_phone__startswith=DEMO_PHONE_PREFIX)


@dataclass
class SeedReport:
    cases: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    shifted_rows: int = 0
    notices: dict[str, object] = field(default_factory=dict)


@dataclass
class Cast:
    """The demo people the seeder acts as."""

    citizens: list[User]
    dispatchers: list[User]
    supervisor: User
    staff: dict[int, dict[str, User]]  # department id → {"liaison": user, "head": user}
    departments: list[Department]
    categories: dict[str, Category]
    places: dict[str, Jurisdiction]

    @classmethod
    def load(cls) -> Cast:
        data = city_data()
        usernames = [u["username"] for u in data["users"]]
        users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        staff: dict[int, dict[str, User]] = {}
        for m in Membership.objects.select_related("user").order_by("pk"):
            staff.setdefault(m.department_id, {}).setdefault(m.position, m.user)
        codes = [d["code"] for d in data["departments"]]
        return cls(
            citizens=[users[n] for n in usernames if users[n].role == Role.CITIZEN],
            dispatchers=[users[n] for n in usernames if users[n].role == Role.DISPATCHER],
            supervisor=next(users[n] for n in usernames if users[n].role == Role.SUPERVISOR),
            staff=staff,
            departments=list(
                Department.objects.filter(code__in=codes).select_related("jurisdiction")
            ),
            categories={c.code: c for c in Category.objects.select_related("parent")},
            places={j.code: j for j in Jurisdiction.objects.all()},
        )

    def member(self, department_id: int | None, position: str) -> User:
        assert department_id is not None
        return self.staff[department_id][position]


@dataclass
class Run:
    """One planned case on its way through the services."""

    scenario: Scenario
    times: list[dt.datetime]
    message: DemoMessage
    citizen: User | None
    phone: str
    contact_name: str
    dispatcher: User
    target: Case | None = None  # the earlier case a duplicate is merged into
    case: Case | None = None
    correct: Department | None = None
    wrong: list[Department] = field(default_factory=list)
    department: Department | None = None
    extension: ExtensionRequest | None = None
    step: int = 0  # index of the step being run

    @property
    def created(self) -> dt.datetime:
        return self.times[0]


class Seeder:
    def __init__(self, *, seed: int = CASE_SEED, now: dt.datetime | None = None) -> None:
        self.rng = random.Random(seed)
        self.recurring_rng = random.Random(seed + 1)
        self.now = now or timezone.now()
        self.composer = Composer()
        self.cast = Cast.load()
        self.timeline = Timeline()
        self.runs: list[Run] = []
        self._anon = 0

    # --- planning ---------------------------------------------------------------------------

    def plan(self) -> list[Run]:
        runs = []
        for scenario in SCENARIOS:
            for i in range(scenario.count):
                runs.append(self._plan_one(scenario, first=i == 0))
        runs.sort(key=lambda r: r.created)
        return runs

    def _compose(self, rng: random.Random) -> DemoMessage:
        """A message; a share goes to the departments of the named demo accounts, so that
        `liaison` (city urban management) and `district_liaison` (青山区) have full inboxes."""
        draw = rng.random()
        if draw < FEATURED_SHARE:
            district = FEATURED_DISTRICTS[0] if draw < FEATURED_SHARE / 2 else FEATURED_DISTRICTS[1]
            street = rng.choice([s for s in self.composer.streets if s.district_code == district])
            message = self.composer.compose(rng, rng.choice(FEATURED_CATEGORIES), street)
        else:
            message = self.composer.compose(rng, self.composer.pick_category(rng))
        # A share of the messages is about the recurring problems (the demo's hot issues), drawn
        # from a random stream of their own, so the draws of the rest of the demo stay the same.
        if self.recurring_rng.random() < RECURRING_SHARE:
            return self.composer.compose_recurring(self.recurring_rng)
        return message

    def _plan_one(self, scenario: Scenario, *, first: bool) -> Run:
        rng = self.rng
        if scenario.steps[0] == "submit_spam":
            spam = rng.choice(self.composer.templates["workflow"]["invalid"])
            message = DemoMessage(
                category="",
                kind=Kind.CONSULTATION,
                subject=spam["subject"],
                body=spam["body"],
                district="",
                street="",
            )
        else:
            message = self._compose(rng)
        if scenario.long_clock and message.kind in (Kind.CONSULTATION, Kind.HELP):
            message = DemoMessage(**{**message.__dict__, "kind": Kind.COMPLAINT})
        times = plan_times(rng, scenario, message.kind, self.now)
        anonymous = not first and rng.random() < 0.28
        citizen: User | None = None
        if first:
            citizen = self.cast.citizens[0]  # the `citizen` account sees every status
        elif not anonymous:
            citizen = rng.choice([self.cast.citizens[0]] * 2 + self.cast.citizens[1:])
        if citizen is None:
            self._anon += 1
            phone = f"{ANON_PHONE_PREFIX}{self._anon:04d}"
            name = rng.choice(ANON_NAMES)
        else:
            phone, name = citizen.phone, citizen.display_name
        return Run(
            scenario=scenario,
            times=times,
            message=message,
            citizen=citizen,
            phone=phone,
            contact_name=name,
            dispatcher=rng.choices(
                self.cast.dispatchers, weights=[4, 1][: len(self.cast.dispatchers)]
            )[0],
        )

    # --- running ----------------------------------------------------------------------------

    def run(self) -> list[Run]:
        self.runs = self.plan()
        done: list[Run] = []
        for run in self.runs:
            steps = run.scenario.steps
            if steps[0] == "submit_dup" and not self._choose_target(run, done):
                # Planned before any message it could repeat: it stays an ordinary new message.
                steps = ("submit",)
            for index, step in enumerate(steps):
                run.step = index
                self.timeline.step(run.times[index])
                STEP_HANDLERS[step](self, run)
            done.append(run)
        return self.runs

    def _choose_target(self, run: Run, done: list[Run]) -> bool:
        """Make `run` a repeat of a recent earlier message; False if there is none yet."""
        eligible = [
            r
            for r in done[-60:]
            if r.case is not None
            and r.message.category
            and r.case.status not in (Status.INVALID, Status.MERGED)
        ]
        if not eligible:
            return False
        target = self.rng.choice(eligible)
        run.target = target.case
        prefix = self.composer.workflow_text(self.rng, "duplicate_prefixes")
        m = target.message
        run.message = DemoMessage(
            category=m.category,
            kind=m.kind,
            subject=m.subject,
            body=f"{prefix}{m.body}",
            district=m.district,
            street=m.street,
            address=m.address,
        )
        return True

    def token(self, run: Run) -> str | None:
        assert run.case is not None
        return None if run.citizen else run.case.access_token

    def reply_text(self, run: Run, when: dt.datetime) -> str:
        assert run.case is not None
        assert run.department is not None
        category = self.cast.categories[run.message.category]
        top = category.parent.code if category.parent else category.code
        day = timezone.localtime(when) - dt.timedelta(days=1)
        street = self.cast.places.get(run.message.street)
        values = {
            "subject": run.case.subject[:30],
            "date": f"{day.month}月{day.day}日",
            "phone": run.department.phone or "12345",
            "estate": run.message.subject[:8],
            "street": street.name if street else "属地街道",
        }
        text = self.composer.reply(self.rng, category.code, top, values)
        # Most departments restate what the citizen wrote about, as real replies do; every third
        # demo reply stays generic, so that reviewers see the reply-quality flag at work. (No
        # random draw here: the rest of the demo stays as it was.)
        if values["subject"] not in text and run.case.pk % 3:
            text = f"您好，关于您反映的“{values['subject']}”问题，{text.removeprefix('您好，')}"
        return text


# --- after the run ----------------------------------------------------------------------------


@contextmanager
def seeding_mode() -> Iterator[None]:
    """Demo seeding only: no classifier (cases wait for the demo dispatcher), no rate limit, no
    live events (nobody listens to three months of history; an empty CHANNEL_LAYERS makes
    `events._send` a no-op) and no log line per SMS to the anonymous demo writers."""
    original = classification.predict
    sms_logger = logging.getLogger("wenzheng.sms")
    level = sms_logger.level
    setattr(classification, "predict", lambda *args, **kwargs: None)  # noqa: B010
    sms_logger.setLevel(logging.WARNING)
    try:
        with override_settings(WENZHENG_MAX_SUBMISSIONS_PER_HOUR=10**9, CHANNEL_LAYERS={}):
            yield
    finally:
        setattr(classification, "predict", original)  # noqa: B010
        sms_logger.setLevel(level)


def _fix_unrated_closures(seeder: Seeder, ids: list[int]) -> None:
    """The supervision run closed the unrated cases now; date the closure when it was due."""
    rng = seeder.rng
    closes = CaseEvent.objects.filter(case_id__in=ids, action=Action.CLOSE_UNRATED)
    for event in closes.select_related("case"):
        replied = event.case.replied_at
        assert replied is not None
        closed = replied + dt.timedelta(days=7, minutes=rng.randint(5, 300))
        Case.objects.filter(pk=event.case_id).update(closed_at=closed, updated_at=closed)
        CaseEvent.objects.filter(pk=event.pk).update(created_at=closed)


def _model_available() -> bool:
    # The store's pointer file first: importing the classifier (scikit-learn) takes seconds.
    if not (Path(settings.CLASSIFIER_MODEL_DIR) / "CURRENT").exists():
        return False
    try:
        from classifier.store import current_version

        return current_version(settings.CLASSIFIER_MODEL_DIR) is not None
    except Exception:
        return False


def _queue_predictions(seeder: Seeder, runs: list[Run]) -> None:
    """What the dispatcher's queue shows for cases still waiting: the classifier's guess.

    With a trained model, its real prediction. Without one (the first `make run` trains after
    loading), demo seeding writes a plausible guess from the template's true category — mostly
    right, sometimes a sibling — with a confidence below the auto-dispatch threshold, under the
    model version "demo-seed".
    """
    waiting = set(
        Case.objects.filter(
            pk__in=[r.case.pk for r in runs if r.case is not None], status=Status.SUBMITTED
        ).values_list("pk", flat=True)
    )
    queued = [r for r in runs if r.case is not None and r.case.pk in waiting and r.message.category]
    if not queued:
        return
    use_model = _model_available()
    rng = seeder.rng
    categories = seeder.cast.categories
    leaves = [c for c in categories.values() if c.parent_id]
    for run in queued:
        case = run.case
        assert case is not None
        place = place_of(case)
        prediction = classification.predict(case.subject, case.body) if use_model else None
        if prediction is not None:
            ranked = [(label, float(p)) for label, p in prediction.top_k[:3]]
            version = prediction.model_version
            note = render(_("Demo data: left in the queue for a dispatcher."))
        else:
            truth = categories[run.message.category]
            siblings = [c for c in leaves if c.parent_id == truth.parent_id and c.pk != truth.pk]
            others = rng.sample(siblings or leaves, min(2, len(siblings or leaves)))
            first = truth if rng.random() < 0.8 else others[0]
            rest = [c for c in [truth, *others] if c.pk != first.pk][:2]
            top = round(rng.uniform(0.42, 0.82), 4)
            second = round(rng.uniform(0.05, min(0.3, 1 - top)), 4)
            third = round(max(0.01, rng.uniform(0.0, 1 - top - second)), 4)
            ranked = [(first.code, top), (rest[0].code, second), (rest[1].code, third)]
            version = SIMULATED_MODEL_VERSION
            note = render(_("Low confidence: waiting for a dispatcher."))
        suggestions = []
        for code, probability in ranked:
            category = categories.get(code)
            if category is None:
                continue
            department = department_for(category, place)
            suggestions.append(
                {
                    "category_id": category.pk,
                    "category": str(category),
                    "confidence": round(probability, 4),
                    "department_id": department.pk if department else None,
                    "department": str(department) if department else "",
                }
            )
        Case.objects.filter(pk=case.pk).update(
            predicted_category=categories.get(ranked[0][0]),
            prediction_confidence=ranked[0][1],
            model_version=version,
            suggestions=suggestions,
            routing_note=note[:200],
        )


def _quiet_notifications(ids: list[int], now: dt.datetime) -> None:
    """History is not news: seeded notifications count as sent in a digest, old ones as read."""
    rows = Notification.objects.filter(case_id__in=ids)
    rows.filter(digested_at__isnull=True).update(digested_at=F("created_at"))
    rows.filter(read_at__isnull=True, created_at__lt=now - dt.timedelta(days=3)).update(
        read_at=F("created_at")
    )


def seed_cases(*, seed: int = CASE_SEED, now: dt.datetime | None = None) -> SeedReport:
    """Create the demo cases (the organisation must be loaded). All or nothing."""
    seeder = Seeder(seed=seed, now=now)
    report = SeedReport()
    with seeding_mode(), transaction.atomic():
        runs = seeder.run()
        ids = [r.case.pk for r in runs if r.case is not None]
        report.shifted_rows = seeder.timeline.apply(ids)
        recompute_clocks(ids)
        # Reply timeliness from the shifted dates (the replies were scored "now" when drafted).
        replies_rescore(
            reply_ids=Reply.objects.filter(case_id__in=ids).values_list("pk", flat=True)
        )
        report.notices = supervision.supervise(now=seeder.now, digests=False).as_dict()
        _fix_unrated_closures(seeder, ids)
        _quiet_notifications(ids, seeder.now)
    _queue_predictions(seeder, runs)
    report.cases = len(ids)
    for status in Case.objects.filter(pk__in=ids).values_list("status", flat=True):
        report.by_status[status] = report.by_status.get(status, 0) + 1
    return report


def wipe_demo_cases() -> int:
    """Delete the demo cases and everything hanging on them (the audit trail included)."""
    with transaction.atomic():
        ids = list(demo_cases().values_list("pk", flat=True))
        Case.objects.filter(merged_into_id__in=ids).update(merged_into=None)
        # CaseEvent protects its case; a queryset delete does not go through CaseEvent.delete.
        CaseEvent.objects.filter(case_id__in=ids).delete()
        Case.objects.filter(pk__in=ids).delete()
    return len(ids)
