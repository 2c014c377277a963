"""Inequality of responsiveness across departments and districts: Gini coefficient, Lorenz curve.

Following the studies of Chengdu's mayor's mailbox, responsiveness is measured per unit
(department or district) by its **reply rate** (回复率: cases replied / cases received) by
default, or by its **average working days to reply** (`measure="avg_working_days"`). Only units
with enough cases to be ranked (`ranking.min_cases()`) take part: a unit with one case would
swing the figure. A Gini of 0 means every unit is equally responsive; with n units, the most
unequal possible (one unit has everything) gives (n - 1) / n.

    G = Σ_i Σ_j |x_i - x_j| / (2 n² x̄)

The Lorenz curve puts the units in increasing order of the measure: point k is (k / n, share of
the total held by the k lowest units).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .performance import DepartmentFigures
from .ranking import min_cases

MEASURES = ("reply_rate", "avg_working_days")


def gini(values: Sequence[float]) -> float:
    """The Gini coefficient of non-negative `values` (0 for an empty or all-zero list)."""
    xs = sorted(float(v) for v in values)
    n = len(xs)
    total = sum(xs)
    if n == 0 or total == 0:
        return 0.0
    if xs[0] < 0:
        raise ValueError("The Gini coefficient needs non-negative values.")
    # Sorted form of the mean absolute difference: Σ (2i - n - 1) x_i / (n Σ x).
    weighted = sum((2 * i - n - 1) * x for i, x in enumerate(xs, start=1))
    return weighted / (n * total)


def lorenz(values: Sequence[float]) -> list[tuple[float, float]]:
    """The Lorenz curve's points from (0, 0) to (1, 1)."""
    xs = sorted(float(v) for v in values)
    n = len(xs)
    total = sum(xs)
    points = [(0.0, 0.0)]
    if n == 0:
        return [(0.0, 0.0), (1.0, 1.0)]
    running = 0.0
    for i, x in enumerate(xs, start=1):
        running += x
        points.append((i / n, running / total if total else i / n))
    return points


@dataclass
class Inequality:
    measure: str
    units: list[tuple[str, float]]
    left_out: list[str]
    gini: float
    lorenz: list[tuple[float, float]]


def responsiveness_inequality(
    rows: Iterable[DepartmentFigures], *, measure: str = "reply_rate", minimum: int | None = None
) -> Inequality:
    """Gini and Lorenz curve of `measure` over the units of `rows` with enough cases."""
    if measure not in MEASURES:
        raise ValueError(f"Unknown measure {measure!r}")
    minimum = min_cases() if minimum is None else minimum
    units: list[tuple[str, float]] = []
    left_out: list[str] = []
    for row in rows:
        value = getattr(row, measure)
        if row.received < minimum or value is None:
            left_out.append(row.name)
        else:
            units.append((row.name, float(value)))
    values = [v for _name, v in units]
    return Inequality(measure, units, left_out, gini(values), lorenz(values))
