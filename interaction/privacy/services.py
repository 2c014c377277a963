"""Writes of the privacy sub-domain: masking rules and the public search text."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from backend.accounts.models import Role, User

from ..errors import NotAllowed, ValidationFailed
from ..models import Case
from ..permissions import sees_private_details
from ..workflow import record_event
from .listing import bump_list_version
from .models import MaskingRule, PublishedCaseText, check_rule
from .selectors import build_search_text, masked_case_text

# Who may hide text from every published case.
GLOBAL_RULE_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})


def _may_add(actor: User, case: Case | None) -> bool:
    if not actor.is_authenticated or not actor.is_active:
        return False
    if case is None:
        return actor.is_superuser or actor.role in GLOBAL_RULE_ROLES
    # A per-case rule: the platform staff, or a handler of the case.
    return actor.role != Role.CITIZEN and sees_private_details(actor, case)


@transaction.atomic
def masking_rule_add(
    *,
    actor: User,
    value: str,
    kind: str = MaskingRule.Kind.TEXT,
    case_id: int | None = None,
    note: str = "",
) -> MaskingRule:
    """Add a masking rule, for one case (`case_id`) or every case. Staff only (a department's
    handlers for their own cases). Raises NotAllowed or ValidationFailed. Leaves an internal
    audit row on the case, and re-indexes the public search text of what it applies to."""
    case = Case.objects.filter(pk=case_id).first() if case_id is not None else None
    if case_id is not None and case is None:
        raise NotAllowed()
    if not _may_add(actor, case):
        raise NotAllowed()
    try:
        check_rule(kind, value)
    except ValidationError as exc:
        raise ValidationFailed(exc.message_dict) from exc
    rule = MaskingRule.objects.create(
        case=case, kind=kind, value=value, note=note.strip()[:200], created_by=actor
    )
    if case is not None:
        record_event(
            case,
            action="masking_rule_added",
            actor=actor,
            data={"rule_id": rule.pk, "kind": kind},
            is_public=False,
        )
        published_text_refresh(case=case)
    else:
        reindex_published()
    return rule


def published_text_refresh(*, case: Case) -> PublishedCaseText | None:
    """(Re)write the public search row of `case` from its masked text and its public
    attributes (see PublishedCaseText); drop it if the case is not published."""
    # The public list's cached pages are dropped once this is committed (privacy.listing).
    transaction.on_commit(bump_list_version)
    if not case.is_published:
        PublishedCaseText.objects.filter(case_id=case.pk).delete()
        return None
    text = masked_case_text(case, events=[])
    category = case.category
    row, _created = PublishedCaseText.objects.update_or_create(
        case_id=case.pk,
        defaults={
            "search_text": build_search_text(text.subject, text.body, text.reply),
            "subject": text.subject[:100],
            "tracking_no": case.tracking_no,
            "replied_at": case.replied_at,
            "category_id": case.category_id,
            "top_category_id": (category.parent_id or category.pk) if category else None,
            "department_id": case.lead_department_id,
            "district_id": case.district_id,
        },
    )
    return row


def reindex_published() -> int:
    """Rewrite the search text of every published case; returns how many were indexed."""
    count = 0
    published = Case.objects.filter(is_published=True).select_related("citizen", "category")
    for case in published.prefetch_related("replies").iterator(chunk_size=500):
        published_text_refresh(case=case)
        count += 1
    PublishedCaseText.objects.filter(case__is_published=False).delete()
    return count
