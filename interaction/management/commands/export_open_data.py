"""Write the open-data files of a day: its published cases and the month's statistics, as CSV
(UTF-8 with BOM) and JSON, into WENZHENG_OPEN_DATA_DIR (see interaction/opendata/export.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from interaction.opendata.export import export_recent_days


class Command(BaseCommand):
    help = (
        "Export a day's published cases (masked) and the month's public statistics as CSV and "
        "JSON files for the open-data page. Default: yesterday. Running it again for the same "
        "day replaces that day's files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="The day, YYYY-MM-DD (default: yesterday).")
        parser.add_argument(
            "--days",
            type=int,
            default=1,
            help="Also the days before it: --days 7 writes the seven days up to --date.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(_("Dates are written YYYY-MM-DD.")) from exc
        else:
            day = today - dt.timedelta(days=1)
        if day > today:
            raise CommandError(_("That day has not come yet."))
        if not 1 <= options["days"] <= 366:
            raise CommandError(_("--days must be between 1 and 366."))
        for entry in export_recent_days(options["days"], until=day):
            self.stdout.write(
                _("%(name)s: %(rows)d records, %(bytes)d bytes")
                % {"name": entry.name, "rows": entry.rows, "bytes": entry.bytes}
            )
