"""Routing: which category, which place, which department (the dispatch catalogue).

The category comes from the classifier (see `interaction.classification`); the place from the
district and street the citizen chose, or names of the demo city's gazetteer found in the text;
the department from the most specific dispatch rule: street, then district, then city-wide.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.organisation.models import Category, Department, DispatchRule, Jurisdiction
from backend.refcache import cached

from .models import Case


@dataclass
class RoutingDecision:
    """What routing decided for a new message. `category` is the classifier's (kept as the
    case's prediction); `chosen` is the category the writer chose themselves (an Open311 client's
    service_code), which routes the case by the catalogue instead of the classifier."""

    category: Category | None = None
    chosen: Category | None = None
    confidence: float = 0.0
    department: Department | None = None
    jurisdiction: Jurisdiction | None = None
    model_version: str = ""
    suggestions: list[dict[str, object]] = field(default_factory=list)
    auto: bool = False
    note: str = ""

    @property
    def route_category(self) -> Category | None:
        """The category the case is dispatched under: the writer's choice, else the classifier's."""
        return self.chosen or self.category


@dataclass
class Catalogue:
    """Jurisdictions, categories and dispatch rules in memory (one load, cached briefly)."""

    jurisdictions: dict[int, Jurisdiction]
    names: list[tuple[str, int]]  # every name and alias, longest first so 金水区 beats 金水
    categories: dict[int, Category]
    rules: dict[int, dict[int | None, Department]]  # category id → {jurisdiction id: department}

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories.values() if c.code == code), None)

    def chain(self, jurisdiction_id: int) -> list[int]:
        """The jurisdiction and its ancestors, most specific first."""
        ids: list[int] = []
        current: int | None = jurisdiction_id
        while current is not None and current in self.jurisdictions and current not in ids:
            ids.append(current)
            current = self.jurisdictions[current].parent_id
        return ids


def _load_catalogue() -> Catalogue:
    jurisdictions = {j.pk: j for j in Jurisdiction.objects.all()}
    names: list[tuple[str, int]] = []
    for j in jurisdictions.values():
        names.append((j.name, j.pk))
        names.extend((a.strip(), j.pk) for a in j.aliases.split(",") if a.strip())
    names.sort(key=lambda pair: len(pair[0]), reverse=True)
    categories = {c.pk: c for c in Category.objects.all()}
    for c in categories.values():  # str(category) names its parent: no query per category
        if c.parent_id in categories:
            c.parent = categories[c.parent_id]
    rules: dict[int, dict[int | None, Department]] = {}
    for rule in DispatchRule.objects.select_related("department"):
        rules.setdefault(rule.category_id, {})[rule.jurisdiction_id] = rule.department
    return Catalogue(jurisdictions, names, categories, rules)


def catalogue() -> Catalogue:
    return cached("routing_catalogue", _load_catalogue)


_LEVEL_RANK: dict[str, int] = {
    Jurisdiction.Level.STREET: 0,
    Jurisdiction.Level.DISTRICT: 1,
    Jurisdiction.Level.CITY: 2,
}


def place_of(case: Case, data: Catalogue | None = None) -> Jurisdiction | None:
    """The most specific jurisdiction the message concerns: the street the citizen chose, a
    street of their district named in the text, their district, or any place named in the text."""
    data = data or catalogue()
    if case.street_id and case.street_id in data.jurisdictions:
        return data.jurisdictions[case.street_id]
    text = f"{case.address} {case.subject} {case.body}"
    found = [data.jurisdictions[jid] for name, jid in data.names if len(name) >= 2 and name in text]
    if case.district_id:
        inside = [
            j
            for j in found
            if j.level == Jurisdiction.Level.STREET and j.parent_id == case.district_id
        ]
        return inside[0] if inside else data.jurisdictions.get(case.district_id)
    if not found:
        return None
    found.sort(key=lambda j: _LEVEL_RANK.get(j.level, 3))
    return found[0]


def department_for(
    category: Category, place: Jurisdiction | None, data: Catalogue | None = None
) -> Department | None:
    """The responsible department from the catalogue: the most specific rule that applies
    (street, then district, then city-wide; the sub-category's rules before its parent's)."""
    data = data or catalogue()
    rules: dict[int | None, Department] = {}
    for category_id in (category.parent_id, category.pk):
        if category_id is not None:
            rules.update(data.rules.get(category_id, {}))
    for jurisdiction_id in data.chain(place.pk) if place is not None else []:
        if jurisdiction_id in rules:
            return rules[jurisdiction_id]
    return rules.get(None)
