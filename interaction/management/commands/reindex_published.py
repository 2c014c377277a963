"""Rewrite the public search text (masked, tokenised) of every published case."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from interaction.privacy.services import reindex_published


class Command(BaseCommand):
    help = "Rebuild the search text of published cases (after changing masking rules in bulk)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = reindex_published()
        self.stdout.write(f"indexed {count} published cases")
