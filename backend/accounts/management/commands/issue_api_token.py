"""Issue (or revoke) the API token of an account, e.g. a partner system's."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from backend.accounts.api_tokens import api_token_issue, api_token_revoke
from backend.accounts.models import User


class Command(BaseCommand):
    help = (
        "Issue a new API token for an account and print it once (the previous token stops "
        "working), or revoke it with --revoke."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The account's user name.")
        parser.add_argument(
            "--revoke", action="store_true", help="Revoke the account's token instead."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(
                _("No account has the user name %(name)s.") % {"name": options["username"]}
            )
        if options["revoke"]:
            if api_token_revoke(user=user, actor=None):
                self.stdout.write(
                    _("The API token of %(name)s is revoked.") % {"name": user.username}
                )
            else:
                self.stdout.write(_("%(name)s had no API token.") % {"name": user.username})
            return
        if not user.is_active:
            raise CommandError(
                _("%(name)s is not active: activate the account first.") % {"name": user.username}
            )
        key = api_token_issue(user=user, actor=None)
        self.stdout.write(
            _(
                "API token of %(name)s (shown once; it replaces any earlier one). "
                "Send it as the header Authorization: Token <key>"
            )
            % {"name": user.username}
        )
        self.stdout.write(key)
