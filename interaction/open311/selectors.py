"""Reads behind the Open311 GeoReport v2 endpoints. Our categories are its services; only
published cases, with masked text, are service requests to the outside."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.organisation.models import Category

from ..deadlines import limits_for
from ..models import Case, Kind, Reply, Urgency
from ..permissions import visible_cases
from ..privacy.selectors import ListMasker
from ..states import OPEN_STATUSES

DEFAULT_JURISDICTION = "qingchuan.gov.cn"
MAX_REQUESTS = 1000
MAX_SPAN = dt.timedelta(days=90)


def jurisdiction_id() -> str:
    return str(getattr(settings, "WENZHENG_OPEN311_JURISDICTION", DEFAULT_JURISDICTION))


def w3c(moment: dt.datetime | None) -> str | None:
    """A W3C datetime with the offset, e.g. 2026-11-22T15:04:05+08:00."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def services() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).select_related("parent").order_by("code")


def service(code: str) -> Category | None:
    return services().filter(code=code).first()


def service_row(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": category.parent.name if category.parent_id and category.parent else category.name,
    }


def service_definition(category: Category) -> dict[str, Any]:
    """One optional attribute: the kind of message (defaults to a request for help)."""
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "kind",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("The kind of message; a request for help if empty."),
                "order": 1,
                "description": _("Kind of message"),
                "values": [{"key": value, "name": str(label)} for value, label in Kind.choices],
            }
        ],
    }


def service_notice(kind: str, urgency: str = Urgency.NORMAL) -> str:
    days = limits_for(kind, urgency).reply_days
    return _("The responsible department replies within %(days)d working days.") % {"days": days}


def published_requests() -> QuerySet[Case]:
    return (
        visible_cases(None)
        .select_related("category", "category__parent", "lead_department", "district")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Reply.objects.filter(state=Reply.State.PUBLISHED).order_by(
                    "published_at", "pk"
                ),
                to_attr="published_replies",
            )
        )
    )


def find_requests(
    *,
    ids: list[str] | None = None,
    service_codes: list[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    status: list[str] | None = None,
) -> list[Case]:
    """Published cases by id (overrides the rest), or by services, requested between `start`
    and `end` (default: the last 90 days) and status (open/closed); newest first, at most 1000."""
    cases = published_requests()
    if ids:
        return list(cases.filter(tracking_no__in=ids[:MAX_REQUESTS]).order_by("-created_at"))
    end = end or timezone.now()
    start = start or end - MAX_SPAN
    cases = cases.filter(created_at__gte=start, created_at__lte=end)
    if service_codes:
        cases = cases.filter(
            Q(category__code__in=service_codes) | Q(category__parent__code__in=service_codes)
        )
    wanted = set(status or [])
    if wanted == {"open"}:
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif wanted == {"closed"}:
        cases = cases.exclude(status__in=OPEN_STATUSES)
    return list(cases.order_by("-created_at")[:MAX_REQUESTS])


def request_row(case: Case, hide: ListMasker) -> dict[str, Any]:
    """One service request as the specification names its fields; masked text only."""
    replies = getattr(case, "published_replies", None)
    if replies is None:
        replies = list(case.replies.filter(state=Reply.State.PUBLISHED).order_by("published_at"))
    notes = str(case.get_status_display())
    if replies:
        notes = f"{notes}：{hide(case, replies[-1].body)}"
    category = case.category
    return {
        "service_request_id": case.tracking_no,
        "status": "open" if case.status in OPEN_STATUSES else "closed",
        "status_notes": notes,
        "service_name": category.name if category else "",
        "service_code": category.code if category else "",
        "description": hide(case, f"{case.subject}\n{case.body}"),
        "agency_responsible": case.lead_department.name if case.lead_department else "",
        "service_notice": service_notice(case.kind, case.urgency),
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.reply_deadline),
        "address": case.district.name if case.district else "",
        "address_id": "",
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": "",
    }


def request_rows(cases: list[Case]) -> list[dict[str, Any]]:
    hide = ListMasker(cases)
    return [request_row(case, hide) for case in cases]
