"""Raise due supervision notices, close unrated cases, send digests.

Safe to run every few minutes from cron or any scheduler, and idempotent under concurrent runs.
`--every N` keeps running, once every N seconds (what `make run` uses).
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from interaction.services.supervision import supervise


class Command(BaseCommand):
    help = "Raise due supervision notices (预警/催办/督办/通报), close unrated cases, send digests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every", type=int, default=0, help="Run again every N seconds until stopped."
        )
        parser.add_argument(
            "--no-digests", action="store_true", help="Do not send e-mail/SMS digests in this run."
        )
        parser.add_argument("--quiet", action="store_true", help="Print nothing when idle.")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            report = supervise(digests=not options["no_digests"]).as_dict()
            if not options["quiet"] or any(report.values()):
                self.stdout.write(json.dumps(report))
            if not options["every"]:
                return
            close_old_connections()
            time.sleep(options["every"])
