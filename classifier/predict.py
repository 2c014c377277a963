"""Prediction: never raises on odd input, and is cheap for one message.

The linear and naive Bayes scores are sparse-times-dense products with the Fortran-ordered
coefficients (no scikit-learn call per message), then the calibration (a small softmax); one
message (intake) is scored from the coefficients of its own columns, with no scipy matrix built.
Long batches are processed in chunks of :data:`CHUNK_SIZE` messages.

Confidence rules for weak input:
- nothing left after normalisation (empty, whitespace, emoji, punctuation): confidence 0.0;
- fewer than ``min_known_words`` distinct words the model knows (a phone number, one word): the
  confidence is scaled down by known/min_known_words, so such messages are never dispatched
  automatically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from classifier.train import TrainedModel

__all__ = ["MIN_KNOWN_WORDS", "TOP_K", "Prediction", "Predictor"]

TOP_K = 3
MIN_KNOWN_WORDS = 3
# predict_batch works through long batches in chunks of this many messages.
CHUNK_SIZE = 512


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
        model.features.warm_up()  # lookup tables built at load time, not on the first request

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
        predictions: list[Prediction] = []
        # In chunks: small arrays stay in the CPU cache and are reused by the allocator.
        for start in range(0, len(cleaned), CHUNK_SIZE):
            predictions += self._predict_chunk(cleaned[start : start + CHUNK_SIZE])
        return predictions

    def _predict_chunk(self, texts: list[str]) -> list[Prediction]:
        features = self.model.features
        x = features.transform_rows(texts)
        proba = self.model.calibrated(self.model.row_scores(x))
        has_features = np.diff(x.indptr) > 0
        # Fewer known words than min_known_words scales the confidence down.
        factor = np.minimum(1.0, features.known_word_counts(x) / self.min_known_words)
        k = min(self.top_k, proba.shape[1])
        order = np.argsort(-proba, axis=1, kind="stable")[:, :k]
        top_proba = (np.take_along_axis(proba, order, axis=1) * factor[:, None]).tolist()
        labels = self.model.labels
        version = self.version
        result: list[Prediction] = []
        for row, (classes, scores) in enumerate(zip(order.tolist(), top_proba, strict=True)):
            if not has_features[row]:
                result.append(Prediction(self._fallback_label, 0.0, [], version))
                continue
            top = [(labels[c], p) for c, p in zip(classes, scores, strict=True)]
            result.append(Prediction(top[0][0], top[0][1], top, version))
        return result


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    try:
        return str(value)
    except Exception:  # noqa: BLE001 - prediction never raises on bad input
        return ""
