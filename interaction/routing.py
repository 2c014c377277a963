"""Routing: which category, which place, which department (the dispatch catalogue).

The category comes from the classifier (see `interaction.classification`); the place from the
district and street the citizen chose, or names of the demo city's gazetteer found in the text;
the department from the most specific dispatch rule: street, then district, then city-wide.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.organisation.models import Category, Department, DispatchRule, Jurisdiction

from .models import Case


@dataclass
class RoutingDecision:
    category: Category | None = None
    confidence: float = 0.0
    department: Department | None = None
    jurisdiction: Jurisdiction | None = None
    model_version: str = ""
    suggestions: list[dict[str, object]] = field(default_factory=list)
    auto: bool = False
    note: str = ""


def gazetteer() -> list[tuple[str, Jurisdiction]]:
    """Every name (and alias) of every jurisdiction, longest first so 金水区 beats 金水."""
    names: list[tuple[str, Jurisdiction]] = []
    for j in Jurisdiction.objects.select_related("parent").all():
        names.append((j.name, j))
        names.extend((alias.strip(), j) for alias in j.aliases.split(",") if alias.strip())
    names.sort(key=lambda pair: len(pair[0]), reverse=True)
    return names


_LEVEL_RANK: dict[str, int] = {
    Jurisdiction.Level.STREET: 0,
    Jurisdiction.Level.DISTRICT: 1,
    Jurisdiction.Level.CITY: 2,
}


def place_of(
    case: Case, names: list[tuple[str, Jurisdiction]] | None = None
) -> Jurisdiction | None:
    """The most specific jurisdiction the message concerns."""
    if case.street_id:
        return case.street
    text = f"{case.address} {case.subject} {case.body}"
    found = [
        j
        for name, j in (names if names is not None else gazetteer())
        if len(name) >= 2 and name in text
    ]
    if case.district_id:
        inside = [
            j
            for j in found
            if j.level == Jurisdiction.Level.STREET and j.parent_id == case.district_id
        ]
        return inside[0] if inside else case.district
    if not found:
        return None
    found.sort(key=lambda j: _LEVEL_RANK.get(j.level, 3))
    return found[0]


def department_for(category: Category, place: Jurisdiction | None) -> Department | None:
    """The responsible department from the catalogue: the most specific rule that applies."""
    rules: dict[int | None, Department] = {}
    # Rules of the parent category first, so the sub-category's own rules overwrite them.
    for cat in (category.parent, category):
        if cat is None:
            continue
        for rule in DispatchRule.objects.select_related("department").filter(category=cat):
            rules[rule.jurisdiction_id] = rule.department
    chain = place.ancestors_and_self() if place is not None else []
    for jurisdiction in chain:
        if jurisdiction.pk in rules:
            return rules[jurisdiction.pk]
    return rules.get(None)
