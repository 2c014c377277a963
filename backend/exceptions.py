"""The one API error shape: {"error": {"code", "message", "fields"}}.

Also for what never reaches a DRF view: an address under /api/ that matches no route (404) and
an unexpected error (500) answer in the same JSON shape (`handler404`/`handler500` in
backend/urls.py); pages keep their HTML error pages.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from interaction.errors import DomainError, ValidationFailed


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ValidationFailed):
        fields = {k: [str(m) for m in v] for k, v in exc.errors.items()}
        return Response(error_body(exc.code, str(exc.message), fields), status=exc.http_status)
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, str(exc.message)), status=exc.http_status)
    if isinstance(exc, exceptions.Throttled):
        return throttled_response(getattr(exc, "wait", None))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = {
            k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()
        }
        first = next(iter(fields.values()))[0] if fields else str(exc)
        response.data = error_body("invalid", first, fields)
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    if isinstance(exc, exceptions.APIException):
        response.data = error_body(
            exc.default_code if isinstance(exc.default_code, str) else "error", str(exc.detail)
        )
    return response


def throttled_message(wait: float | None) -> str:
    if not wait:
        return _("Too many requests. Please slow down and try again shortly.")
    seconds = max(1, math.ceil(wait))
    return ngettext(
        "Too many requests. Please try again in %(seconds)d second.",
        "Too many requests. Please try again in %(seconds)d seconds.",
        seconds,
    ) % {"seconds": seconds}


def throttled_response(
    wait: float | None, code: str = "throttled", message: str | None = None
) -> Response:
    """429 in the one shape, with `Retry-After` (whole seconds) when the wait is known."""
    response = Response(error_body(code, message or throttled_message(wait)), status=429)
    if wait:
        response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: the JSON error shape under /api/, the HTML page elsewhere."""
    if _is_api(request):
        return JsonResponse(
            error_body("not_found", str(exceptions.NotFound.default_detail)), status=404
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: the JSON error shape under /api/, the HTML page elsewhere."""
    if _is_api(request):
        return JsonResponse(
            error_body("server_error", _("Something went wrong on our side. Please try again.")),
            status=500,
        )
    return defaults.server_error(request)
