"""Train the topic classifier; promote it only if it is not worse than the current one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from interaction.services.training import classifier_train


class Command(BaseCommand):
    help = (
        "Train the topic classifier from the demo corpus and dispatcher-confirmed labels, "
        "print the evaluation report, promote it if not worse than the current model."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-missing", action="store_true", help="Do nothing if a model is already promoted."
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--force-promote", action="store_true", help="Promote the new model whatever its score."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from classifier.report import format_report

        outcome = classifier_train(
            if_missing=options["if_missing"],
            seed=options["seed"],
            promote_always=options["force_promote"],
        )
        if not outcome.trained:
            self.stdout.write(f"Classifier: {outcome.reason} ({outcome.version}).")
            return
        self.stdout.write(
            f"Trained on {outcome.size} labelled messages; held-out evaluation of the new model:"
        )
        self.stdout.write(format_report(outcome.report))
        if outcome.current_report is not None:
            self.stdout.write(
                f"Current model on the same held-out data: macro-F1 "
                f"{outcome.current_report['macro_f1']:.4f}"
            )
        self.stdout.write(f"Model {outcome.version}: {outcome.reason}.")
