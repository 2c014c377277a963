"""Write the weekly (or monthly) report 通报 as Excel and printable HTML into var/reports/.

    python manage.py weekly_report                  # last complete week
    python manage.py weekly_report --month          # last complete month
    python manage.py weekly_report --date 2025-03-05 --out /tmp/reports

Run it from cron on Monday morning (and on the 1st for `--month`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.loader import render_to_string
from django.utils import translation

from interaction.insights import rollups
from interaction.insights.report import build_report, report_period, report_xlsx


class Command(BaseCommand):
    help = "Write the weekly or monthly report (周报/月报) as .xlsx and .html."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", action="store_true", help="The monthly report.")
        parser.add_argument(
            "--date",
            help="A day (YYYY-MM-DD) of the week or month; default: the last complete one.",
        )
        parser.add_argument(
            "--out",
            default=str(Path(settings.BASE_DIR) / "var" / "reports"),
            help="Directory to write into (default: var/reports/).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = "month" if options["month"] else "week"
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("--date must be YYYY-MM-DD") from exc
        from frontend.views.insights import report_context

        # The report reads the roll-ups: bring them up to date first (waits for a run in progress).
        rollups.refresh()
        with translation.override(settings.LANGUAGE_CODE):
            report = build_report(kind=kind, period=report_period(kind, day))
            html = render_to_string(
                "insights/report.html", report_context(report, interactive=False)
            )
            xlsx = report_xlsx(report)
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        xlsx_path = out / f"{report.filename}.xlsx"
        html_path = out / f"{report.filename}.html"
        xlsx_path.write_bytes(xlsx)
        html_path.write_text(html, encoding="utf-8")
        self.stdout.write(f"{xlsx_path}\n{html_path}")
