"""Group the cases not grouped yet into hot issues (off the request path of submission).

`--every N` keeps running and keeps the engine warm: new cases are grouped within N seconds
(`make run` runs it with `--every 5`). Safe next to another `group_messages` or a
`regroup_messages` (they take turns on a lock). `--rebuild` recomputes every group first.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from interaction.hotspots.grouping import Grouper, RunReport, regroup_all


class Command(BaseCommand):
    help = "Group new messages into hot issues; with --every N keep doing it every N seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every", type=float, default=0, help="Run again every N seconds until stopped."
        )
        parser.add_argument("--rebuild", action="store_true", help="Recompute every group first.")
        parser.add_argument("--quiet", action="store_true", help="Print nothing when idle.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            self.stdout.write(json.dumps({"regroup": regroup_all().as_dict()}))
        grouper = Grouper()
        quiet = options["quiet"]

        def show(report: RunReport) -> None:
            if not quiet or report.grouped:
                self.stdout.write(json.dumps(report.as_dict()))

        if not options["every"]:
            show(grouper.run_once())
            while grouper.engine is not None and (report := grouper.run_once()).grouped:
                show(report)
            return
        grouper.run(every=options["every"], on_report=show)
