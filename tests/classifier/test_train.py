from __future__ import annotations

import numpy as np
import pytest

from classifier.train import (
    NEVER_DISPATCH,
    TrainedModel,
    evaluate,
    select_threshold,
    wilson_lower_bound,
)

EVALUATE_KEYS = {
    "macro_f1",
    "accuracy",
    "per_class",
    "confusion_matrix",
    "train_seconds",
    "predict_per_second",
    "auto_dispatch_threshold",
    "auto_dispatch_coverage",
    "auto_dispatch_precision",
}


def test_select_threshold_picks_lowest_threshold_meeting_target() -> None:
    # Sorted by confidence: 10 right answers from 0.99 down to 0.90, then one error at 0.85,
    # then right answers again. Precision over the top 11 is 10/11 = 0.909 < 0.95; over the top
    # 10 it is 1.0; so the lowest threshold reaching 0.95 is 0.90 ... unless lower cuts recover.
    confidences = [0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.91, 0.90, 0.85, 0.80, 0.70]
    correct = [True] * 10 + [False] + [True, False]
    # top 12: 11/12 = 0.917; top 13: 11/13 = 0.846 -> 0.90 is the answer at 0.95.
    assert select_threshold(confidences, correct, 0.95) == pytest.approx(0.90)
    # At 0.9 the top 12 (11/12 = 0.917) qualifies, so the threshold drops to 0.80.
    assert select_threshold(confidences, correct, 0.9) == pytest.approx(0.80)


def test_select_threshold_keeps_ties_together() -> None:
    # Two predictions share 0.9: one right, one wrong. A cut inside the tie is impossible.
    assert select_threshold([0.95, 0.9, 0.9], [True, True, False], 0.9) == pytest.approx(0.95)


def test_select_threshold_without_reachable_target_never_dispatches() -> None:
    assert select_threshold([0.9, 0.8], [False, False], 0.97) == NEVER_DISPATCH
    assert select_threshold([], [], 0.97) == NEVER_DISPATCH


def test_trained_threshold_meets_target_on_training_predictions(trained: TrainedModel) -> None:
    scores = trained.cv_scores
    assert trained.target_precision == 0.97
    if trained.threshold != NEVER_DISPATCH:
        assert scores["auto_dispatch_precision"] >= 0.97
    assert 0.0 <= scores["auto_dispatch_coverage"] <= 1.0
    assert scores["macro_f1"] > 0.8


def test_calibrated_probabilities_sum_to_one(
    trained: TrainedModel, corpus: tuple[list[str], list[str]]
) -> None:
    proba = trained.predict_proba(corpus[0][:5])
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_evaluate_returns_all_keys(corpus: tuple[list[str], list[str]]) -> None:
    texts, labels = corpus
    train_idx = [i for i in range(len(texts)) if i % 4]
    test_idx = [i for i in range(len(texts)) if not i % 4]
    result = evaluate(
        [texts[i] for i in train_idx],
        [labels[i] for i in train_idx],
        [texts[i] for i in test_idx],
        [labels[i] for i in test_idx],
    )
    assert set(result) >= EVALUATE_KEYS
    assert set(result["per_class"]) == set(labels)
    assert set(result["per_class"]["环境保护"]) == {"precision", "recall", "f1", "support"}
    matrix = result["confusion_matrix"]["matrix"]
    assert result["confusion_matrix"]["labels"] == sorted(set(labels))
    assert sum(map(sum, matrix)) == len(test_idx)
    assert result["macro_f1"] > 0.8


def test_report_renders_evaluation(corpus: tuple[list[str], list[str]]) -> None:
    from classifier.report import format_report

    texts, labels = corpus
    result = evaluate(texts[::2], labels[::2], texts[1::2], labels[1::2])
    text = format_report(result)
    assert "macro-F1" in text
    assert "环境保护" in text
    assert "confusion matrix" in text


def test_select_threshold_with_wilson_margin_needs_enough_evidence() -> None:
    # 30 right answers: precision 1.0, but the Wilson lower bound (z=1.645) is 30/32.7 < 0.97.
    few = np.linspace(0.99, 0.9, 30)
    assert select_threshold(few, [True] * 30, 0.97) == pytest.approx(0.9)
    assert select_threshold(few, [True] * 30, 0.97, z=1.645) == NEVER_DISPATCH
    # 300 right answers: the bound (300/302.7 = 0.991) clears the target.
    many = np.linspace(0.99, 0.5, 300)
    assert select_threshold(many, [True] * 300, 0.97, z=1.645) == pytest.approx(0.5)


def test_wilson_margin_raises_the_threshold() -> None:
    rng = np.random.default_rng(0)
    confidences = np.sort(rng.uniform(0.5, 1.0, 2_000))[::-1]
    correct = rng.uniform(size=2_000) < confidences  # errors more likely at low confidence
    plain = select_threshold(confidences, correct, 0.9)
    margin = select_threshold(confidences, correct, 0.9, z=1.645)
    assert margin > plain
    dispatched = confidences >= margin
    assert wilson_lower_bound(correct[dispatched].sum(), dispatched.sum(), 1.645) >= 0.9
