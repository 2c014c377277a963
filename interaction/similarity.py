"""Similar cases (selectors): published answers for a citizen who is writing, and likely
duplicates of a case for the dispatcher who triages it.

Texts (subject + body) are compared by the cosine of TF-IDF vectors (sublinear tf, smooth idf)
over the classifier's tokens (`classifier.tokenizer.tokenize`) of two characters or more. Tuned
on the demo city: the messages merged as duplicates score 0.93 or more against their original, a
rephrased message about the same place and problem 0.6-0.7, messages about the same kind of
problem elsewhere 0.25-0.6 (the demo's templated messages up to 0.8: the dispatcher sees the
score), unrelated messages below 0.15. Weighting the subject apart was tried and dropped: it
buried rephrased duplicates whose subject used other words.

Bounded work per call: the candidate pool is at most `POOL_SIZE` cases (the most recent
published ones, or the cases of the last `DUPLICATE_DAYS` days). Tokens are cached per case,
keyed by (`pk`, `created_at`): a message's text never changes after intake, and the creation time
tells a reused primary key apart. A pool's index is rebuilt only when its members change (a case
written, published, merged, closed as invalid or aged out), so a call costs one small query (ids
and creation times), tokenising the query text, a sparse dot product, and one query for the
results. Nothing is loaded at import time.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from .models import Case, Reply
from .states import Status

__all__ = [
    "DUPLICATE_DAYS",
    "DUPLICATE_MIN_SCORE",
    "LIMIT",
    "SIMILAR_MIN_SCORE",
    "SimilarCase",
    "likely_duplicates",
    "published_replies",
    "similar_published",
]

LIMIT = 5
POOL_SIZE = 2000
DUPLICATE_DAYS = 30
# Minimum scores, tuned on the demo city: "similar" finds answers to the same kind of problem;
# "duplicate" aims at the same problem at the same place (rephrased, or sent again), and lets
# through some messages about the same problem elsewhere: the dispatcher sees the score.
SIMILAR_MIN_SCORE = 0.25
DUPLICATE_MIN_SCORE = 0.55
# The query text is cut to this many characters (the classifier's limit).
MAX_QUERY_CHARS = 5000
# Single characters (的, 了, 我) are mostly function words: only tokens of 2+ characters count.
MIN_TOKEN_CHARS = 2
_TOKEN_CACHE_SIZE = 20_000

_EXCLUDED_DUPLICATE_STATUSES = (Status.MERGED, Status.INVALID)


@dataclass(frozen=True)
class SimilarCase:
    case: Case
    score: float


# --- text → token counts -----------------------------------------------------------------------


def _counts(text: str) -> Counter[str]:
    from classifier.tokenizer import tokenize  # lazy: the engine loads on first use

    return Counter(t for t in tokenize(text) if len(t) >= MIN_TOKEN_CHARS and not t.isspace())


def _bag(subject: str, body: str) -> Counter[str]:
    """Token counts of a message (subject and body, cut to MAX_QUERY_CHARS)."""
    return _counts(f"{subject}\n{body}"[:MAX_QUERY_CHARS])


# A case's tokens: (pk, created_at, masking stamp; 0 for the raw text).
_Key = tuple[int, dt.datetime, int]


class _TokenCache:
    """Token counts per case, bounded (least recently used dropped first)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[_Key, Counter[str]] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys: Iterable[_Key]) -> dict[int, Counter[str]]:
        found: dict[int, Counter[str]] = {}
        with self._lock:
            for key in keys:
                bag = self._items.get(key)
                if bag is not None:
                    self._items.move_to_end(key)
                    found[key[0]] = bag
        return found

    def put(self, key: _Key, bag: Counter[str]) -> None:
        with self._lock:
            self._items[key] = bag
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_tokens = _TokenCache(_TOKEN_CACHE_SIZE)


# --- the index of a pool -----------------------------------------------------------------------


@dataclass
class _Index:
    """TF-IDF vectors (sublinear tf, smooth idf, L2-normalised) of a pool, as postings."""

    signature: object
    ids: list[int]
    n_docs: int
    idf: dict[str, float] = field(default_factory=dict)
    postings: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    @classmethod
    def build(cls, signature: object, ids: list[int], docs: dict[int, Counter[str]]) -> _Index:
        index = cls(signature=signature, ids=ids, n_docs=len(ids))
        df: Counter[str] = Counter()
        for pk in ids:
            df.update(docs[pk].keys())
        index.idf = {t: math.log((1 + index.n_docs) / (1 + d)) + 1 for t, d in df.items()}
        for position, pk in enumerate(ids):
            for token, weight in index.weights(docs[pk]).items():
                index.postings.setdefault(token, []).append((position, weight))
        return index

    def weights(self, counts: Counter[str]) -> dict[str, float]:
        unseen = math.log(1 + self.n_docs) + 1  # a token no candidate has: the rarest there is
        raw = {t: (1 + math.log(n)) * self.idf.get(t, unseen) for t, n in counts.items() if n > 0}
        norm = math.sqrt(sum(w * w for w in raw.values()))
        return {t: w / norm for t, w in raw.items()} if norm else {}

    def search(self, counts: Counter[str]) -> list[tuple[int, float]]:
        """(case id, cosine) of every candidate sharing a token with `counts`, best first."""
        totals: dict[int, float] = {}
        for token, weight in self.weights(counts).items():
            for position, doc_weight in self.postings.get(token, ()):
                totals[position] = totals.get(position, 0.0) + weight * doc_weight
        ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)
        return [(self.ids[position], score) for position, score in ranked]


