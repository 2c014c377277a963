"""Recompute every hot-issue group from scratch (after changing the grouping parameters, or
to repair). Safe while `group_messages` runs: the write waits for the lock, and the running
process reloads its engine. Confirmed groups keep their cases. `--scores` only recomputes the
stored figures and hotness (after changing the hotness weights or half-life)."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from interaction.hotspots.grouping import regroup_all
from interaction.hotspots.persist import refresh_figures


class Command(BaseCommand):
    help = "Recompute every hot-issue group (the full regrouping)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scores", action="store_true", help="Only recompute figures and hotness."
        )
        parser.add_argument("--progress", action="store_true", help="Print progress to stderr.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scores"]:
            self.stdout.write(json.dumps({"refreshed": refresh_figures()}))
            return

        def progress(n: int) -> None:
            print(f"{n} cases grouped", file=sys.stderr, flush=True)  # noqa: T201

        report = regroup_all(progress=progress if options["progress"] else None)
        self.stdout.write(json.dumps(report.as_dict()))
