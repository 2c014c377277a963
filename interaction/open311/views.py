"""Open311 GeoReport v2 endpoints (http://wiki.open311.org/GeoReport_v2/).

Thin adapters: parse the parameters, check the jurisdiction and the API key, call the selectors
and services, answer in the format of the URL's extension. Every error has the specification's
shape (formats.error_response). GET answers only published cases, with masked text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from ..errors import DomainError, RateLimited, ValidationFailed
from ..models import Kind
from . import selectors
from .formats import error_response, respond
from .services import (
    Open311Request,
    case_for_token,
    open311_key_check,
    open311_request_submit,
    request_token,
)


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: Any) -> None:
        self.status = status
        self.descriptions = descriptions
        super().__init__(*descriptions)


def endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Checks jurisdiction_id; turns Open311Error into the specification's error response."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        params = request.POST if request.method == "POST" else request.GET
        try:
            given = params.get("jurisdiction_id") or request.GET.get("jurisdiction_id")
            if given and given != selectors.jurisdiction_id():
                raise Open311Error(404, _("jurisdiction_id not found: %(id)s") % {"id": given})
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return error_response(fmt, exc.status, *exc.descriptions)

    return wrapper


@require_GET
@endpoint
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = [selectors.service_row(c) for c in selectors.services()]
    return respond(fmt, rows, root="services", item="service")


@require_GET
@endpoint
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    category = selectors.service(code)
    if category is None:
        raise Open311Error(404, _("service_code not found: %(code)s") % {"code": code})
    return respond(
        fmt, selectors.service_definition(category), root="service_definition", item=None
    )


def _when(params: Any, name: str) -> dt.datetime | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    moment = parse_datetime(value.replace(" ", "+"))  # a "+" may arrive decoded as a space
    if moment is None:
        try:
            moment = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        except ValueError:
            raise Open311Error(
                400,
                _("%(name)s is not a W3C datetime, e.g. 2026-01-01T00:00:00Z.") % {"name": name},
            ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _list(params: Any, name: str) -> list[str]:
    return [v.strip() for v in (params.get(name) or "").split(",") if v.strip()]


def _get_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    start, end = _when(params, "start_date"), _when(params, "end_date")
    if start and end:
        if end < start:
            raise Open311Error(400, _("end_date is before start_date."))
        if end - start > selectors.MAX_SPAN:
            raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
    elif start and not end:
        end = min(start + selectors.MAX_SPAN, timezone.now())
    status = _list(params, "status")
    if any(s not in ("open", "closed") for s in status):
        raise Open311Error(400, _("status must be open or closed."))
    cases = selectors.find_requests(
        ids=_list(params, "service_request_id"),
        service_codes=_list(params, "service_code"),
        start=start,
        end=end,
        status=status,
    )
    return respond(fmt, selectors.request_rows(cases), root="service_requests", item="request")


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.POST
    key = open311_key_check(params.get("api_key") or request.GET.get("api_key"))
    if key is None:
        raise Open311Error(403, _("Invalid api_key received"))
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = selectors.service(code)
    if category is None:
        raise Open311Error(404, _("service_code not found: %(code)s") % {"code": code})
    address = (params.get("address_string") or "").strip()
    lat, long = (params.get("lat") or "").strip(), (params.get("long") or "").strip()
    if not address and not (lat and long) and not params.get("address_id"):
        raise Open311Error(400, _("A location is required: address_string, or lat and long."))
    kind = (params.get("attribute[kind]") or Kind.HELP).strip()
    if kind not in Kind.values:
        raise Open311Error(400, _("attribute[kind] is not one of the service's values."))
    try:
        case = open311_request_submit(
            key=key,
            request=Open311Request(
                service_name=category.name,
                description=params.get("description") or "",
                phone=params.get("phone") or "",
                kind=kind,
                first_name=params.get("first_name") or "",
                last_name=params.get("last_name") or "",
                address=address or (f"{lat},{long}" if lat and long else ""),
                category_id=category.pk,
            ),
        )
    except ValidationFailed as exc:
        raise Open311Error(
            400, *[f"{field}: {msg}" for field, msgs in exc.errors.items() for msg in msgs]
        ) from exc
    except RateLimited as exc:
        raise Open311Error(429, exc.message) from exc
    except DomainError as exc:
        raise Open311Error(exc.http_status, exc.message) from exc
    row = {
        "service_request_id": case.tracking_no,
        "token": request_token(case),
        "service_notice": selectors.service_notice(case.kind, case.urgency),
        "account_id": None,
    }
    return respond(fmt, [row], root="service_requests", item="request", status=201)


@csrf_exempt  # authenticated by the API key in the body, never by a session cookie
@require_http_methods(["GET", "POST"])
@endpoint
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    return _get_requests(request, fmt)


@require_GET
@endpoint
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    cases = selectors.find_requests(ids=[request_id])
    if not cases:
        raise Open311Error(404, _("service_request_id not found: %(id)s") % {"id": request_id})
    return respond(fmt, selectors.request_rows(cases), root="service_requests", item="request")


@require_GET
@endpoint
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    case = case_for_token(token)
    if case is None:
        raise Open311Error(404, _("token not found"))
    row = {"service_request_id": case.tracking_no, "token": token}
    return respond(fmt, [row], root="service_requests", item="request")
