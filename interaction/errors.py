"""Named domain errors. Each carries a user-facing message (translated) and a stable code."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "domain_error"
    http_status = 400
    default_message: Any = _("The request could not be carried out.")

    def __init__(self, message: Any = None, **params: Any) -> None:
        self.message = message if message is not None else self.default_message
        self.params = params
        super().__init__(str(self.message))


class InvalidTransition(DomainError):
    code = "invalid_transition"
    http_status = 409
    default_message = _("This action is not possible in the case's current state.")


class NotAllowed(DomainError):
    code = "not_allowed"
    http_status = 403
    default_message = _("You are not allowed to do this.")


class DeadlinePassed(DomainError):
    code = "deadline_passed"
    http_status = 409
    default_message = _("The deadline has already passed.")


class ValidationFailed(DomainError):
    code = "invalid"
    http_status = 400
    default_message = _("The input is not valid.")

    def __init__(self, errors: dict[str, list[Any]]) -> None:
        self.errors = errors
        first = next(iter(errors.values()))[0] if errors else self.default_message
        super().__init__(first)


class RateLimited(DomainError):
    code = "rate_limited"
    http_status = 429
    default_message = _("Too many messages in the last hour. Please try again later.")


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
    default_message = _("Someone else has just acted on this case. Reload and try again.")
