"""Train on one CSV (subject, body, label), score on another; last line: one JSON object."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

REQUIRED = ("subject", "body", "label")


def read_csv(path: Path) -> tuple[list[str], list[str]]:
    from classifier.features import compose_text

    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise CommandError(
                    f"{path}: missing column(s) {', '.join(missing)}; "
                    f"expected {', '.join(REQUIRED)}."
                )
            texts, labels = [], []
            for row in reader:
                label = (row["label"] or "").strip()
                if not label:
                    continue
                texts.append(compose_text(row["subject"] or "", row["body"] or ""))
                labels.append(label)
    except FileNotFoundError as exc:
        raise CommandError(f"{path}: no such file.") from exc
    if len(set(labels)) < 2:
        raise CommandError(f"{path}: needs at least two labels.")
    return texts, labels


class Command(BaseCommand):
    help = "Evaluate the classifier: train on --train CSV, score on --test CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--train", required=True, type=Path)
        parser.add_argument("--test", required=True, type=Path)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--target-precision", type=float, default=0.97)

    def handle(self, *args: Any, **options: Any) -> None:
        from classifier.report import format_report
        from classifier.train import evaluate

        train_texts, train_labels = read_csv(options["train"])
        test_texts, test_labels = read_csv(options["test"])
        result = evaluate(
            train_texts,
            train_labels,
            test_texts,
            test_labels,
            seed=options["seed"],
            target_precision=options["target_precision"],
        )
        self.stdout.write(format_report(result))
        self.stdout.write(json.dumps(result, ensure_ascii=False))
