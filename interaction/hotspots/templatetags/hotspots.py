"""Template tags of hot issues: the support (附议) box of a published case."""

from __future__ import annotations

from typing import Any

from django import template

from backend.accounts.models import Role
from interaction.models import Case

from ..models import CaseSupport

register = template.Library()


@register.inclusion_tag("hotspots/_support.html", takes_context=True)
def support_box(context: dict[str, Any], case: Case) -> dict[str, Any]:
    """How many citizens support the case, and the button for a citizen who has not yet."""
    request = context.get("request")
    user = getattr(request, "user", None)
    supports = CaseSupport.objects.filter(case=case)
    signed_in = user is not None and user.is_authenticated
    return {
        "case": case,
        "count": supports.count(),
        "signed_in": signed_in,
        "supported": user is not None and signed_in and supports.filter(user=user).exists(),
        "can_support": user is not None
        and signed_in
        and user.role == Role.CITIZEN
        and case.citizen_id != user.pk
        and case.is_published,
        "request": request,
    }
