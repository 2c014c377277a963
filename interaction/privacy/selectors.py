"""Reads of what the public may see: masked text, and the search over published cases."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from backend.organisation.models import Category
from backend.refcache import cached

from ..models import Case, CaseEvent, Reply
from .masking import Rule, mask
from .models import MaskingRule, PublishedCaseText

# --- masking --------------------------------------------------------------------------------


def citizen_names(case: Case) -> list[str]:
    """Every name by which the citizen of `case` may appear in the text."""
    names = [case.contact_name]
    if case.citizen_id is not None and case.citizen is not None:
        names += [case.citizen.display_name, case.citizen.get_full_name()]
    return [n for n in names if n and n.strip()]


def _compile(rows: Iterable[MaskingRule]) -> list[Rule]:
    rules = []
    for row in rows:
        try:
            rules.append(Rule(row.value, is_regex=row.kind == MaskingRule.Kind.PATTERN))
        except re.error:
            continue  # checked when saved; an old broken rule must not break the page
    return rules


def rules_for(case_ids: Iterable[int]) -> dict[int | None, list[Rule]]:
    """Active rules, by case id; global rules under None. One query."""
    ids = list(case_ids)
    rows = MaskingRule.objects.filter(active=True).filter(Q(case__isnull=True) | Q(case_id__in=ids))
    grouped: dict[int | None, list[MaskingRule]] = defaultdict(list)
    for row in rows:
        grouped[row.case_id].append(row)
    return {key: _compile(value) for key, value in grouped.items()}


def masker(case: Case, rules: dict[int | None, list[Rule]] | None = None) -> Callable[[str], str]:
    """A function masking text of `case` (its citizen's names, global and its own rules)."""
    if rules is None:
        rules = rules_for([case.pk])
    extra = [*rules.get(None, []), *rules.get(case.pk, [])]
    names = tuple(citizen_names(case))
    return lambda text: mask(text or "", names=names, extra_rules=extra)


@dataclass(frozen=True)
class MaskedText:
    """The public text of a case. `reply`: the published reply's body ('' when none);
    `reasons`: masked reason of each public timeline event, by event id."""

    subject: str
    body: str
    reply: str
    closure_reason: str
    reasons: dict[int, str] = field(default_factory=dict)
    replies: dict[int, str] = field(default_factory=dict)


def masked_case_text(case: Case, *, events: Iterable[CaseEvent] | None = None) -> MaskedText:
    """Subject, message, published replies and public timeline reasons of `case`, masked."""
    hide = masker(case)
    published = [
        r for r in case.replies.all() if r.state == Reply.State.PUBLISHED
    ]  # prefetched by case_detail
    published.sort(key=lambda r: (r.published_at or r.created_at, r.pk))
    if events is None:
        events = case.events.filter(is_public=True)
    return MaskedText(
        subject=hide(case.subject),
        body=hide(case.body),
        reply=hide(published[-1].body) if published else "",
        closure_reason=hide(case.closure_reason),
        reasons={e.pk: hide(e.reason) for e in events if e.reason},
        replies={r.pk: hide(r.body) for r in published},
    )


class ListMasker:
    """Masks text of many cases (a page of a list) with two queries: the rules and the
    citizens' names."""

    def __init__(self, cases: Iterable[Case]) -> None:
        from backend.accounts.models import User

        rows = list(cases or [])
        self.ids = {c.pk for c in rows}
        self.rules = rules_for(self.ids)
        citizen_ids = {c.citizen_id for c in rows if c.citizen_id is not None}
        self.names: dict[int, list[str]] = {
            pk: [display, f"{first} {last}".strip()]
            for pk, display, first, last in User.objects.filter(pk__in=citizen_ids).values_list(
                "pk", "display_name", "first_name", "last_name"
            )
        }

    def __call__(self, case: Case, text: str) -> str:
        if case.pk not in self.ids:
            return masker(case)(text)  # not on the page it was built for: its own queries
        names = [case.contact_name, *self.names.get(case.citizen_id or 0, [])]
        extra = [*self.rules.get(None, []), *self.rules.get(case.pk, [])]
        return mask(text or "", names=tuple(n for n in names if n), extra_rules=extra)


def masked_subjects(cases: Iterable[Case]) -> dict[int, str]:
    """Masked subject of each case of a list, by case id (two queries)."""
    rows = list(cases)
    hide = ListMasker(rows)
    return {c.pk: hide(c, c.subject) for c in rows}


# --- public search --------------------------------------------------------------------------

_WORD = re.compile(r"^\w+$")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")


def search_tokens(text: str) -> list[str]:
    """jieba tokens of `text` usable in a search: words only (punctuation and the tokenizer's
    number shapes such as <n11> are dropped)."""
    from classifier.tokenizer import tokenize

    return [t for t in tokenize(text) if _WORD.match(t)]


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def build_search_text(*parts: str) -> str:
    """The indexed terms of a text: its jieba tokens, plus the character bigrams of its Chinese
    runs (jieba may cut 花园路路灯 as 花园路/路/灯 while the query 路灯 is one token: the
    bigrams find it anyway). Space-joined, deduplicated, a space at both ends."""
    text = " ".join(p for p in parts if p)
    terms = search_tokens(text)
    for run in _CJK_RUN.findall(text):
        terms += _bigrams(run)
    unique = list(dict.fromkeys(t.lower() for t in terms))
    return f" {' '.join(unique)} " if unique else ""


def query_words(query: str) -> list[str]:
    """The words of a query: its jieba tokens, except that Chinese characters jieba leaves
    standing alone side by side in the text (a name or phrase it does not know: 排得 → 排/得)
    are one word again. Searched as two one-character prefixes, they would match nearly every
    text (得 starts thousands of terms); as a word they are the bigram the index holds."""
    words: list[str] = []
    for part in query.split():
        cursor = 0
        run, run_end = "", -1  # single characters side by side so far, and where they end
        for token in search_tokens(part):
            at = part.find(token, cursor)
            if at >= 0:
                cursor = at + len(token)
            if len(token) == 1 and _CJK.match(token) and at >= 0:
                if run and at == run_end:
                    run, run_end = run + token, at + 1
                    continue
                if run:
                    words.append(run)
                run, run_end = token, at + 1
                continue
            if run:
                words.append(run)
                run, run_end = "", -1
            words.append(token)
        if run:
            words.append(run)
    return words


def query_groups(query: str) -> list[list[tuple[str, bool]]]:
    """The terms of each word of a query (`query_words`), as (term, is_prefix): a Chinese word
    of two characters or more becomes its bigrams (matched exactly), any other word matches the
    start of a term."""
    groups: list[list[tuple[str, bool]]] = []
    for token in query_words(query)[:10]:
        token = token.lower()
        if _CJK.match(token) and len(token) >= 2:
            groups.append([(b, False) for b in _bigrams(token)])
        else:
            groups.append([(token, True)])
    return groups


def query_terms(query: str) -> list[tuple[str, bool]]:
    """What a query must match: every term of every word (`query_groups`), once."""
    return list(dict.fromkeys(t for group in query_groups(query) for t in group))


@dataclass(frozen=True)
class PublicFilters:
    category_id: int | None = None
    department_id: int | None = None
    district_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def tsquery(terms: list[tuple[str, bool]]) -> str:
    """The raw tsquery of the terms, every one required. Terms are \\w+ only (search_tokens), so
    they are safe inside a raw tsquery."""
    return " & ".join(f"{t}:*" if prefix else t for t, prefix in terms)


def top_categories() -> frozenset[int]:
    """Ids of the top-level categories (reference-data cache)."""
    return cached(
        "public_top_categories",
        lambda: frozenset(
            Category.objects.filter(parent__isnull=True).values_list("pk", flat=True)
        ),
    )


def search_published(
    query: str = "", filters: PublicFilters | None = None, *, by_index: bool = True
) -> QuerySet[PublishedCaseText]:
    """The search rows of the published cases matching every word of `query` (jieba tokens,
    see `query_terms`) and the filters, newest reply first.

    Only the search row is read (it exists only while its case is published and carries the
    masked subject and the public attributes): each filter has its own index ordered by
    publication time. PostgreSQL matches the words with the stored tsvector and its GIN index;
    elsewhere one `icontains` per term on the same tokenised text.

    `by_index=False` (PostgreSQL): the words are checked on each row instead of through the GIN
    index — for words so common that walking the rows newest first finds a page sooner than
    collecting every match (`privacy.listing` decides)."""
    rows = PublishedCaseText.objects.order_by("-replied_at", "-case_id")
    f = filters or PublicFilters()
    if f.category_id:
        # A top-level category holds its sub-categories: their rows carry it as top_category.
        if f.category_id in top_categories():
            rows = rows.filter(top_category_id=f.category_id)
        else:
            rows = rows.filter(category_id=f.category_id)
    if f.department_id:
        rows = rows.filter(department_id=f.department_id)
    if f.district_id:
        rows = rows.filter(district_id=f.district_id)
    # Whole days in Beijing time, as ranges on the indexed column (never a cast per row).
    if f.date_from:
        rows = rows.filter(replied_at__gte=_day_start(f.date_from))
    if f.date_to:
        rows = rows.filter(replied_at__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    terms = query_terms(query or "")
    if not terms:
        return rows
    if connection.vendor == "postgresql":
        # The function form of @@ is not served by the index and has no selectivity estimate
        # (PostgreSQL assumes a third of the rows), so the planner walks the rows in order.
        sql = (
            '"interaction_publishedcasetext"."search_vector" @@ to_tsquery(\'simple\', %s)'
            if by_index
            else 'ts_match_vq("interaction_publishedcasetext"."search_vector", '
            "to_tsquery('simple', %s))"
        )
        # Only the two fixed expressions above are SQL; the words go as a parameter.
        match = RawSQL(sql, [tsquery(terms)], output_field=BooleanField())  # noqa: S611
        return rows.filter(match)
    for term, prefix in terms:
        rows = rows.filter(search_text__icontains=f" {term}" if prefix else f" {term} ")
    return rows
