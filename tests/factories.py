"""Factories and named personas for readable scenarios.

`World` is a small city: two districts with a street each, a city-level roads department and a
district-level one, a housing department, and one person per role.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from backend.accounts.models import Role, User
from backend.organisation.models import (
    Category,
    Department,
    DispatchRule,
    Jurisdiction,
    Membership,
)
from interaction.intake import Submission
from interaction.models import Case, Kind
from interaction.services.intake import case_submit

_seq = itertools.count(1)


def make_user(
    role: str,
    *,
    name: str | None = None,
    department: Department | None = None,
    position: str | None = None,
    **extra: Any,
) -> User:
    n = next(_seq)
    user = User.objects.create_user(
        username=name or f"{role}{n}",
        password="pass-Word-123",
        role=role,
        display_name=name or f"{role} {n}",
        email=f"{name or role}{n}@example.org",
        phone=extra.pop("phone", f"147{n:08d}"),
        **extra,
    )
    if department is not None:
        Membership.objects.create(
            user=user,
            department=department,
            position=position
            or (Membership.Position.HEAD if role == Role.HEAD else Membership.Position.LIAISON),
        )
    return user


@dataclass
class World:
    city: Jurisdiction
    east: Jurisdiction
    west: Jurisdiction
    east_street: Jurisdiction
    roads: Category
    road_repair: Category
    housing: Category
    city_roads: Department
    east_roads: Department
    housing_dept: Department
    citizen: User
    other_citizen: User
    dispatcher: User
    liaison: User
    head: User
    east_liaison: User
    east_head: User
    housing_liaison: User
    supervisor: User
    leader: User
    admin: User


def make_world() -> World:
    city = Jurisdiction.objects.create(name="中原市", code="city", level="city")
    east = Jurisdiction.objects.create(name="东城区", code="east", level="district", parent=city)
    west = Jurisdiction.objects.create(name="西城区", code="west", level="district", parent=city)
    east_street = Jurisdiction.objects.create(
        name="花园路街道", code="east-garden", level="street", parent=east, aliases="花园路"
    )
    roads = Category.objects.create(name="城乡建设", code="construction")
    road_repair = Category.objects.create(name="道路维修", code="road-repair", parent=roads)
    housing = Category.objects.create(name="住房保障", code="housing")
    city_roads = Department.objects.create(name="市城管局", code="city-roads", jurisdiction=city)
    east_roads = Department.objects.create(
        name="东城区城管局", code="east-roads", jurisdiction=east
    )
    housing_dept = Department.objects.create(
        name="市住房局", code="housing-dept", jurisdiction=city
    )
    DispatchRule.objects.create(category=road_repair, department=city_roads)
    DispatchRule.objects.create(category=road_repair, jurisdiction=east, department=east_roads)
    DispatchRule.objects.create(category=housing, department=housing_dept)
    return World(
        city=city,
        east=east,
        west=west,
        east_street=east_street,
        roads=roads,
        road_repair=road_repair,
        housing=housing,
        city_roads=city_roads,
        east_roads=east_roads,
        housing_dept=housing_dept,
        citizen=make_user(Role.CITIZEN, name="zhang"),
        other_citizen=make_user(Role.CITIZEN, name="li"),
        dispatcher=make_user(Role.DISPATCHER, name="dispatch"),
        liaison=make_user(Role.LIAISON, name="roads_liaison", department=city_roads),
        head=make_user(Role.HEAD, name="roads_head", department=city_roads),
        east_liaison=make_user(Role.LIAISON, name="east_liaison", department=east_roads),
        east_head=make_user(Role.HEAD, name="east_head", department=east_roads),
        housing_liaison=make_user(Role.LIAISON, name="housing_liaison", department=housing_dept),
        supervisor=make_user(Role.SUPERVISOR, name="supervisor"),
        leader=make_user(Role.LEADER, name="leader"),
        admin=make_user(Role.ADMIN, name="admin", is_staff=True, is_superuser=True),
    )


def submission(**overrides: Any) -> Submission:
    values: dict[str, Any] = {
        "kind": Kind.COMPLAINT,
        "subject": "花园路路面坑洼",
        "body": "花园路与经三路交叉口路面出现大坑，雨天积水，车辆经过很危险，请尽快维修。",
        "contact_phone": "13800138000",
        "contact_name": "张先生",
    }
    values.update(overrides)
    return Submission(**values)


def submit(actor: User | None, **overrides: Any) -> Case:
    return case_submit(actor=actor, submission=submission(**overrides))
