"""Routing accuracy: the share of auto-dispatched cases later returned or moved, by predicted
category and by model version; the admin page and API, and who may not see them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backend.organisation.models import Category, Department
from interaction.insights_routing import routing_accuracy
from interaction.models import Case
from interaction.routing import RoutingDecision
from interaction.services import dispatch, handling
from interaction.services import routing as routing_service
from interaction.states import Status
from tests.factories import World, submit


@pytest.fixture(autouse=True)
def _many_submissions(settings) -> None:
    settings.WENZHENG_MAX_SUBMISSIONS_PER_HOUR = 1000


def auto_dispatched(
    world: World, *, category: Category, department: Department, version: str
) -> Case:
    """A message the classifier routed itself, through the intake (the machine's decision is
    fixed here: which category and department, and that it is sure)."""
    decision = RoutingDecision(
        category=category,
        confidence=0.99,
        department=department,
        model_version=version,
        auto=True,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(routing_service, "decide", lambda case, **_kwargs: decision)
        case = submit(world.citizen)
    case.refresh_from_db()
    assert case.auto_dispatched
    assert case.status == Status.DISPATCHED
    assert (case.predicted_category, case.model_version) == (category, version)
    return case


def return_case(case: Case, actor) -> None:
    handling.case_return(
        case_id=case.pk, actor=actor, reason_code="function", reason_text="不属于我单位职能。"
    )


@pytest.fixture
def scenario(world: World) -> dict[str, Case]:
    """Three auto-dispatched cases: one returned (the return rejected: it stays), one moved by
    the dispatcher to another department and category after a return, one untouched. And one
    case a dispatcher routed by hand and that was returned: not counted at all."""
    returned = auto_dispatched(
        world, category=world.road_repair, department=world.city_roads, version="v1"
    )
    return_case(returned, world.liaison)
    dispatch.case_reject_return(case_id=returned.pk, actor=world.dispatcher, note="属于你单位。")

    moved = auto_dispatched(
        world, category=world.housing, department=world.housing_dept, version="v2"
    )
    return_case(moved, world.housing_liaison)
    dispatch.case_accept_return(
        case_id=moved.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )

    untouched = auto_dispatched(
        world, category=world.road_repair, department=world.city_roads, version="v2"
    )
    handling.case_sign(case_id=untouched.pk, actor=world.liaison)

    manual = submit(world.citizen)
    dispatch.case_dispatch(
        case_id=manual.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )
    return_case(manual, world.liaison)
    return {"returned": returned, "moved": moved, "untouched": untouched, "manual": manual}


def counts(row) -> tuple[int, int, int, int]:
    return (row.total, row.moved, row.returned, row.redirected)


def test_two_of_three_auto_dispatched_cases_were_moved(world: World, scenario):
    figures = routing_accuracy()

    assert counts(figures.overall) == (3, 2, 2, 1)
    assert figures.overall.moved_share == pytest.approx(2 / 3)
    assert figures.overall.accuracy == pytest.approx(1 / 3)
    # The moved case has three qualifying audit rows (return, accept_return, recategorised).
    assert (
        scenario["moved"]
        .events.filter(action__in=["return", "accept_return", "recategorised"])
        .count()
        == 3
    )


def test_figures_by_predicted_category(world: World, scenario):
    rows = {row.key: row for row in routing_accuracy().by_category}

    assert set(rows) == {str(world.road_repair.pk), str(world.housing.pk)}
    assert counts(rows[str(world.road_repair.pk)]) == (2, 1, 1, 0)
    assert counts(rows[str(world.housing.pk)]) == (1, 1, 1, 1)
    assert rows[str(world.housing.pk)].label == "住房保障"
    # The category the classifier predicted, not the one the dispatcher corrected it to.
    assert Case.objects.get(pk=scenario["moved"].pk).category == world.road_repair


def test_figures_by_model_version(world: World, scenario):
    rows = {row.key: row for row in routing_accuracy().by_model}

    assert set(rows) == {"v1", "v2"}
    assert counts(rows["v1"]) == (1, 1, 1, 0)
    assert counts(rows["v2"]) == (2, 1, 1, 1)
    assert rows["v1"].moved_share == 1.0
    assert rows["v2"].moved_share == 0.5


def test_since_leaves_out_older_cases(world: World, scenario):
    Case.objects.filter(pk=scenario["returned"].pk).update(
        created_at=timezone.now() - dt.timedelta(days=40)
    )

    figures = routing_accuracy(since=timezone.now() - dt.timedelta(days=30))

    assert counts(figures.overall) == (2, 1, 1, 1)
    assert {row.key for row in figures.by_model} == {"v2"}


def test_no_auto_dispatched_case_gives_no_share(world: World):
    figures = routing_accuracy()

    assert counts(figures.overall) == (0, 0, 0, 0)
    assert figures.overall.moved_share is None
    assert figures.by_category == []
    assert figures.by_model == []


# --- the admin page ----------------------------------------------------------------------------

PAGE = reverse("frontend:routing-accuracy")
API = reverse("api:routing-accuracy")


def get(client: Client, user, url: str, **params):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url, params)


@pytest.mark.parametrize("who", ["dispatcher", "liaison", "head", "citizen", "supervisor"])
def test_page_is_forbidden_to_everyone_but_admins(client: Client, world: World, scenario, who):
    response = get(client, getattr(world, who), PAGE)

    assert response.status_code == 403
    assert b'data-testid="by-model"' not in response.content


def test_page_sends_visitors_to_sign_in(client: Client, world: World):
    response = get(client, None, PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:login"))


def test_page_shows_the_figures_to_an_admin(client: Client, world: World, scenario):
    response = get(client, world.admin, PAGE)

    assert response.status_code == 200
    figures = response.context["figures"]
    assert counts(figures.overall) == (3, 2, 2, 1)
    html = response.content.decode()
    assert '<strong data-field="share">67%</strong>' in html
    assert '<tr data-key="v1">' in html
    assert '<tr data-key="v2">' in html
    assert 'data-field="share">50%</td>' in html  # v2: one of two
    assert "住房保障" in html


def test_admin_role_without_superuser_sees_the_page_and_the_nav_link(client: Client, world):
    from tests.factories import make_user

    admin = make_user("admin", is_staff=True)
    response = get(client, admin, reverse("frontend:home"))
    assert PAGE in response.content.decode()
    assert get(client, admin, PAGE).status_code == 200
    # Nobody else gets the link.
    assert PAGE not in get(client, world.dispatcher, reverse("frontend:home")).content.decode()


# --- the API -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["dispatcher", "liaison", "citizen", "leader"])
def test_api_is_forbidden_to_everyone_but_admins(client: Client, world: World, scenario, who):
    response = get(client, getattr(world, who), API)

    assert response.status_code == 403
    assert "overall" not in response.json()


def test_api_refuses_visitors(client: Client, world: World):
    response = get(client, None, API)

    assert response.status_code in (401, 403)
    assert "overall" not in response.json()


def test_api_gives_the_figures_to_an_admin(client: Client, world: World, scenario):
    data = get(client, world.admin, API).json()

    assert data["overall"]["total"] == 3
    assert data["overall"]["moved"] == 2
    assert data["overall"]["moved_share"] == pytest.approx(2 / 3)
    by_model = {row["key"]: row for row in data["by_model"]}
    assert (by_model["v2"]["total"], by_model["v2"]["moved"]) == (2, 1)
    by_category = {row["key"]: row for row in data["by_category"]}
    assert by_category[str(world.housing.pk)]["returned"] == 1


def test_api_days_narrows_the_period(client: Client, world: World, scenario):
    Case.objects.filter(pk=scenario["returned"].pk).update(
        created_at=timezone.now() - dt.timedelta(days=40)
    )

    data = get(client, world.admin, API, days=30).json()

    assert data["overall"]["total"] == 2
    assert data["since"] is not None
    assert get(client, world.admin, API, days=0).status_code == 400
