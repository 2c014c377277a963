"""Training the topic classifier from the demo corpus and the dispatchers' labels."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from .. import classification
from ..models import Case


@dataclass
class TrainingOutcome:
    trained: bool
    promoted: bool
    version: str | None
    reason: str
    report: dict[str, Any] = field(default_factory=dict)
    current_report: dict[str, Any] | None = None
    size: int = 0


def labelled_messages() -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """(subject, body, category code): the demo corpus plus every label a dispatcher confirmed
    or corrected (dispatched cases whose category a person chose); and how many of each."""
    from interaction.demo.corpus import training_corpus

    rows = []
    for text, code in training_corpus():
        subject, _sep, body = text.partition("\n")
        rows.append((subject, body, code))
    corpus = len(rows)
    confirmed = Case.objects.filter(category_confirmed=True, category__isnull=False).values_list(
        "subject", "body", "category__code"
    )
    rows.extend(confirmed.iterator(chunk_size=2000))
    return rows, {"demo_corpus": corpus, "confirmed_cases": len(rows) - corpus}


def _split(rows: list[tuple[str, str, str]], seed: int) -> tuple[list[int], list[int]]:
    """80/20 split with identical texts always on the same side."""
    train: list[int] = []
    test: list[int] = []
    salt = str(seed)
    for i, (subject, body, _code) in enumerate(rows):
        digest = hashlib.sha256(f"{salt}\x1f{subject}\x1f{body}".encode()).digest()
        (test if digest[0] < 52 else train).append(i)  # 52/256 ≈ 20 %
    return train, test


def classifier_train(
    *, if_missing: bool = False, seed: int = 0, promote_always: bool = False
) -> TrainingOutcome:
    """Train a new model; promote it only if it is not worse than the current one on the same
    held-out data. Running workers pick the promoted model up without a restart."""
    from classifier import store
    from classifier.train import evaluate, train

    directory = settings.CLASSIFIER_MODEL_DIR
    current = store.current_version(directory)
    if if_missing and current is not None:
        return TrainingOutcome(False, False, current, "a model is already promoted")
    rows, sources = labelled_messages()
    texts = [classification.message_text(s, b) for s, b, _c in rows]
    labels = [c for _s, _b, c in rows]
    train_idx, test_idx = _split(rows, seed)
    held_texts = [texts[i] for i in test_idx]
    held_labels = [labels[i] for i in test_idx]
    report = evaluate(
        [texts[i] for i in train_idx],
        [labels[i] for i in train_idx],
        held_texts,
        held_labels,
        seed=seed,
    )
    current_report = None
    if current is not None and not promote_always:
        try:
            current_report = _score_current(directory, held_texts, held_labels)
        except (store.ModelNotFound, store.ModelIntegrityError):
            current_report = None
    model = train(texts, labels, seed=seed)
    version = store.save(
        model,
        directory,
        extra={
            "held_out_macro_f1": report["macro_f1"],
            "held_out_size": len(test_idx),
            "sources": sources,
        },
    )
    better = current_report is None or report["macro_f1"] >= current_report["macro_f1"]
    if better:
        store.promote(version, directory)
        classification.reset()
        reason = "promoted" if current_report is None else "promoted: not worse than current"
    else:
        reason = "kept the current model: the new one is worse on the same held-out data"
    return TrainingOutcome(True, better, version, reason, report, current_report, len(rows))


def _score_current(directory: str, texts: list[str], labels: list[str]) -> dict[str, Any]:
    from sklearn.metrics import f1_score

    from classifier import store

    predictor = store.load_current(directory).predictor()
    predicted = [p.label for p in predictor.predict_batch(texts)]
    present = sorted(set(labels))
    return {
        "macro_f1": float(
            f1_score(labels, predicted, labels=present, average="macro", zero_division=0)
        )
    }
