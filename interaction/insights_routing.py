"""Routing accuracy (a selector): how often the classifier's automatic dispatch had to be undone.

A case the platform dispatched automatically (`Case.auto_dispatched`) counts as *moved* when,
afterwards, a department returned it (退回: an audit row `return`), or a dispatcher moved it to
another department (`accept_return`, which always names another department) or corrected its
category (`recategorised`). Each case counts once, whatever happened to it how often. As the
issue defines it, a return counts even when the dispatcher later rejected it: the figure measures
the friction automatic routing caused, and `returned` is reported apart so it can be read either
way. The figures come from the audit trail, grouped by the category the classifier predicted and
by the model version that predicted it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from backend.organisation.models import Category

from .models import Case, CaseEvent
from .states import Action

__all__ = ["MOVED_ACTIONS", "AccuracyRow", "RoutingAccuracy", "routing_accuracy"]

RETURN_ACTIONS = (Action.RETURN.value,)
REDIRECT_ACTIONS = (Action.ACCEPT_RETURN.value, "recategorised")
MOVED_ACTIONS = RETURN_ACTIONS + REDIRECT_ACTIONS


@dataclass(frozen=True)
class AccuracyRow:
    """Counts for one group (a category, a model version, or everything)."""

    key: str
    label: str
    total: int
    moved: int
    returned: int
    redirected: int

    @property
    def moved_share(self) -> float | None:
        """Share of the group's auto-dispatched cases that were moved (None: no case)."""
        return self.moved / self.total if self.total else None

    @property
    def accuracy(self) -> float | None:
        """Share that stayed where the machine sent them."""
        share = self.moved_share
        return None if share is None else 1 - share


@dataclass(frozen=True)
class RoutingAccuracy:
    since: dt.datetime | None
    overall: AccuracyRow
    by_category: list[AccuracyRow] = field(default_factory=list)
    by_model: list[AccuracyRow] = field(default_factory=list)


def _event(actions: tuple[str, ...]) -> Exists:
    return Exists(CaseEvent.objects.filter(case=OuterRef("pk"), action__in=actions))


def _auto_dispatched(since: dt.datetime | None) -> QuerySet[Case]:
    cases = Case.objects.filter(auto_dispatched=True)
    if since is not None:
        cases = cases.filter(created_at__gte=since)
    return cases.annotate(
        was_moved=_event(MOVED_ACTIONS),
        was_returned=_event(RETURN_ACTIONS),
        was_redirected=_event(REDIRECT_ACTIONS),
    )


_COUNTS = {
    "total": Count("pk"),
    "moved": Count("pk", filter=Q(was_moved=True)),
    "returned": Count("pk", filter=Q(was_returned=True)),
    "redirected": Count("pk", filter=Q(was_redirected=True)),
}


def _row(key: str, label: str, counts: Mapping[str, Any]) -> AccuracyRow:
    return AccuracyRow(
        key=key,
        label=label,
        total=counts["total"],
        moved=counts["moved"],
        returned=counts["returned"],
        redirected=counts["redirected"],
    )


def _sorted(rows: list[AccuracyRow]) -> list[AccuracyRow]:
    # The groups that need attention first: the highest moved share, then the largest.
    return sorted(rows, key=lambda r: (-(r.moved_share or 0.0), -r.total, r.label))


def routing_accuracy(since: dt.datetime | None = None) -> RoutingAccuracy:
    """Moved/returned counts of auto-dispatched cases created since `since` (all if None):
    overall, by predicted category and by model version. Three aggregate queries and one for
    the category names."""
    cases = _auto_dispatched(since)
    overall = _row("all", "", cases.aggregate(**_COUNTS))
    per_category = list(cases.values("predicted_category_id").annotate(**_COUNTS))
    ids = [r["predicted_category_id"] for r in per_category if r["predicted_category_id"]]
    categories = {c.pk: c for c in Category.objects.filter(pk__in=ids).select_related("parent")}
    by_category = [
        _row(
            str(r["predicted_category_id"] or ""),
            str(categories.get(r["predicted_category_id"], "")) or "—",
            r,
        )
        for r in per_category
    ]
    by_model = [
        _row(r["model_version"], r["model_version"] or "—", r)
        for r in cases.values("model_version").annotate(**_COUNTS)
    ]
    return RoutingAccuracy(
        since=since, overall=overall, by_category=_sorted(by_category), by_model=_sorted(by_model)
    )
