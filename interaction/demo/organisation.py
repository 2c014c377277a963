"""Load the demo city's organisation: jurisdictions, departments, categories, the dispatch
catalogue, demo users and their memberships. Idempotent: everything is keyed by its code (or user
name) and only created or brought in line with `city.json`; passwords are set only on creation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from backend.accounts.models import Role, User
from backend.organisation.models import (
    Category,
    Department,
    DispatchRule,
    Jurisdiction,
    Membership,
)
from interaction.models import PlatformSettings

from .content import city_data, streets

# One password for every demo account (printed by `manage.py demo_accounts`).
DEMO_PASSWORD = "demo12345"  # noqa: S105 - public demo password, by design


@dataclass
class OrganisationReport:
    created: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        self.created[kind] = self.created.get(kind, 0) + int(created)


def _upsert(
    model: Any, report: OrganisationReport, kind: str, lookup: dict[str, Any], **values: Any
) -> Any:
    """Create the row, or update only the fields that differ (a second run writes nothing)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        report.count(kind, True)
        return model.objects.create(**lookup, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
    report.count(kind, False)
    return obj


def department_staff_phone(index: int, position: str) -> str:
    """Stable, unique phone numbers for department staff (139100 + department + position)."""
    return f"139100{index:02d}{1 if position == Membership.Position.LIAISON else 2:03d}"


def staff_specs() -> list[dict[str, Any]]:
    """Every demo user of `city.json`: the named users and each department's liaison and head."""
    data = city_data()
    specs: list[dict[str, Any]] = [dict(user) for user in data["users"]]
    for index, dept in enumerate(data["departments"]):
        for position in (Membership.Position.LIAISON, Membership.Position.HEAD):
            person = dept[position]
            specs.append(
                {
                    "username": person["username"],
                    "name": person["name"],
                    "role": Role.LIAISON if position == Membership.Position.LIAISON else Role.HEAD,
                    "phone": department_staff_phone(index, position),
                    "department": dept["code"],
                    "position": position,
                }
            )
    return specs


@transaction.atomic
def ensure_organisation() -> OrganisationReport:
    """Bring the organisation data in line with `city.json` (create what is missing)."""
    data = city_data()
    report = OrganisationReport()
    places: dict[str, Jurisdiction] = {}
    city = data["city"]
    places[city["code"]] = _upsert(
        Jurisdiction,
        report,
        "jurisdictions",
        {"code": city["code"]},
        name=city["name"],
        level=Jurisdiction.Level.CITY,
        parent=None,
        aliases=",".join(city.get("aliases", [])),
    )
    for district in data["districts"]:
        places[district["code"]] = _upsert(
            Jurisdiction,
            report,
            "jurisdictions",
            {"code": district["code"]},
            name=district["name"],
            level=Jurisdiction.Level.DISTRICT,
            parent=places[city["code"]],
            aliases=",".join(district.get("aliases", [])),
        )
    for street in streets():
        places[street.code] = _upsert(
            Jurisdiction,
            report,
            "jurisdictions",
            {"code": street.code},
            name=street.name,
            level=Jurisdiction.Level.STREET,
            parent=places[street.district_code],
            aliases=",".join(street.aliases),
        )

    departments: dict[str, Department] = {}
    for dept in data["departments"]:
        departments[dept["code"]] = _upsert(
            Department,
            report,
            "departments",
            {"code": dept["code"]},
            name=dept["name"],
            jurisdiction=places[dept["jurisdiction"]],
            phone=dept["phone"],
            is_active=True,
        )

    categories: dict[str, Category] = {}
    for top in data["categories"]:
        categories[top["code"]] = _upsert(
            Category,
            report,
            "categories",
            {"code": top["code"]},
            name=top["name"],
            parent=None,
            is_active=True,
        )
        for child in top["children"]:
            categories[child["code"]] = _upsert(
                Category,
                report,
                "categories",
                {"code": child["code"]},
                name=child["name"],
                parent=categories[top["code"]],
                is_active=True,
            )

    kept: list[int] = []
    for rule in data["dispatch"]["rules"]:
        category = categories[rule["category"]]
        targets: list[tuple[Jurisdiction | None, str]] = [(None, rule["department"])]
        targets += [(places[d], code) for d, code in rule.get("districts", {}).items()]
        for place, dept_code in targets:
            row = _upsert(
                DispatchRule,
                report,
                "dispatch_rules",
                {"category": category, "jurisdiction": place},
                department=departments[dept_code],
            )
            kept.append(row.pk)
    # Lines of the demo categories no longer in city.json leave the catalogue.
    DispatchRule.objects.filter(category__in=categories.values()).exclude(pk__in=kept).delete()

    password = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
    for spec in staff_specs():
        role = spec["role"]
        superuser = bool(spec.get("superuser"))
        values = {
            "display_name": spec["name"],
            "role": role,
            "phone": spec["phone"],
            "is_active": True,
            "is_staff": superuser,
            "is_superuser": superuser,
        }
        user = User.objects.filter(username=spec["username"]).first()
        if user is None:
            user = User.objects.create(username=spec["username"], password=password, **values)
            report.count("users", True)
        else:
            _upsert(User, report, "users", {"pk": user.pk}, **values)
        if "department" in spec:
            _upsert(
                Membership,
                report,
                "memberships",
                {"user": user, "department": departments[spec["department"]]},
                position=spec["position"],
            )
    PlatformSettings.load()
    return report


def demo_account_rows() -> list[dict[str, str]]:
    """The demo accounts as they are in the database: user name, name, role, department."""
    specs = {spec["username"]: spec for spec in staff_specs()}
    users = {u.username: u for u in User.objects.filter(username__in=list(specs))}
    departments = {d.code: d.name for d in Department.objects.all()}
    rows = []
    for username, spec in specs.items():
        user = users.get(username)
        if user is None:
            continue
        rows.append(
            {
                "username": username,
                "name": user.display_name,
                "role": user.role,
                "role_label": str(user.get_role_display()),
                "department": departments.get(spec.get("department", ""), ""),
            }
        )
    return rows
