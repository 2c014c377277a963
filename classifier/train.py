"""Training: features, model choice by grouped cross-validation, calibration, auto-dispatch threshold.

Procedure of :func:`train`:
1. Fit the feature extractor on all training texts (vocabulary and IDF are unsupervised; fitting
   them once instead of per fold keeps training within its time budget).
2. For each candidate linear model, grouped K-fold out-of-fold decision scores (exact duplicates of
   subject + body always in the same fold). The candidate with the best out-of-fold macro-F1 wins.
3. A complement naive Bayes model over the word and character blocks gets out-of-fold scores on
   the same folds (it fits in a fraction of a second, and its errors differ from the linear
   model's).
   Calibration: a multinomial logistic regression on the winner's out-of-fold scores and the
   naive Bayes scores (Platt scaling generalised to several classes, and a stacking of the two
   models), so a confidence of 0.9 is right about 9 times in 10.
4. Auto-dispatch threshold: the lowest confidence at which the precision of the out-of-fold
   calibrated predictions of the training data reaches the target (0.97 by default) with a
   margin: its Wilson lower bound (one-sided 95 %) must reach it, so that the precision on new
   messages, not only on the training predictions, reaches the target.
5. The winner and the naive Bayes model are refitted on all training data; their coefficients
   are stored Fortran-ordered.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier.char_ngrams import SparseRows
from classifier.features import FeatureWeights, MessageFeatures

__all__ = [
    "DEFAULT_PRECISION_Z",
    "DEFAULT_TARGET_PRECISION",
    "NEVER_DISPATCH",
    "Candidate",
    "TrainedModel",
    "default_candidates",
    "evaluate",
    "group_keys",
    "select_threshold",
    "train",
    "wilson_lower_bound",
]

DEFAULT_TARGET_PRECISION = 0.97
# z of the Wilson lower bound the auto-dispatch precision must reach (one-sided 95 %).
DEFAULT_PRECISION_Z = 1.645
# Threshold meaning "never dispatch automatically": no calibrated confidence exceeds 1.0.
NEVER_DISPATCH = 1.000001

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Candidate:
    """A named factory of a scikit-learn linear classifier (it must expose coef_ and intercept_)."""

    name: str
    make: Callable[[int], Any]


def _linear_svc(c: float, class_weight: str | None) -> Callable[[int], Any]:
    def make(seed: int) -> Any:
        from sklearn.svm import LinearSVC

        return LinearSVC(C=c, class_weight=class_weight, random_state=seed)

    return make


def default_candidates() -> list[Candidate]:
    """Candidates compared by grouped cross-validation.

    One by default: on the real data C=1 beat C=0.5 (0.928 vs 0.927 macro-F1) and tied C=2 (at
    twice the fitting time), and every candidate costs a grouped K-fold of the training budget.
    """
    return [Candidate("linear_svc_c1_balanced", _linear_svc(1.0, "balanced"))]


# Smoothing of the complement naive Bayes model stacked with the linear model.
NB_ALPHA = 0.3
# Feature blocks the naive Bayes model sees (the subject blocks are left to the linear model).
NB_BLOCKS = ("words", "chars")


@dataclass
class TrainedModel:
    """Everything needed to predict; plain arrays so prediction needs no scikit-learn call."""

    labels: list[str]
    features: MessageFeatures
    coef: npt.NDArray[np.float32]  # (n_classes, n_features), Fortran-ordered
    intercept: FloatArray  # (n_classes,)
    calibration_coef: FloatArray  # (n_classes, n_inputs): stacked scores -> logits
    calibration_intercept: FloatArray  # (n_classes,)
    threshold: float
    target_precision: float
    model_name: str
    cv_scores: dict[str, float] = field(default_factory=dict)
    data_size: int = 0
    data_sha256: str = ""
    seed: int = 0
    trained_at: str = ""
    train_seconds: float = 0.0
    # Complement naive Bayes log-likelihood weights (n_classes, n_features), Fortran-ordered, or
    # None (models saved before stacking): its scores are the calibration's second input.
    nb_coef: npt.NDArray[np.float32] | None = None

    def decision_scores(self, x: Any) -> FloatArray:
        """The calibration's input: linear scores, then the naive Bayes scores if any."""
        scores: FloatArray = np.asarray(x @ self.coef.T, dtype=np.float64) + self.intercept
        if self.nb_coef is None:
            return scores
        return np.hstack([scores, _nb_scores(np.asarray(x @ self.nb_coef.T, dtype=np.float64))])

    def row_scores(self, rows: SparseRows) -> FloatArray:
        """:meth:`decision_scores` of rows made by ``features.transform_rows``. One row (a
        message at intake) is scored by gathering the coefficients of its few columns, without
        building a scipy matrix; batches go through :meth:`decision_scores`."""
        if rows.n_rows != 1:
            return self.decision_scores(rows.to_csr())
        scores: FloatArray = (
            np.asarray(rows.data @ self.coef.T[rows.indices], dtype=np.float64)[None, :]
            + self.intercept
        )
        if self.nb_coef is None:
            return scores
        nb = np.asarray(rows.data @ self.nb_coef.T[rows.indices], dtype=np.float64)[None, :]
        return np.hstack([scores, _nb_scores(nb)])

    def calibrated(self, scores: FloatArray) -> FloatArray:
        return _softmax(scores @ self.calibration_coef.T + self.calibration_intercept)

    def predict_proba(self, texts: Sequence[str]) -> FloatArray:
        return self.calibrated(self.decision_scores(self.features.transform(texts)))


