"""Print the demo accounts of the demo city: user name, password, role, department, what to try."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from interaction.demo.organisation import DEMO_PASSWORD, demo_account_rows

# The accounts shown first, with what to try with each (the others follow in a short list).
FEATURED: dict[str, Any] = {
    "citizen": gettext_lazy("Write to the mayor's mailbox; follow and rate your cases."),
    "dispatcher": gettext_lazy("Dispatch the messages in the queue; decide returns."),
    "liaison": gettext_lazy("Sign for new cases in the inbox; draft a reply."),
    "head": gettext_lazy("Approve the drafted replies of your department."),
    "district_liaison": gettext_lazy("A district department: road repairs in 青山区 land here."),
    "supervisor": gettext_lazy("Open the board: overdue cases, extension requests."),
    "leader": gettext_lazy("Open the board and the statistics."),
    "admin": gettext_lazy("Open /admin/: catalogue, categories, calendar, users."),
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip(), line]
    out += ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(out)


class Command(BaseCommand):
    help = "Print the demo accounts (one password for all) and what to try first with each."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = demo_account_rows()
        if not rows:
            self.stdout.write(_("No demo accounts: run `manage.py load_demo_city` first."))
            return
        by_name = {r["username"]: r for r in rows}
        headers = [
            _("User name"),
            _("Password"),
            _("Role"),
            _("Name"),
            _("Department"),
            _("Try first"),
        ]
        featured = [
            [
                name,
                DEMO_PASSWORD,
                by_name[name]["role_label"],
                by_name[name]["name"],
                by_name[name]["department"],
                str(hint),
            ]
            for name, hint in FEATURED.items()
            if name in by_name
        ]
        others = [
            [r["username"], DEMO_PASSWORD, r["role_label"], r["name"], r["department"], ""]
            for r in rows
            if r["username"] not in FEATURED
        ]
        self.stdout.write(
            _("Demo accounts of 青川市 (password for all: %(pw)s)") % {"pw": DEMO_PASSWORD}
        )
        self.stdout.write(table(headers, featured))
        self.stdout.write("")
        self.stdout.write(_("More accounts: every department has a liaison and a head."))
        self.stdout.write(table(headers[:5], [r[:5] for r in others]))
