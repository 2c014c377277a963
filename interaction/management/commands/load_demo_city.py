"""Load the demo city 青川市: organisation data, demo users and a few hundred demo cases.

Idempotent: the organisation is brought in line with fixtures/demo_city/city.json on every run;
the demo cases are generated only when none exist (`--reset` deletes them and generates them again).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from interaction.demo.content import PLACES_DICT_FILE, places_dict_text
from interaction.demo.dialogues import seed_dialogues
from interaction.demo.organisation import ensure_organisation
from interaction.demo.seed import demo_cases, seed_cases, wipe_demo_cases
from interaction.hotspots.grouping import regroup_all
from interaction.insights import rollups
from interaction.opendata.export import export_recent_days

DEMO_EXPORT_DAYS = 7


class Command(BaseCommand):
    help = "Load the demo city (departments, categories, catalogue, demo users, demo cases)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo cases and generate them again."
        )
        parser.add_argument(
            "--no-cases", action="store_true", help="Load the organisation and users only."
        )
        parser.add_argument(
            "--write-dict",
            action="store_true",
            help="Rewrite fixtures/demo_city/places_dict.txt from city.json and stop.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["write_dict"]:
            PLACES_DICT_FILE.write_text(places_dict_text(), encoding="utf-8")
            self.stdout.write(_("Wrote %(path)s") % {"path": PLACES_DICT_FILE})
            return
        report = ensure_organisation()
        created = ", ".join(f"{k} +{v}" for k, v in sorted(report.created.items()) if v)
        self.stdout.write(
            _("Demo city organisation is up to date (%(created)s).")
            % {"created": created or _("nothing new")}
        )
        if options["reset"]:
            removed = wipe_demo_cases()
            self.stdout.write(_("Deleted %(n)d demo cases.") % {"n": removed})
        if options["no_cases"]:
            return
        existing = demo_cases().count()
        if existing:
            self.stdout.write(
                _("%(n)d demo cases already exist: not generated again (use --reset).")
                % {"n": existing}
            )
        else:
            started = time.monotonic()
            seeded = seed_cases()
            statuses = ", ".join(f"{k} {v}" for k, v in sorted(seeded.by_status.items()))
            self.stdout.write(
                self.style.SUCCESS(
                    _("Generated %(n)d demo cases in %(s).1f s: %(statuses)s.")
                    % {"n": seeded.cases, "s": time.monotonic() - started, "statuses": statuses}
                )
            )
        if seed_dialogues():
            self.stdout.write(_("Created the demo live dialogues."))
        built = rollups.rebuild()
        self.stdout.write(
            _("Built the insight roll-ups (%(days)d days) in %(s).1f s.")
            % {"days": len(built.days), "s": built.seconds}
        )
        grouped = regroup_all()
        self.stdout.write(
            _("Grouped the messages into %(n)d hot-issue groups in %(s).1f s.")
            % {"n": grouped.groups, "s": grouped.seconds}
        )
        # The open-data page shows files from the start (production: a daily cron line).
        files = export_recent_days(DEMO_EXPORT_DAYS)
        self.stdout.write(
            _("Exported the open data of the last %(days)d days (%(n)d files).")
            % {"days": DEMO_EXPORT_DAYS, "n": len(files)}
        )
