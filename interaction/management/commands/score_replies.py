"""Score the quality of stored replies (those never scored, or all of them again)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from interaction.replyquality.services import replies_rescore


class Command(BaseCommand):
    help = (
        "Score the quality of replies never scored (after an upgrade), or with --all every reply "
        "again (after changing the formula or WENZHENG_REPLY_QUALITY_*)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="Score every reply again, not only unscored ones."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        count = replies_rescore(only_missing=not options["all"])
        self.stdout.write(
            _("Scored %(n)d replies in %(s).1f s.") % {"n": count, "s": time.monotonic() - started}
        )
