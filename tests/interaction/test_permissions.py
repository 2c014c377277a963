"""Who may see what: the case lists, a single case, and the citizen's identity (保密)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser

from backend.accounts.models import User
from interaction.models import Case
from interaction.permissions import can_view, sees_identity, sees_private_details, visible_cases
from interaction.services import dispatch
from interaction.states import Status
from tests.factories import World, make_user, submit

from .scenarios import do_dispatch, reach, walk


@dataclass
class Cases:
    secret: Case  # world.citizen's, keep_identity_secret, city roads lead, housing assists
    plain: Case  # world.citizen's, city roads lead, no secrecy
    published: Case  # other_citizen's, replied and published, city roads
    unpublishable: Case  # other_citizen's, replied but the citizen refused publication
    queued: Case  # other_citizen's, not dispatched yet


@pytest.fixture
def cases(world: World) -> Cases:
    secret = submit(world.citizen, keep_identity_secret=True, subject="举报违建")
    dispatch.case_dispatch(
        case_id=secret.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
        assisting_ids=[world.housing_dept.pk],
    )
    plain = walk(world, submit(world.citizen), [do_dispatch])
    published = reach(world, Status.REPLIED, citizen=world.other_citizen)
    unpublishable = reach(world, Status.REPLIED, citizen=world.other_citizen, allow_publish=False)
    queued = submit(world.other_citizen)
    assert published.is_published
    assert not unpublishable.is_published
    return Cases(Case.objects.get(pk=secret.pk), plain, published, unpublishable, queued)


def viewers(world: World) -> dict[str, User | None]:
    inactive = make_user("dispatcher", name="retired", is_active=False)
    return {
        "public": None,
        "owner": world.citizen,
        "other_citizen": world.other_citizen,
        "dispatcher": world.dispatcher,
        "liaison": world.liaison,
        "head": world.head,
        "assisting_liaison": world.housing_liaison,
        "other_department": world.east_liaison,
        "other_head": world.east_head,
        "supervisor": world.supervisor,
        "leader": world.leader,
        "admin": world.admin,
        "inactive_dispatcher": inactive,
    }


# name → (secret, plain, published, unpublishable, queued)
CAN_VIEW = {
    "public": (False, False, True, False, False),
    "owner": (True, True, True, False, False),
    "other_citizen": (False, False, True, True, True),
    "dispatcher": (True, True, True, True, True),
    "liaison": (True, True, True, True, False),
    "head": (True, True, True, True, False),
    "assisting_liaison": (True, False, True, False, False),
    "other_department": (False, False, True, False, False),
    "other_head": (False, False, True, False, False),
    "supervisor": (True, True, True, True, True),
    "leader": (True, True, True, True, True),
    "admin": (True, True, True, True, True),
    "inactive_dispatcher": (False, False, True, False, False),
}

# Who sees who wrote: departments never for a 保密 case, the public never at all.
SEES_IDENTITY = {
    "public": (False, False, False, False, False),
    "owner": (True, True, False, False, False),
    "other_citizen": (False, False, True, True, True),
    "dispatcher": (True, True, True, True, True),
    "liaison": (False, True, True, True, False),
    "head": (False, True, True, True, False),
    "assisting_liaison": (False, False, False, False, False),
    "other_department": (False, False, False, False, False),
    "other_head": (False, False, False, False, False),
    "supervisor": (True, True, True, True, True),
    "leader": (True, True, True, True, True),
    "admin": (True, True, True, True, True),
    "inactive_dispatcher": (False, False, False, False, False),
}


def _row(c: Cases) -> tuple[Case, ...]:
    return (c.secret, c.plain, c.published, c.unpublishable, c.queued)


@pytest.mark.parametrize("who", list(CAN_VIEW))
def test_visible_cases_and_can_view(world: World, cases: Cases, who: str) -> None:
    user = viewers(world)[who]
    expected = CAN_VIEW[who]
    listed = set(visible_cases(user).values_list("pk", flat=True))
    for case, visible in zip(_row(cases), expected, strict=True):
        assert can_view(user, case) is visible, (who, case.subject)
        assert (case.pk in listed) is visible, (who, case.subject)


@pytest.mark.parametrize("who", list(SEES_IDENTITY))
def test_sees_identity(world: World, cases: Cases, who: str) -> None:
    user = viewers(world)[who]
    for case, sees in zip(_row(cases), SEES_IDENTITY[who], strict=True):
        assert sees_identity(user, case) is sees, (who, case.subject)


def test_matrices_are_for_the_expected_viewers(world: World) -> None:
    assert set(CAN_VIEW) == set(SEES_IDENTITY) == set(viewers(world))


def test_public_sees_only_published_cases(world: World, cases: Cases) -> None:
    for anonymous in (None, AnonymousUser()):
        assert list(visible_cases(anonymous)) == [cases.published]
        assert not sees_private_details(anonymous, cases.published)


def test_private_link_opens_the_case_and_the_identity(world: World, cases: Cases) -> None:
    anonymous_case = submit(None, keep_identity_secret=True)
    assert not can_view(None, anonymous_case)
    assert can_view(None, anonymous_case, token=anonymous_case.access_token)
    assert sees_identity(None, anonymous_case, token=anonymous_case.access_token)
    assert not can_view(None, anonymous_case, token=cases.secret.access_token)
    assert not can_view(None, anonymous_case, token="")
    # The link is not a key to anything else.
    assert not can_view(world.other_citizen, cases.secret, token=anonymous_case.access_token)


def test_department_loses_sight_of_a_case_re_dispatched_elsewhere(world: World) -> None:
    case = reach(world, Status.RETURNED)
    assert can_view(world.liaison, case)
    dispatch.case_accept_return(
        case_id=case.pk, actor=world.dispatcher, department_id=world.housing_dept.pk
    )
    case.refresh_from_db()
    assert not can_view(world.liaison, case)
    assert not sees_private_details(world.liaison, case)
    assert can_view(world.housing_liaison, case)
    assert sees_identity(world.housing_liaison, case)


def test_a_department_member_of_two_departments_sees_both(world: World, cases: Cases) -> None:
    from backend.organisation.models import Membership

    Membership.objects.create(user=world.east_liaison, department=world.housing_dept)
    assert can_view(world.east_liaison, cases.secret)  # as assisting housing department
    assert not sees_identity(world.east_liaison, cases.secret)
    assert not can_view(world.east_liaison, cases.plain)