def _nb_scores(log_likelihood: FloatArray) -> FloatArray:
    # Relative to the best class: the absolute level grows with the length of the message.
    shifted: FloatArray = log_likelihood - log_likelihood.max(axis=1, keepdims=True)
    return shifted


def _nb_columns(features: MessageFeatures) -> npt.NDArray[np.float64]:
    """1.0 on the columns of the naive Bayes blocks, 0.0 elsewhere."""
    mask = []
    for name, size in features.block_sizes():
        mask.append(np.full(size, 1.0 if name in NB_BLOCKS else 0.0))
    return np.concatenate(mask)


def _softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: FloatArray = exp / exp.sum(axis=1, keepdims=True)
    return result


def group_keys(texts: Sequence[str]) -> list[str]:
    """Duplicate-group key of each text (sha1 of the exact text): duplicates share a fold."""
    return [hashlib.sha1(t.encode("utf-8"), usedforsecurity=False).hexdigest() for t in texts]


def data_sha256(texts: Sequence[str], labels: Sequence[str]) -> str:
    """sha256 over the training texts and labels, in order (identifies the training data)."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
        digest.update(label.encode("utf-8"))
        digest.update(b"\x01")
    return digest.hexdigest()


def wilson_lower_bound(
    hits: npt.NDArray[Any], counts: npt.NDArray[Any], z: float
) -> npt.NDArray[np.float64]:
    """Wilson score lower bound of a proportion hits/counts (counts > 0); z = 0 gives hits/counts."""
    n = np.asarray(counts, dtype=np.float64)
    p = np.asarray(hits, dtype=np.float64) / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    bound: npt.NDArray[np.float64] = (centre - margin) / (1 + z2 / n)
    return bound


def select_threshold(
    confidences: Sequence[float] | FloatArray,
    correct: Sequence[bool] | npt.NDArray[np.bool_],
    target_precision: float = DEFAULT_TARGET_PRECISION,
    *,
    z: float = 0.0,
) -> float:
    """Lowest threshold t such that predictions with confidence >= t have precision >= target.

    With ``z > 0`` the precision must be reached by its Wilson lower bound (``z`` = 1.645: a
    one-sided 95 % bound), a margin that shrinks as more predictions lie above the threshold: the
    precision measured on training predictions is itself an estimate, and a threshold chosen to
    reach the target exactly on them falls short of it on new messages about half of the time.

    Candidate thresholds are the observed confidences. Returns :data:`NEVER_DISPATCH` when no
    threshold reaches the target.
    """
    conf = np.asarray(confidences, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    if conf.size == 0:
        return NEVER_DISPATCH
    order = np.argsort(-conf, kind="stable")
    conf_sorted = conf[order]
    hits = np.cumsum(ok[order])
    counts = np.arange(1, conf.size + 1)
    # Only the last position of each run of equal confidences is a valid cut.
    last_of_run = np.append(conf_sorted[1:] != conf_sorted[:-1], True)
    precision = wilson_lower_bound(hits, counts, z) if z > 0 else hits / counts
    valid = np.flatnonzero(last_of_run & (precision >= target_precision))
    if valid.size == 0:
        return NEVER_DISPATCH
    return float(conf_sorted[valid[-1]])


def _grouped_folds(
    labels: Sequence[str], groups: Sequence[str], n_splits: int, seed: int
) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
    from sklearn.model_selection import StratifiedGroupKFold

    n_groups = len(set(groups))
    smallest_class = min(np.unique(np.asarray(labels), return_counts=True)[1])
    splits = max(2, min(n_splits, n_groups, int(smallest_class)))
    splitter = StratifiedGroupKFold(n_splits=splits, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), labels, groups))


def _macro_f1(y_true: Sequence[str] | npt.NDArray[Any], y_pred: npt.NDArray[Any]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, average="macro"))


def _scores_2d(model: Any, x: Any, n_classes: int) -> FloatArray:
    scores = np.asarray(model.decision_function(x), dtype=np.float64)
    if scores.ndim == 1:  # binary problem: one column, positive class = classes_[1]
        scores = np.column_stack([-scores, scores])
    assert scores.shape[1] == n_classes  # noqa: S101 - every fold sees every class
    return scores


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    seed: int = 0,
    target_precision: float = DEFAULT_TARGET_PRECISION,
    precision_z: float = DEFAULT_PRECISION_Z,
    n_splits: int = 5,
    candidates: Sequence[Candidate] | None = None,
    weights: FeatureWeights | None = None,
    stack_naive_bayes: bool = True,
) -> TrainedModel:
    """Train a calibrated classifier with an auto-dispatch threshold. See the module docstring.

    ``texts`` are plain strings or :func:`classifier.features.compose_text` strings. Needs at least
    two labels and two distinct texts per label.
    """
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import ComplementNB

    started = time.perf_counter()
    if len(texts) != len(labels):
        raise ValueError("texts and labels must have the same length")
    y = np.asarray(list(labels), dtype=object)
    label_names = sorted(set(labels))
    if len(label_names) < 2:
        raise ValueError("training needs at least two labels")
    y_index = np.searchsorted(np.asarray(label_names, dtype=object), y)

    features = MessageFeatures(weights=weights or FeatureWeights())
    x = features.fit_transform(texts)
    folds = _grouped_folds(list(labels), group_keys(texts), n_splits, seed)

    best: tuple[float, Candidate, FloatArray] | None = None
    cv_scores: dict[str, float] = {}
    for candidate in candidates or default_candidates():
        oof = np.zeros((len(texts), len(label_names)))
        for train_idx, test_idx in folds:
            model = candidate.make(seed)
            model.fit(x[train_idx], y_index[train_idx])
            oof[test_idx] = _scores_2d(model, x[test_idx], len(label_names))
        score = _macro_f1(y_index, oof.argmax(axis=1))
        cv_scores[f"macro_f1[{candidate.name}]"] = score
        if best is None or score > best[0]:
            best = (score, candidate, oof)
    assert best is not None  # noqa: S101 - at least one candidate
    best_score, winner, linear_oof = best
    oof_scores = linear_oof

    nb_coef = None
    if stack_naive_bayes:
        nb_mask = _nb_columns(features)
        x_nb = sp.csr_matrix(x @ sp.diags(nb_mask.astype(np.float32)))
        nb_oof = np.zeros((len(texts), len(label_names)))
        for train_idx, test_idx in folds:
            nb = ComplementNB(alpha=NB_ALPHA).fit(x_nb[train_idx], y_index[train_idx])
            nb_oof[test_idx] = nb.predict_joint_log_proba(x_nb[test_idx])
        nb_final = ComplementNB(alpha=NB_ALPHA).fit(x_nb, y_index)
        nb_weights = np.asarray(nb_final.feature_log_prob_, dtype=np.float64) * nb_mask
        if nb_weights.shape[0] == len(label_names):
            nb_coef = np.asfortranarray(nb_weights.astype(np.float32))
            oof_scores = np.hstack([oof_scores, _nb_scores(nb_oof)])

    calibrator = LogisticRegression(C=1.0, max_iter=1000)
    calibrator.fit(oof_scores, y_index)  # linear (and naive Bayes) out-of-fold scores
    calibration_coef = np.asarray(calibrator.coef_, dtype=np.float64)
    calibration_intercept = np.asarray(calibrator.intercept_, dtype=np.float64)
    if calibration_coef.shape[0] == 1:  # binary: expand to two logits
        calibration_coef = np.vstack([np.zeros_like(calibration_coef), calibration_coef])
        calibration_intercept = np.array([0.0, float(calibration_intercept[0])])
    oof_proba = _softmax(oof_scores @ calibration_coef.T + calibration_intercept)
    oof_pred = oof_proba.argmax(axis=1)
    oof_conf = oof_proba.max(axis=1)
    oof_correct = oof_pred == y_index
    threshold = select_threshold(oof_conf, oof_correct, target_precision, z=precision_z)
    dispatched = oof_conf >= threshold

    final = winner.make(seed)
    final.fit(x, y_index)
    coef = np.asfortranarray(np.asarray(final.coef_, dtype=np.float32))
    intercept = np.asarray(final.intercept_, dtype=np.float64)
    if coef.shape[0] == 1:  # binary: one row for classes_[1]
        coef = np.asfortranarray(np.vstack([-coef, coef]))
        intercept = np.array([-float(intercept[0]), float(intercept[0])])

    cv_scores.update(
        {
            "macro_f1": best_score,
            "accuracy": float(np.mean(linear_oof.argmax(axis=1) == y_index)),
            "calibrated_macro_f1": _macro_f1(y_index, oof_pred),
            "auto_dispatch_coverage": float(dispatched.mean()),
            "auto_dispatch_precision": (
                float(oof_correct[dispatched].mean()) if dispatched.any() else 0.0
            ),
            "n_splits": float(len(folds)),
        }
    )
    return TrainedModel(
        labels=label_names,
        features=features,
        coef=coef,
        intercept=intercept,
        calibration_coef=calibration_coef,
        calibration_intercept=calibration_intercept,
        threshold=threshold,
        target_precision=target_precision,
        model_name=winner.name,
        cv_scores=cv_scores,
        data_size=len(texts),
        data_sha256=data_sha256(texts, labels),
        seed=seed,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        train_seconds=time.perf_counter() - started,
        nb_coef=nb_coef,
    )


def evaluate(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str],
    test_labels: Sequence[str],
    *,
    seed: int = 0,
    target_precision: float = DEFAULT_TARGET_PRECISION,
) -> dict[str, Any]:
    """Train on the first set, measure on the second. The threshold is chosen on train only."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    from classifier.predict import Predictor

    started = time.perf_counter()
    model = train(train_texts, train_labels, seed=seed, target_precision=target_precision)
    train_seconds = time.perf_counter() - started

    predictor = Predictor(model)
    started = time.perf_counter()
    predictions = predictor.predict_batch(test_texts)
    predict_seconds = time.perf_counter() - started

    y_true = list(test_labels)
    y_pred = [p.label for p in predictions]
    report_labels = sorted(set(model.labels) | set(y_true))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=report_labels, zero_division=0
    )
    per_class = {
        label: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, label in enumerate(report_labels)
    }
    present = [i for i, label in enumerate(report_labels) if support[i] > 0]
    macro_f1 = float(np.mean([f1[i] for i in present])) if present else 0.0
    correct = np.asarray([t == p for t, p in zip(y_true, y_pred, strict=True)], dtype=bool)
    dispatched = np.asarray([p.confidence >= model.threshold for p in predictions], dtype=bool)
    n = max(len(y_true), 1)
    return {
        "macro_f1": macro_f1,
        "accuracy": float(correct.mean()) if correct.size else 0.0,
        "per_class": per_class,
        "confusion_matrix": {
            "labels": report_labels,
            "matrix": confusion_matrix(y_true, y_pred, labels=report_labels).tolist(),
        },
        "train_seconds": train_seconds,
        "predict_per_second": len(y_true) / predict_seconds if predict_seconds > 0 else math.inf,
        "auto_dispatch_threshold": model.threshold,
        "auto_dispatch_coverage": float(dispatched.sum() / n),
        "auto_dispatch_precision": (float(correct[dispatched].mean()) if dispatched.any() else 0.0),
        "train_size": len(train_texts),
        "test_size": len(y_true),
        "model_name": model.model_name,
        "train_cv_scores": dict(model.cv_scores),
    }
