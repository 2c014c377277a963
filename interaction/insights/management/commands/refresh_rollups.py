"""Bring the insight roll-ups up to date with the audit trail (see `interaction.insights.rollups`).

    python manage.py refresh_rollups               # once: the days changed since the last run
    python manage.py refresh_rollups --every 60    # keep running (what `make run` does)
    python manage.py refresh_rollups --rebuild     # recompute every day from the cases

Safe to run from cron while another run is going (the second waits for the first) and
idempotent. The first run, and a run after the work calendar changed, rebuilds everything.
Prints one JSON line per run: audit rows read, days recomputed, rows written, seconds.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from interaction.insights import rollups


class Command(BaseCommand):
    help = "Update the insight roll-up tables from the audit rows written since the last run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="Recompute every day from the cases."
        )
        parser.add_argument(
            "--every", type=int, default=0, help="Run again every N seconds until stopped."
        )
        parser.add_argument("--quiet", action="store_true", help="Print nothing when idle.")

    def handle(self, *args: Any, **options: Any) -> None:
        rebuild = options["rebuild"]
        while True:
            result = rollups.rebuild() if rebuild else rollups.refresh()
            rebuild = False
            if not options["quiet"] or result.events or result.rebuilt:
                self.stdout.write(json.dumps(result.as_dict()))
            if not options["every"]:
                return
            close_old_connections()
            time.sleep(options["every"])
