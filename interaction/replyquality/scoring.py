"""The door between the mailbox and `classifier.reply_quality`: parameters, scorer, reasons.

The scorer (its IDF table, the tokenizer) is built on the first score in a process, not at import.
Parameters come from the settings `WENZHENG_REPLY_QUALITY_WEIGHTS` and
`WENZHENG_REPLY_QUALITY_WEAK` ("name=value,…", see `backend/settings/base.py`); a bad value
raises ImproperlyConfigured on first use.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from ..deadlines import working_time

if TYPE_CHECKING:
    from classifier.reply_quality import Params, ReplyScore, ReplyScorer

    from ..models import Case

_lock = threading.Lock()
_configured: dict[str, Any] = {}

SCORE_LABELS = {
    "relevance": _("Relevance"),
    "completeness": _("Completeness"),
    "interpretability": _("Policy basis"),
    "timeliness": _("Timeliness"),
    "overall": _("Overall"),
}


def params() -> Params:
    """The scoring parameters: the defaults overridden by the settings."""
    from classifier.reply_quality import Params, parse_pairs

    weights_text = str(getattr(settings, "WENZHENG_REPLY_QUALITY_WEIGHTS", "") or "")
    weak_text = str(getattr(settings, "WENZHENG_REPLY_QUALITY_WEAK", "") or "")
    try:
        return Params().with_overrides(
            weights=parse_pairs(weights_text), weak=parse_pairs(weak_text)
        )
    except ValueError as exc:
        raise ImproperlyConfigured(f"WENZHENG_REPLY_QUALITY_*: {exc}") from exc


def scorer() -> ReplyScorer:
    """The scorer for the current parameters, with the tokenizer's project dictionaries."""
    from classifier import tokenizer
    from classifier.reply_quality import default_scorer

    with _lock:
        wanted = [Path(p) for p in settings.CLASSIFIER_USER_DICTS]
        if tokenizer.user_dict_paths() != wanted:
            tokenizer.configure(wanted)
    return default_scorer(params())


def clock_days(case: Case, *, stage_no: int, at: dt.datetime) -> tuple[float, float] | None:
    """(working days used, working days allowed) on the case's reply clock at `at`: pauses for
    the citizen excluded, granted extensions in the limit. None when the clock is not running
    or the reply belongs to an earlier stage (the clock has been restarted since)."""
    if stage_no != case.stage_no:
        return None
    progress = working_time(case, now=at)
    if progress is None or progress.total_days <= 0:
        return None
    return progress.used_days, float(progress.total_days)


def score_case_reply(*, case: Case, body: str, days: tuple[float, float] | None) -> ReplyScore:
    """Score `body` as the reply to `case`; `days` (used, allowed) for timeliness, or None to
    leave timeliness out of the overall score."""
    used, allowed = days if days is not None else (None, None)
    return scorer().score(
        subject=case.subject, body=case.body, reply=body, days_used=used, days_allowed=allowed
    )


# --- the reasons, in the reader's language -------------------------------------------------------

REASON_TEXTS = {
    "low_relevance": _("The reply hardly touches what the message is about."),
    "points_missed": _("Points of the message the reply does not address:"),
    "no_action": _("It does not say what was done (investigated, verified, handled …)."),
    "no_next_step": _("It does not say what happens next."),
    "no_contact": _("It gives no contact (telephone, office or person)."),
    "no_policy": _("It cites no policy or regulation."),
    "policy_unnamed": _(
        "It refers to rules but names no document (title, article or document number)."
    ),
    "late": _("Drafted after the time limit."),
}


def reason_text(reason: dict[str, Any]) -> str:
    """One reason (a dict stored on the reply) as a sentence for the reader."""
    code = str(reason.get("code", ""))
    if code == "low_relevance" and reason.get("missing_terms"):
        return str(
            _("The reply hardly touches what the message is about (not mentioned: %(terms)s).")
            % {"terms": "、".join(str(t) for t in reason["missing_terms"])}
        )
    if code == "points_missed" and reason.get("points"):
        return str(
            _("%(missed)d of %(total)d points of the message are not addressed: %(points)s")
            % {
                "missed": int(reason.get("missed", len(reason["points"]))),
                "total": int(reason.get("total", len(reason["points"]))),
                "points": "；".join(f"“{p}”" for p in reason["points"]),
            }
        )
    if code == "late" and reason.get("days_allowed"):
        return str(
            _("Drafted after %(used)s working days, beyond the limit of %(allowed)s.")
            % {
                "used": _number(reason.get("days_used", 0)),
                "allowed": _number(reason["days_allowed"]),
            }
        )
    text = REASON_TEXTS.get(code)
    return str(text) if text is not None else code


def _number(value: Any) -> str:
    number = float(value)
    return f"{number:.0f}" if number == int(number) else f"{number:.1f}"


WEAK_BY_TEXTS = {
    "overall": _("overall score"),
    "relevance": _("relevance"),
    "completeness": _("completeness"),
    "interpretability": _("policy basis"),
    "timeliness": _("timeliness"),
}
