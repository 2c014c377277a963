"""Prediction: never raises on odd input, and is cheap for one message.

The linear scores are a sparse-times-dense product with the Fortran-ordered coefficients (no
scikit-learn call per message), then the calibration (a small softmax).

Confidence rules for weak input:
- nothing left after normalisation (empty, whitespace, emoji, punctuation): confidence 0.0;
- fewer than ``min_known_words`` distinct words the model knows (a phone number, one word): the
  confidence is scaled down by known/min_known_words, so such messages are never dispatched
  automatically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classifier.train import TrainedModel

__all__ = ["MIN_KNOWN_WORDS", "TOP_K", "Prediction", "Predictor"]

TOP_K = 3
MIN_KNOWN_WORDS = 3


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    top_k: list[tuple[str, float]] = field(default_factory=list)
    model_version: str = ""

    def dispatchable(self, threshold: float) -> bool:
        """True when the message may be routed automatically at ``threshold``."""
        return self.confidence >= threshold


class Predictor:
    """Wraps a :class:`TrainedModel` (and the store version it came from)."""

    def __init__(
        self,
        model: TrainedModel,
        *,
        version: str = "",
        top_k: int = TOP_K,
        min_known_words: int = MIN_KNOWN_WORDS,
    ) -> None:
        self.model = model
        self.version = version
        self.top_k = max(1, top_k)
        self.min_known_words = max(1, min_known_words)
        self._fallback_label = model.labels[int(np.argmax(model.intercept))]

    @property
    def threshold(self) -> float:
        return self.model.threshold

    @property
    def labels(self) -> list[str]:
        return list(self.model.labels)

    def predict(self, text: str) -> Prediction:
        return self.predict_batch([text])[0]

    def predict_batch(self, texts: Sequence[str]) -> list[Prediction]:
        cleaned = [_as_text(t) for t in texts]
        if not cleaned:
            return []
        features = self.model.features
        x = features.transform(cleaned)
        proba = self.model.calibrated(self.model.decision_scores(x))
        known_words = features.known_word_counts(x)
        nnz = np.diff(x.indptr)
        return [
            self._prediction(proba[row], int(nnz[row]), int(known_words[row]))
            for row in range(len(cleaned))
        ]

    def _prediction(self, proba: Any, n_features: int, known_words: int) -> Prediction:
        labels = self.model.labels
        if n_features == 0:
            return Prediction(self._fallback_label, 0.0, [], self.version)
        factor = min(1.0, known_words / self.min_known_words)
        order = np.argsort(-proba)[: self.top_k]
        top = [(labels[i], float(proba[i]) * factor) for i in order]
        return Prediction(top[0][0], top[0][1], top, self.version)


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    try:
        return str(value)
    except Exception:  # noqa: BLE001 - prediction never raises on bad input
        return ""
