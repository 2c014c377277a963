"""The demo city: idempotent loading, every status reached through the services, consistent
clocks, the dispatch catalogue, and the classifier's demo corpus."""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone, translation

from backend.accounts.models import Role, User
from backend.organisation.models import (
    Category,
    Department,
    DispatchRule,
    Jurisdiction,
    Membership,
)
from interaction.deadlines import DEADLINE_FIELDS, compute_deadlines
from interaction.demo.content import (
    PLACES_DICT_FILE,
    Composer,
    leaf_categories,
    place_names,
    places_dict_text,
)
from interaction.demo.corpus import fresh_messages, training_corpus
from interaction.demo.organisation import DEMO_PASSWORD
from interaction.models import (
    Case,
    CaseEvent,
    Evaluation,
    ExtensionRequest,
    Notification,
    Reply,
    ReturnRequest,
)
from interaction.routing import department_for
from interaction.states import CLOCK_RUNNING_STATUSES, Status

COUNTED = [
    Case,
    CaseEvent,
    User,
    Department,
    Membership,
    Category,
    DispatchRule,
    Jurisdiction,
    Notification,
    Evaluation,
    ReturnRequest,
    ExtensionRequest,
]


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


# Runs before the module-wide demo city below is loaded (tests run in file order).
def test_demo_accounts_without_demo_city_says_what_to_run(db: None) -> None:
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    assert "load_demo_city" in out.getvalue()
    assert DEMO_PASSWORD not in out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The demo city loaded twice, once for the module (seeding takes seconds); rolled back."""
    with django_db_blocker.unblock(), transaction.atomic(), translation.override("en"):
        first_out, second_out = StringIO(), StringIO()
        call_command("load_demo_city", stdout=first_out)
        first = _counts()
        call_command("load_demo_city", stdout=second_out)
        yield {
            "first": first,
            "second": _counts(),
            "first_out": first_out.getvalue(),
            "second_out": second_out.getvalue(),
            "now": timezone.now(),
        }
        transaction.set_rollback(True)


@pytest.mark.usefixtures("db")
class TestLoadedDemoCity:
    def test_loading_twice_creates_nothing_new(self, demo: dict[str, Any]) -> None:
        assert demo["first"] == demo["second"]
        assert 300 <= demo["first"]["Case"] <= 400
        assert "already exist: not generated again" in demo["second_out"]
        assert "nothing new" in demo["second_out"]

    def test_demo_dialogues_are_live_collecting_and_published(self, demo: dict[str, Any]) -> None:
        from interaction.dialogue.models import Dialogue, Question

        states = sorted(Dialogue.objects.values_list("state", flat=True))
        assert states == ["collecting", "live", "published"]
        # The approved question left unanswered became a case for the host department.
        follow_up = Question.objects.get(case__isnull=False)
        assert follow_up.case.lead_department.code == "city-environment"
        assert follow_up.case.limit_days == 5

    def test_recurring_problems_are_grouped_into_hot_issues(self, demo: dict[str, Any]) -> None:
        from interaction.hotspots.models import HotIssue, RepeatComplaint

        assert "hot-issue groups" in demo["first_out"]
        recurring = {"翠湖花园", "滨江大道", "柳林小区", "阳光新城", "科技大道"}
        big = list(HotIssue.objects.filter(case_count__gte=4, citizen_count__gte=3))
        assert len(recurring & {h.place for h in big}) >= 4
        assert RepeatComplaint.objects.filter(hot_issue__place__in=recurring).exists()

    def test_every_status_is_present(self, demo: dict[str, Any]) -> None:
        present = set(Case.objects.values_list("status", flat=True))
        assert present == set(Status.values)

    def test_every_status_was_reached_through_audited_transitions(
        self, demo: dict[str, Any]
    ) -> None:
        for case in Case.objects.prefetch_related("events"):
            chain = [e for e in case.events.all() if e.to_status]
            assert chain[0].action == "submitted"
            for before, after in zip(chain, chain[1:], strict=False):
                assert after.from_status == before.to_status, case.tracking_no
            assert chain[-1].to_status == case.status, case.tracking_no

    def test_history_lies_in_the_last_90_days_in_order(self, demo: dict[str, Any]) -> None:
        now = demo["now"]
        oldest = Case.objects.order_by("created_at").first()
        assert oldest is not None
        assert now - dt.timedelta(days=90) <= oldest.created_at <= now - dt.timedelta(days=60)
        assert not CaseEvent.objects.filter(created_at__gt=now).exists()
        # Seeded cases only: the demo dialogue's follow-up case is opened live, not back-dated.
        seeded = Case.objects.filter(dialogue_question__isnull=True)
        for case in seeded.prefetch_related("events"):
            events = list(case.events.exclude(action="supervision").order_by("pk"))
            assert events[0].created_at == case.created_at
            times = [e.created_at for e in events]
            assert times == sorted(times), case.tracking_no

    def test_tracking_numbers_carry_the_shifted_day_of_submission(
        self, demo: dict[str, Any]
    ) -> None:
        seeded = Case.objects.filter(dialogue_question__isnull=True)
        numbers = {c.pk: c.tracking_no for c in seeded}
        for case in seeded:
            day = timezone.localtime(case.created_at).strftime("%y%m%d")
            assert case.tracking_no.startswith(day), case.tracking_no
        # The notifications quote the number the case has now.
        quoting = Notification.objects.filter(case_id__in=numbers, verb="dispatched")
        assert quoting.exists()
        for note in quoting:
            assert numbers[note.case_id] in note.text, note.text

    def test_open_cases_have_deadlines_of_their_shifted_clock(self, demo: dict[str, Any]) -> None:
        open_cases = Case.objects.filter(status__in=CLOCK_RUNNING_STATUSES)
        for case in open_cases:
            expected = copy.copy(case)
            compute_deadlines(expected)
            for name in DEADLINE_FIELDS:
                assert getattr(case, name) == getattr(expected, name), (case.tracking_no, name)
        overdue = open_cases.filter(reply_deadline__lt=demo["now"])
        assert 5 <= overdue.count() < open_cases.count() / 2
        assert overdue.filter(supervision_level__gte=2).exists()

    def test_the_workflow_has_every_kind_of_side_story(self, demo: dict[str, Any]) -> None:
        extensions = Counter(ExtensionRequest.objects.values_list("decision", flat=True))
        assert extensions["pending"]
        assert extensions["granted"]
        assert extensions["denied"]
        returns = Counter(ReturnRequest.objects.values_list("decision", flat=True))
        assert returns["pending"]
        assert returns["accepted"]
        assert returns["rejected"]
        results = set(Evaluation.objects.values_list("result", flat=True))
        assert results == {"satisfied", "basically", "unsatisfied"}
        assert Case.objects.filter(status=Status.HANDLING, redo_count__gte=1).exists()
        assert CaseEvent.objects.filter(action="close_unrated").exists()
        assert Case.objects.filter(citizen__isnull=True).count() > 30
        assert Case.objects.filter(is_problem=True).exists()
        for pending in ExtensionRequest.objects.filter(decision="pending").select_related("case"):
            assert pending.case.reply_deadline is not None
            assert pending.created_at < pending.case.reply_deadline

    def test_queued_cases_carry_a_prediction(self, demo: dict[str, Any]) -> None:
        queued = Case.objects.filter(status=Status.SUBMITTED)
        assert queued.count() >= 10
        for case in queued:
            assert case.predicted_category is not None
            assert 0 < (case.prediction_confidence or 0) < 0.85
            assert len(case.suggestions) == 3

    def test_every_department_has_a_liaison_and_a_head(self, demo: dict[str, Any]) -> None:
        for department in Department.objects.all():
            positions = set(
                Membership.objects.filter(department=department).values_list("position", flat=True)
            )
            assert positions == {"liaison", "head"}, department.code
        head = User.objects.get(username="head")
        assert head.role == Role.HEAD
        assert Membership.objects.get(user=head).position == "head"

    def test_named_demo_accounts_have_their_roles(self, demo: dict[str, Any]) -> None:
        roles = dict(
            User.objects.filter(
                username__in=[
                    "citizen",
                    "dispatcher",
                    "liaison",
                    "head",
                    "district_liaison",
                    "supervisor",
                    "leader",
                    "admin",
                ]
            ).values_list("username", "role")
        )
        assert roles == {
            "citizen": "citizen",
            "dispatcher": "dispatcher",
            "liaison": "liaison",
            "head": "head",
            "district_liaison": "liaison",
            "supervisor": "supervisor",
            "leader": "leader",
            "admin": "admin",
        }
        admin = User.objects.get(username="admin")
        assert admin.is_staff
        assert admin.is_superuser
        assert admin.check_password(DEMO_PASSWORD)
        assert not User.objects.get(username="citizen").is_staff
        # The demo citizen has cases in many states to show.
        assert (
            Case.objects.filter(citizen__username="citizen").values("status").distinct().count()
            >= 10
        )

    def test_catalogue_sends_district_road_repair_to_the_district(
        self, demo: dict[str, Any]
    ) -> None:
        road_repair = Category.objects.get(code="road-repair")
        street = Jurisdiction.objects.get(code="qingshan-binjiang")
        assert department_for(road_repair, street).code == "qingshan-urban"
        assert department_for(road_repair, street.parent).code == "qingshan-urban"
        # 北城区 has no district department: the city's handles it.
        assert department_for(road_repair, Jurisdiction.objects.get(code="beicheng")).code == (
            "city-urban"
        )
        assert department_for(road_repair, None).code == "city-urban"
        # A city-wide topic stays with the city department wherever it happens.
        pension = Category.objects.get(code="pension")
        assert department_for(pension, street).code == "city-hrss"

    def test_every_leaf_category_has_a_department(self, demo: dict[str, Any]) -> None:
        for category in Category.objects.filter(parent__isnull=False):
            assert department_for(category, None) is not None, category.code

    def test_demo_accounts_prints_the_accounts_and_password(self, demo: dict[str, Any]) -> None:
        out = StringIO()
        call_command("demo_accounts", stdout=out)
        text = out.getvalue()
        for username in [
            "citizen",
            "dispatcher",
            "liaison",
            "head",
            "district_liaison",
            "supervisor",
            "leader",
            "admin",
            "housing_liaison",
        ]:
            assert f"\n{username} " in text
        assert DEMO_PASSWORD in text
        assert "青山区城市管理局" in text

    def test_every_demo_reply_is_scored_from_its_shifted_dates(self, demo: dict[str, Any]) -> None:
        replies = list(Reply.objects.all())
        assert replies
        assert all(r.quality_overall is not None for r in replies)
        assert all(r.quality_version == "rq1" for r in replies)
        flags = {r.quality_weak for r in replies}
        assert flags == {True, False}  # the demo has weak replies for the reviewers to see
        # The clock is read at the replies' dates in the past, not during the seeding run (where
        # every reply was drafted seconds after its dispatch).
        assert max(r.quality_detail["days_used"] for r in replies) >= 1


def test_corpus_covers_every_leaf_category_with_40_texts() -> None:
    corpus = training_corpus()
    per_category = Counter(code for _text, code in corpus)
    assert set(per_category) == {code for code, _name, _parent in leaf_categories()}
    assert min(per_category.values()) >= 40
    assert len({text for text, _code in corpus}) == len(corpus)
    assert all("\n" in text and "{" not in text for text, _code in corpus)


def test_corpus_is_reproducible() -> None:
    assert training_corpus()[:50] == training_corpus()[:50]


def test_fresh_messages_differ_from_the_corpus() -> None:
    corpus = {text for text, _code in training_corpus()}
    fresh = fresh_messages(2027)
    assert len(fresh) >= 10 * len(leaf_categories())
    assert not corpus & {text for text, _code in fresh}
    assert fresh != fresh_messages(2028)
    with pytest.raises(ValueError, match="another seed"):
        fresh_messages(17)


def test_every_template_slot_is_known() -> None:
    filled = Composer().every_template()
    assert len(filled) > 200
    assert not [text for _code, text in filled if "{" in text or "}" in text]


def test_places_dictionary_lists_every_place_of_the_city() -> None:
    assert PLACES_DICT_FILE.read_text(encoding="utf-8") == places_dict_text()
    words = {
        line.split()[0]
        for line in PLACES_DICT_FILE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    assert {"青山区", "滨江街道", "翠湖花园", "江畔社区", "白沙镇"} <= words
    assert words == set(place_names())


def test_a_repeat_planned_before_any_message_it_could_repeat_stays_a_new_message(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planned times are random: a duplicate may come first. It is then an ordinary new message
    (it used to stop the whole demo loading with an IndexError)."""
    from interaction.demo.organisation import ensure_organisation
    from interaction.demo.seed import Seeder, seeding_mode

    ensure_organisation()
    seeder = Seeder()
    runs = seeder.plan()
    repeat = next(r for r in runs if r.scenario.steps[0] == "submit_dup")
    ordinary = next(r for r in runs if r.scenario.steps == ("submit",))
    monkeypatch.setattr(seeder, "plan", lambda: [repeat, ordinary])
    with seeding_mode():
        done = seeder.run()
    assert [r.case.status for r in done if r.case is not None] == [
        Status.SUBMITTED,
        Status.SUBMITTED,
    ]
    assert repeat.target is None
