"""What every REST operation can answer, added to the OpenAPI schema in one place.

The views annotate what is theirs (their input and output serializers, 400 for their validation,
403 for their role checks, 409 for a transition conflict). Some answers come from the framework
for every operation alike, and are added here (drf-spectacular post-processing hook):

- 401: a wrong, revoked or malformed `Authorization: Token …` header (any operation that reads
  credentials), or no credentials where an account is needed;
- 403: a session-authenticated write without the CSRF token, and role checks where the view
  requires an account (operations that read no credentials answer neither);
- 404: an address with an unknown object, and a page number past the end of a list;
- 400: a request body that cannot be parsed, a `page_size` out of range;
- 429: too many requests (`Retry-After` says when to try again), on every operation.

Each uses the one error shape (`interaction.apis.common.ErrorSerializer`, component `Error`).
The texts are for developers reading the schema and stay in English, like the views' own.
"""

from __future__ import annotations

from typing import Any

import django_filters

ERROR_REF = {"$ref": "#/components/schemas/Error"}

# For a query parameter that may be sent empty (as a GET form sends an unset field; the view
# says what empty means, usually the default): `OpenApiParameter(..., extensions=ALLOW_EMPTY)`.
# drf-spectacular passes only `x-` keys through; the hook turns this one into `allowEmptyValue`.
ALLOW_EMPTY = {"x-allow-empty-value": True}

DESCRIPTIONS = {
    "400": "Invalid input: `error.fields` says what is wrong with each field.",
    "401": (
        "Not signed in where an account is needed, or the token is wrong or revoked "
        "(`WWW-Authenticate: Token`)."
    ),
    "403": (
        "Not allowed: the account's role may not do this, or a session-authenticated write came "
        "without its CSRF token."
    ),
    "404": "No such object, not one you may see, or a page past the end of the list.",
    "429": "Too many requests: wait for the seconds in `Retry-After`, then try again.",
}

RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next request.",
        "schema": {"type": "integer"},
    }
}

AUTH_DESCRIPTIONS = {
    "tokenAuth": (
        "Partner systems: `Authorization: Token <key>`. An administrator issues the key "
        "(`manage.py issue_api_token <username>` or the user admin's action); it is shown once. "
        "People may also exchange their password for a key at `POST /api/auth/token/`. Requests "
        "are throttled per account."
    ),
    "cookieAuth": (
        "The site's own pages: the session cookie of a signed-in person. Writes must send the "
        "CSRF token (`X-CSRFToken` header)."
    ),
}


def _error(code: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[code],
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if code == "429":
        response["headers"] = {name: dict(header) for name, header in RETRY_AFTER.items()}
    return response


def _needs_account(operation: dict[str, Any]) -> bool:
    return {} not in operation.get("security", [{}])


def _filters_taking_empty(generator: Any) -> dict[tuple[str, str], set[str]]:
    """Per (path, method): the django-filter parameters of its view. An empty value is no filter
    (as a GET form sends an unused field), except for multiple choices, which refuse it."""
    found: dict[tuple[str, str], set[str]] = {}
    for path, _regex, method, callback in getattr(generator, "endpoints", None) or []:
        filterset = getattr(getattr(callback, "cls", None), "filterset_class", None)
        if filterset is None or method != "GET":
            continue
        found[(path, "get")] = {
            name
            for name, item in filterset.base_filters.items()
            if not isinstance(item, django_filters.MultipleChoiceFilter)
        }
    return found


def add_common_responses(
    result: dict[str, Any], generator: Any = None, **kwargs: Any
) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: the framework's answers on every operation."""
    filters = _filters_taking_empty(generator)
    schemas = result.get("components", {}).get("schemas", {})
    if "Error" not in schemas:  # pragma: no cover - every API module uses the error shape
        raise RuntimeError("The Error component (interaction.apis.common.ErrorSerializer) is gone.")
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            params = operation.get("parameters", [])
            takes_empty = filters.get((path, method), set())
            for parameter in params:
                flagged = parameter.pop("x-allow-empty-value", False)
                if flagged or (parameter.get("in") == "query" and parameter["name"] in takes_empty):
                    parameter["allowEmptyValue"] = True
            authenticates = bool(operation.get("security"))
            codes = ["429"]
            if authenticates:
                codes.append("401")
            if "requestBody" in operation or any(p.get("name") == "page_size" for p in params):
                codes.append("400")
            if authenticates and (method != "get" or _needs_account(operation)):
                codes.append("403")
            if "{" in path or any(p.get("name") == "page" for p in params):
                codes.append("404")
            for code in codes:
                responses.setdefault(code, _error(code))
            # A view's own 429 (e.g. the hourly submission limit) keeps its description.
            responses["429"].setdefault("headers", _error("429")["headers"])
    schemes = result.get("components", {}).get("securitySchemes", {})
    for name, text in AUTH_DESCRIPTIONS.items():
        if name in schemes:
            schemes[name]["description"] = text
    return result
