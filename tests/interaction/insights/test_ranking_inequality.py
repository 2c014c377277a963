"""Rankings with a minimum number of cases; Gini coefficient and Lorenz curve of known inputs."""

from __future__ import annotations

import pytest

from interaction.insights import inequality, ranking
from interaction.insights.performance import DepartmentFigures


def unit(name: str, received: int, replied: int, **counts: int) -> DepartmentFigures:
    return DepartmentFigures(key=None, name=name, received=received, replied=replied, **counts)


def test_ranking_excludes_a_department_below_the_minimum_and_says_why(settings):
    settings.LANGUAGE_CODE = "en"
    settings.WENZHENG_RANKING_MIN_CASES = 5
    rows = [unit("A", 10, 9), unit("B", 4, 4), unit("C", 8, 8), unit("D", 6, 6)]
    result = ranking.rank(rows, by="reply_rate")
    assert [(r.rank, r.figures.name) for r in result.ranked] == [(1, "C"), (1, "D"), (3, "A")]
    assert [(n.figures.name, n.reason) for n in result.not_ranked] == [
        ("B", "4 cases received in the period; at least 5 are needed to be ranked.")
    ]
    assert result.minimum == 5


def test_ranking_lower_is_better_for_working_days():
    rows = [
        unit("slow", 5, 5, working_days_total=20, working_days_cases=5),
        unit("fast", 5, 5, working_days_total=5, working_days_cases=5),
    ]
    result = ranking.rank(rows, by="avg_working_days", minimum=1)
    assert [r.figures.name for r in result.ranked] == ["fast", "slow"]


def test_department_without_the_figure_is_not_ranked(settings):
    settings.LANGUAGE_CODE = "en"
    rows = [unit("A", 5, 5, evaluations=2, satisfied=1), unit("B", 5, 5)]
    result = ranking.rank(rows, by="satisfaction_rate", minimum=1)
    assert [r.figures.name for r in result.ranked] == ["A"]
    assert result.not_ranked[0].reason == "No case to compute this figure from."


def test_score_reweights_the_rates_it_can_compute():
    # Only the reply rate (weight 0.2) is known: the score is that rate.
    assert ranking.score(unit("A", 4, 3)) == 75.0
    # reply 1.0 (weight 0.2), satisfaction 0.5 (0.25), solved 0.0 (0.2): 32.5 / 0.65
    both = unit("B", 4, 4, evaluations=2, satisfied=1)
    assert ranking.score(both) == 50.0
    assert ranking.score(unit("C", 0, 0)) is None


def test_gini_of_equal_values_is_zero():
    assert inequality.gini([0.8, 0.8, 0.8, 0.8]) == 0.0


@pytest.mark.parametrize("n", [2, 3, 5, 10])
def test_gini_when_one_unit_has_everything(n: int):
    assert inequality.gini([0.0] * (n - 1) + [1.0]) == pytest.approx((n - 1) / n)


def test_gini_of_a_known_distribution():
    # |1-2|+|1-3|+|2-3| = 4, doubled 8; 2 n² mean = 2 * 9 * 2 = 36
    assert inequality.gini([3, 1, 2]) == pytest.approx(8 / 36)
    assert inequality.gini([]) == 0.0


def test_lorenz_points():
    assert inequality.lorenz([1, 3]) == [(0.0, 0.0), (0.5, 0.25), (1.0, 1.0)]
    assert inequality.lorenz([0, 0]) == [(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)]


def test_inequality_leaves_out_units_with_too_few_cases():
    rows = [unit("A", 10, 10), unit("B", 10, 0), unit("tiny", 1, 0)]
    result = inequality.responsiveness_inequality(rows, measure="reply_rate", minimum=5)
    assert result.units == [("A", 1.0), ("B", 0.0)]
    assert result.left_out == ["tiny"]
    assert result.gini == pytest.approx(0.5)
