"""Writes of reply quality: store a reply's scores; score again replies already stored.

Scores are derived data: storing them writes no audit row of its own (the draft's audit row
carries the overall score and the flag, see `services.handling.case_draft_reply`) and sends no
event. A scorer failure never blocks a reply: it is logged and the reply stays unscored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ..insights import rollups
from ..models import Reply
from . import scoring

if TYPE_CHECKING:
    from classifier.reply_quality import ReplyScore

    from ..models import Case

logger = logging.getLogger(__name__)

QUALITY_FIELDS = [
    "quality_relevance",
    "quality_completeness",
    "quality_interpretability",
    "quality_timeliness",
    "quality_overall",
    "quality_weak",
    "quality_detail",
    "quality_version",
    "quality_scored_at",
]


def _apply(reply: Reply, score: ReplyScore, days: tuple[float, float] | None) -> None:
    reply.quality_relevance = score.relevance
    reply.quality_completeness = score.completeness
    reply.quality_interpretability = score.interpretability
    reply.quality_timeliness = score.timeliness
    reply.quality_overall = score.overall
    reply.quality_weak = score.weak
    reply.quality_detail = {
        "reasons": [r.as_dict() for r in score.reasons],
        "weak_by": list(score.weak_by),
        # The clock when the reply was drafted, so that a later rescore keeps its timeliness.
        "days_used": days[0] if days else None,
        "days_allowed": days[1] if days else None,
    }
    reply.quality_version = score.version
    reply.quality_scored_at = timezone.now()


def reply_quality_store(*, reply: Reply, case: Case) -> ReplyScore | None:
    """Score `reply` (just drafted for `case`, whose row the caller's transaction holds locked)
    and save the scores on it. Returns the score, or None if the scorer failed (logged)."""
    try:
        days = scoring.clock_days(case, stage_no=reply.stage_no, at=reply.created_at)
        score = scoring.score_case_reply(case=case, body=reply.body, days=days)
    except Exception:
        logger.exception("reply quality: could not score reply %s", reply.pk)
        return None
    _apply(reply, score, days)
    reply.save(update_fields=QUALITY_FIELDS)
    return score


def _stored_days(reply: Reply) -> tuple[float, float] | None:
    detail = reply.quality_detail or {}
    used, allowed = detail.get("days_used"), detail.get("days_allowed")
    if used is None or allowed is None:
        return None
    return float(used), float(allowed)


@transaction.atomic
def replies_rescore(
    *, reply_ids: Iterable[int] | None = None, only_missing: bool = False, chunk: int = 200
) -> int:
    """Score stored replies again: after the formula or its parameters changed, for replies
    written before scoring existed (`only_missing`), or after their dates moved (the demo
    seeding). `reply_ids`: those only (default: all). The clock is read at each reply's
    creation; for a reply of an earlier stage (the case's clock has since restarted) the days
    stored at its first scoring are kept. Returns the number of replies scored."""
    rows = Reply.objects.select_related("case").order_by("pk")
    if reply_ids is not None:
        rows = rows.filter(pk__in=list(reply_ids))
    if only_missing:
        rows = rows.filter(quality_scored_at__isnull=True)
    done = 0
    batch: list[Reply] = []
    case_ids: set[int] = set()
    for reply in rows.iterator(chunk_size=chunk):
        case_ids.add(reply.case_id)
        days = scoring.clock_days(reply.case, stage_no=reply.stage_no, at=reply.created_at)
        if days is None:
            days = _stored_days(reply)
        _apply(reply, scoring.score_case_reply(case=reply.case, body=reply.body, days=days), days)
        batch.append(reply)
        if len(batch) >= chunk:
            Reply.objects.bulk_update(batch, QUALITY_FIELDS)
            done += len(batch)
            batch = []
    if batch:
        Reply.objects.bulk_update(batch, QUALITY_FIELDS)
        done += len(batch)
    # No audit row tells the roll-ups that scores changed: recompute their days now.
    rollups.recompute_cases(case_ids)
    return done
