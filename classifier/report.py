"""Plain-text evaluation report for a terminal (management command output, benchmark)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

__all__ = ["format_report"]


def _width(text: str) -> int:
    # Chinese characters take two terminal columns.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return f"{gap}{text}" if right else f"{text}{gap}"


def format_report(result: Mapping[str, Any]) -> str:
    """Render the dict returned by ``classifier.train.evaluate`` as a text report."""
    per_class: Mapping[str, Mapping[str, float]] = result.get("per_class", {})
    labels = list(per_class)
    name_width = max([_width("label"), *(_width(label) for label in labels)]) + 2
    lines = [
        f"macro-F1 {result.get('macro_f1', 0.0):.4f}   accuracy {result.get('accuracy', 0.0):.4f}",
        (
            f"auto-dispatch: threshold {result.get('auto_dispatch_threshold', 0.0):.4f}, "
            f"coverage {result.get('auto_dispatch_coverage', 0.0):.1%}, "
            f"precision {result.get('auto_dispatch_precision', 0.0):.1%}"
        ),
        (
            f"train {result.get('train_seconds', 0.0):.1f} s, "
            f"predict {result.get('predict_per_second', 0.0):,.0f} messages/s"
        ),
        "",
        _pad("label", name_width)
        + "".join(_pad(h, 11, right=True) for h in ("precision", "recall", "f1", "support")),
    ]
    for label in labels:
        row = per_class[label]
        lines.append(
            _pad(label, name_width)
            + _pad(f"{row['precision']:.4f}", 11, right=True)
            + _pad(f"{row['recall']:.4f}", 11, right=True)
            + _pad(f"{row['f1']:.4f}", 11, right=True)
            + _pad(str(int(row["support"])), 11, right=True)
        )
    confusion = result.get("confusion_matrix")
    if confusion:
        cm_labels: list[str] = list(confusion["labels"])
        matrix: list[list[int]] = confusion["matrix"]
        cell = max(6, *(len(str(v)) + 1 for r in matrix for v in r))
        lines += ["", "confusion matrix (rows: true label, columns: predicted, in label order)"]
        lines.append(
            _pad("", name_width + 4)
            + "".join(_pad(f"[{i}]", cell, right=True) for i in range(len(cm_labels)))
        )
        for i, (label, counts) in enumerate(zip(cm_labels, matrix, strict=True)):
            lines.append(
                _pad(f"[{i}] {label}", name_width + 4)
                + "".join(_pad(str(v), cell, right=True) for v in counts)
            )
    return "\n".join(lines)