_indexes: dict[str, _Index] = {}
_index_lock = threading.Lock()


def _masking_stamp() -> int:
    """Changes whenever the active masking rules change (one query on a small table)."""
    from .privacy.models import MaskingRule

    rules = MaskingRule.objects.filter(active=True).order_by("pk")
    return hash(tuple(rules.values_list("pk", "kind", "value", "case_id"))) or 1


def _index(name: str, pool: QuerySet[Case], *, masked: bool = False) -> _Index:
    """The index of `pool` (at most POOL_SIZE cases), rebuilt when its members change.

    `masked`: index the text the public sees (privacy masking applied), so that a search for a
    name or a number the masking hides finds nothing; rebuilt when the masking rules change.
    """
    stamp = _masking_stamp() if masked else 0
    rows = tuple(pool.values_list("pk", "created_at")[:POOL_SIZE])
    signature = (stamp, rows)
    current = _indexes.get(name)
    if current is not None and current.signature == signature:
        return current
    keys = {pk: (pk, created, stamp) for pk, created in rows}
    bags = _tokens.get_many(keys.values())
    missing = [pk for pk in keys if pk not in bags]
    if missing:
        cases = list(
            Case.objects.filter(pk__in=missing).only(
                "pk", "subject", "body", "contact_name", "citizen_id"
            )
        )
        hide = _public_text(cases) if masked else None
        for case in cases:
            subject, body = case.subject, case.body
            if hide is not None:
                subject, body = hide(case, subject), hide(case, body)
            bag = _bag(subject, body)
            _tokens.put(keys[case.pk], bag)
            bags[case.pk] = bag
    index = _Index.build(signature, [pk for pk in keys if pk in bags], bags)
    with _index_lock:
        _indexes[name] = index
    return index


def _public_text(cases: list[Case]) -> Callable[[Case, str], str]:
    from .privacy.selectors import ListMasker

    return ListMasker(cases)


def reset() -> None:
    """Forget cached tokens and indexes (tests; never needed in service)."""
    _tokens.clear()
    with _index_lock:
        _indexes.clear()


# --- the selectors -------------------------------------------------------------------------------


def _rank(
    index: _Index, bag: Counter[str], *, min_score: float, limit: int, exclude: int | None = None
) -> list[tuple[int, float]]:
    hits = [(pk, score) for pk, score in index.search(bag) if score >= min_score and pk != exclude]
    return hits[: max(0, limit)]


def _cases(hits: list[tuple[int, float]], qs: QuerySet[Case]) -> list[SimilarCase]:
    """The hit cases, re-read through `qs` (its filters are checked again), best first."""
    by_pk = {c.pk: c for c in qs.filter(pk__in=[pk for pk, _score in hits])}
    return [SimilarCase(case=by_pk[pk], score=round(score, 3)) for pk, score in hits if pk in by_pk]


def similar_published(
    subject: str,
    body: str,
    *,
    limit: int = LIMIT,
    min_score: float = SIMILAR_MIN_SCORE,
) -> list[SimilarCase]:
    """Published cases whose message resembles `subject` + `body`, best first (at most `limit`).

    Only published cases are ever candidates, and the results are read again with
    `is_published=True`: a case the public may not open is never suggested. The published text is
    compared as the public sees it (masked): what the masking hides cannot be searched for.
    """
    bag = _bag(subject, body)
    if not bag:
        return []
    pool = Case.objects.filter(is_published=True).order_by("-replied_at", "-pk")
    hits = _rank(_index("published", pool, masked=True), bag, min_score=min_score, limit=limit)
    return _cases(hits, Case.objects.filter(is_published=True).select_related("category"))


def likely_duplicates(
    case: Case,
    *,
    limit: int = LIMIT,
    min_score: float = DUPLICATE_MIN_SCORE,
    days: int = DUPLICATE_DAYS,
    now: dt.datetime | None = None,
) -> list[SimilarCase]:
    """Cases of the last `days` days that are probably the same message as `case`, best first.

    Leaves out `case` itself and cases already merged or closed as invalid. For dispatchers
    (who may open every case): the results are not filtered by visibility.
    """
    bag = _bag(case.subject, case.body)
    if not bag:
        return []
    since = (now or timezone.now()) - dt.timedelta(days=days)
    recent = Case.objects.filter(created_at__gte=since).exclude(
        status__in=_EXCLUDED_DUPLICATE_STATUSES
    )
    hits = _rank(
        _index("recent", recent.order_by("-created_at", "-pk")),
        bag,
        min_score=min_score,
        limit=limit,
        exclude=case.pk,
    )
    return _cases(hits, recent.select_related("category", "lead_department"))


def published_replies(cases: Iterable[Case]) -> dict[int, Reply]:
    """The latest published reply of each case (one query), by case id."""
    rows = Reply.objects.filter(
        case__in=list(cases), case__is_published=True, state=Reply.State.PUBLISHED
    ).order_by("published_at", "pk")
    return {reply.case_id: reply for reply in rows}
