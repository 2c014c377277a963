"""The grouping engine: messages about the same problem at the same place, grouped as they come.

A message joins the group it resembles most, if the resemblance reaches `threshold`; otherwise
it starts a group of its own (key: the message's id). When a message resembles two groups or
more by at least `merge_threshold`, it bridges them: they are merged into the oldest (smallest
key; a pinned group — confirmed by a person — is never merged away). A message never moves
otherwise. The result depends only on the messages and the order they were added in, so adding
messages one by one (`add`) and regrouping them all (`regroup`) give the same groups (a test
proves it).

Resemblance of a message m and a group g:

    score(m, g) = cos(m, g) + place_bonus    if m and g name a common fine place
                  cos(m, g) − place_penalty  if both name fine places, none in common
                  cos(m, g)                  otherwise

- cos: cosine of TF-IDF vectors: m's words (sublinear tf, L2-normalised, the `max_terms`
  strongest, subject words counted twice, words of its place names left out: they count
  through the place term) against the sum of its members' vectors (the centroid), weighted by
  the inverse document frequency over every message added so far (refreshed whenever the count
  of messages has grown by `idf_refresh`, so a replay of the same messages has the same weights).
- places (`places`): estates, roads, villages, schools, companies … are fine; districts and
  streets coarse (shown, never decisive). The penalty (1.0 by default) is a veto: two messages
  that name different estates are two problems, however alike their words.
- time: a group takes messages only within `window_days` of its latest message.

Defaults, tuned on `bench/grouping_devset.csv` (our own check set of the real data) and scored
on `bench/hot_issue_labels.csv` (`bench/README.md`, "Grouping benchmark", says which were
changed after seeing those scores): threshold 0.35, merge 0.5, bonus 0.25, 20 words, 365 days.

Sub-linear assignment: an inverted index from words and place-name bigrams to the groups that
contain them. A new message looks up only its `query_words` rarest words (each in at most
`max_df_ratio` of the messages; posting lists longer than `max_postings` are skipped: such
words tell nothing apart) and its places' bigrams, ranks the groups found by a partial dot
product, and scores exactly only the best `max_candidates` (and their places only when the bonus
could lift them over the threshold). Groups more than twice the window old leave the index
(`retired` keeps their summary).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from .places import MATCH_DICE, Gazetteer, Place, bigrams, extract_places, places_match
from .text import content_words, term_weights

__all__ = [
    "Assignment",
    "Features",
    "GroupSummary",
    "GroupingEngine",
    "GroupingParams",
    "Message",
    "regroup",
]

DAY = 86_400.0


@dataclass(frozen=True)
class GroupingParams:
    """The knobs of the engine (defaults tuned as `bench/README.md` says)."""

    threshold: float = 0.35
    window_days: float = 365.0
    place_bonus: float = 0.25
    place_penalty: float = 1.0
    max_terms: int = 20
    query_words: int = 12
    max_df_ratio: float = 0.05
    max_candidates: int = 30
    max_postings: int = 300
    idf_refresh: float = 1.05
    merge_threshold: float = 0.5

    def with_changes(self, **changes: float) -> GroupingParams:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Message:
    """A message to group. `at`: when it was written; `places`: places known from structured
    fields (district, street, address), besides those found in the text."""

    id: int
    subject: str
    body: str
    at: dt.datetime
    places: tuple[str, ...] = ()


@dataclass(frozen=True)
class Features:
    """What the engine keeps of a message (its text is not kept)."""

    id: int
    at: float
    counts: Counter[str]
    places: tuple[Place, ...]

    @property
    def fine_cores(self) -> list[str]:
        return [p.core for p in self.places if p.fine]


@dataclass(frozen=True)
class Assignment:
    message_id: int
    group_key: int
    score: float  # resemblance to the group it joined; 1.0 for the first message of a group
    created: bool  # the message started a new group
    merged: tuple[int, ...] = ()  # groups the message bridged, merged into `group_key`


@dataclass
class _Member:
    id: int
    at: float
    weights: dict[str, float]


@dataclass
class _Group:
    key: int
    first_at: float
    last_at: float
    members: list[_Member] = field(default_factory=list)
    sums: dict[str, float] = field(default_factory=dict)
    places: Counter[str] = field(default_factory=Counter)
    place_names: dict[str, str] = field(default_factory=dict)
    gram_cores: dict[str, set[str]] = field(default_factory=dict)
    coarse: Counter[str] = field(default_factory=Counter)
    norm_epoch: int = -1
    norm_sq: float = 0.0


@dataclass(frozen=True)
class GroupSummary:
    """For people: the group's main place, district, strongest words, most typical member."""

    key: int
    size: int
    place: str
    district: str
    terms: tuple[str, ...]
    representative_id: int
    first_at: dt.datetime
    last_at: dt.datetime


def _timestamp(moment: dt.datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


class GroupingEngine:
    """Incremental grouping with an inverted index. Not thread-safe: one writer."""

    def __init__(
        self, params: GroupingParams | None = None, *, gazetteer: Gazetteer | None = None
    ) -> None:
        self.params = params or GroupingParams()
        self.gazetteer = gazetteer
        self.groups: dict[int, _Group] = {}
        self.group_of: dict[int, int] = {}
        self.df: Counter[str] = Counter()
        self.n_docs = 0
        self._idf_df: dict[str, int] = {}
        self._idf_n = 0
        self._idf_cache: dict[str, float] = {}
        self._epoch = 0
        self._word_index: dict[str, set[int]] = {}
        self._place_index: dict[str, set[int]] = {}
        self._latest = -math.inf
        self._pruned_at = -math.inf
        # Groups a person confirmed: never merged into another group.
        self.pinned: set[int] = set()
        # The members of the live groups, by message id.
        self._member: dict[int, _Member] = {}
        # Summaries of groups (of two messages or more) that left the index, by key.
        self.retired: dict[int, GroupSummary] = {}

    # --- features -------------------------------------------------------------------------

    def featurize(self, message: Message) -> Features:
        """Words and places of a message (the slow part: tokenisation)."""
        from classifier.tokenizer import normalize

        text = normalize(f"{message.subject}\n{message.body}")
        places = tuple(extract_places(text, gazetteer=self.gazetteer, known=message.places))
        # The words of the place names are left out: places count through the place term, and
        # the words say what the problem is (otherwise two problems at one estate look alike).
        names = "\x00".join(p.name for p in places)
        counts = Counter(
            {
                w: n
                for w, n in content_words(message.subject, message.body).items()
                if w not in names
            }
        )
        return Features(id=message.id, at=_timestamp(message.at), counts=counts, places=places)

    # --- idf --------------------------------------------------------------------------------

    def _count(self, features: Features) -> None:
        self.n_docs += 1
        self.df.update(features.counts.keys())
        if self.n_docs >= max(self._idf_n * self.params.idf_refresh, self._idf_n + 1):
            self._idf_df = dict(self.df)
            self._idf_n = self.n_docs
            self._idf_cache = {}
            self._epoch += 1

    def idf(self, word: str) -> float:
        value = self._idf_cache.get(word)
        if value is None:
            value = math.log((1 + self._idf_n) / (1 + self._idf_df.get(word, 0))) + 1.0
            self._idf_cache[word] = value
        return value

    # --- adding -------------------------------------------------------------------------------

    def add(self, message: Message | Features) -> Assignment:
        """Put one message in the group it resembles most, or in a new group."""
        features = message if isinstance(message, Features) else self.featurize(message)
        if features.id in self.group_of:
            return Assignment(features.id, self.group_of[features.id], 0.0, False)
        self._count(features)
        self._maybe_prune(features.at)
        weights = self._weights(features)
        scores = [(s, k) for k, s in self._scores(features, weights) if s >= self.params.threshold]
        if not scores:
            self._join(features, weights, features.id)
            return Assignment(features.id, features.id, 1.0, True)
        best_score, best_key = max(scores, key=lambda item: (item[0], -item[1]))
        bridged = sorted(k for s, k in scores if s >= self.params.merge_threshold)
        target, merged = best_key, tuple[int, ...]()
        if len(bridged) > 1 or (bridged and bridged[0] != best_key):
            involved = sorted({best_key, *bridged})
            pinned = [k for k in involved if k in self.pinned]
            target = pinned[0] if pinned else involved[0]
            merged = tuple(k for k in involved if k != target and k not in self.pinned)
            for key in merged:
                self._merge(key, into=target)
        self._join(features, weights, target)
        return Assignment(features.id, target, round(best_score, 4), False, merged)

    def restore(self, message: Message | Features, group_key: int) -> None:
        """Put a message in a known group without scoring (warm start from stored groups)."""
        features = message if isinstance(message, Features) else self.featurize(message)
        if features.id in self.group_of:
            return
        self._count(features)
        self._maybe_prune(features.at)
        self._join(features, self._weights(features), group_key)

    def count_only(self, message: Message | Features) -> None:
        """Count a message's words for the idf without keeping it (messages past the window)."""
        features = message if isinstance(message, Features) else self.featurize(message)
        self._count(features)

    def _weights(self, features: Features) -> dict[str, float]:
        return term_weights(features.counts, max_terms=self.params.max_terms, idf=self.idf)

    def _join(self, features: Features, weights: dict[str, float], key: int) -> None:
        group = self.groups.get(key)
        if group is None:
            group = _Group(key=key, first_at=features.at, last_at=features.at)
            self.groups[key] = group
        group.first_at = min(group.first_at, features.at)
        group.last_at = max(group.last_at, features.at)
        member = _Member(features.id, features.at, weights)
        group.members.append(member)
        self._member[features.id] = member
        if group.norm_epoch == self._epoch:
            delta = 0.0
            for word, w in weights.items():
                idf = self.idf(word)
                old = group.sums.get(word, 0.0) * idf
                delta += (old + w * idf) ** 2 - old * old
            group.norm_sq += delta
        for word, w in weights.items():
            if word not in group.sums:
                self._word_index.setdefault(word, set()).add(key)
            group.sums[word] = group.sums.get(word, 0.0) + w
        for place in features.places:
            if place.fine:
                if place.core not in group.places:
                    for gram in bigrams(place.core):
                        self._place_index.setdefault(gram, set()).add(key)
                        group.gram_cores.setdefault(gram, set()).add(place.core)
                group.places[place.core] += 1
                group.place_names.setdefault(place.core, place.name)
            else:
                group.coarse[place.core] += 1
        self.group_of[features.id] = key
        self._latest = max(self._latest, features.at)

    def _merge(self, key: int, *, into: int) -> None:
        """Move every member of group `key` into group `into` (a message bridged the two)."""
        source = self.groups.pop(key)
        target = self.groups[into]
        self._unindex(source)
        target.first_at = min(target.first_at, source.first_at)
        target.last_at = max(target.last_at, source.last_at)
        target.members.extend(source.members)
        target.members.sort(key=lambda m: (m.at, m.id))
        for word, value in source.sums.items():
            if word not in target.sums:
                self._word_index.setdefault(word, set()).add(into)
            target.sums[word] = target.sums.get(word, 0.0) + value
        for core, n in source.places.items():
            if core not in target.places:
                for gram in bigrams(core):
                    self._place_index.setdefault(gram, set()).add(into)
                    target.gram_cores.setdefault(gram, set()).add(core)
            target.places[core] += n
            target.place_names.setdefault(core, source.place_names.get(core, core))
        target.coarse.update(source.coarse)
        target.norm_epoch = -1
        for member in source.members:
            self.group_of[member.id] = into

    def _unindex(self, group: _Group) -> None:
        for word in group.sums:
            postings = self._word_index.get(word)
            if postings is not None:
                postings.discard(group.key)
                if not postings:
                    del self._word_index[word]
        for core in group.places:
            for gram in bigrams(core):
                postings = self._place_index.get(gram)
                if postings is not None:
                    postings.discard(group.key)
                    if not postings:
                        del self._place_index[gram]

    # --- scoring ------------------------------------------------------------------------------

    def _norm(self, group: _Group) -> float:
        if group.norm_epoch != self._epoch:
            idf = self.idf
            group.norm_sq = sum((s * idf(w)) ** 2 for w, s in group.sums.items())
            group.norm_epoch = self._epoch
        return math.sqrt(max(group.norm_sq, 0.0))

    def _scores(self, features: Features, weights: dict[str, float]) -> list[tuple[int, float]]:
        params = self.params
        horizon = features.at - params.window_days * DAY
        vector = {w: v * self.idf(w) for w, v in weights.items()}
        norm = math.sqrt(sum(v * v for v in vector.values()))
        if not norm:
            return []
        # m·g = Σ m_w · sums_w · idf_w: fold the group's idf into the message's vector once.
        idf_vector = {w: v * self.idf(w) for w, v in vector.items()}
        limit = max(2.0, params.max_df_ratio * self._idf_n)
        query = sorted(
            (w for w in vector if self._idf_df.get(w, 0) <= limit),
            key=lambda w: (-self.idf(w), w),
        )[: params.query_words]
        partial: dict[int, float] = {}
        cap = params.max_postings
        for word in query:
            postings = self._word_index.get(word, ())
            if len(postings) > cap:
                continue
            weight = vector[word]
            for key in postings:
                partial[key] = partial.get(key, 0.0) + weight
        cores = features.fine_cores
        for core in cores:
            for gram in bigrams(core):
                postings = self._place_index.get(gram, ())
                if len(postings) > cap:
                    continue
                for key in postings:
                    partial[key] = partial.get(key, 0.0) + 0.01
        groups = self.groups
        eligible = [
            (value, key) for key, value in partial.items() if groups[key].last_at >= horizon
        ]
        results = []
        for _value, key in heapq.nlargest(params.max_candidates, eligible):
            group = groups[key]
            sums = group.sums
            dot = sum(v * sums[w] for w, v in idf_vector.items() if w in sums)
            group_norm = self._norm(group)
            cos = dot / (norm * group_norm) if group_norm else 0.0
            if cos + params.place_bonus < params.threshold:
                continue  # cannot reach the threshold whatever the places: skip them
            results.append((key, cos + self._place_term(cores, group)))
        return results

    def _place_term(self, cores: Sequence[str], group: _Group) -> float:
        """Bonus for a common place, penalty for fine places none in common.

        The group's place names that share a bigram with one of the message's are counted
        once through `gram_cores`; `places_match` decides only for those that could match.
        """
        if not cores or not group.places:
            return 0.0
        for core in cores:
            if core in group.places:
                return self.params.place_bonus
            grams = bigrams(core)
            shared: dict[str, int] = {}
            for gram in grams:
                for other in group.gram_cores.get(gram, ()):
                    shared[other] = shared.get(other, 0) + 1
            for other, n in shared.items():
                others = len(bigrams(other))
                # Dice ≥ MATCH_DICE, or every bigram of the shorter one shared (containment).
                if (
                    2 * n >= MATCH_DICE * (len(grams) + others) or n == min(len(grams), others)
                ) and places_match(core, other):
                    return self.params.place_bonus
        return -self.params.place_penalty

    def score(self, message: Message | Features, group_key: int) -> float:
        """The resemblance of a message to a group, as `add` would compute it now."""
        features = message if isinstance(message, Features) else self.featurize(message)
        group = self.groups[group_key]
        weights = self._weights(features)
        vector = {w: v * self.idf(w) for w, v in weights.items()}
        norm = math.sqrt(sum(v * v for v in vector.values()))
        group_norm = self._norm(group)
        if not norm or not group_norm:
            return 0.0
        dot = sum(v * group.sums.get(w, 0.0) * self.idf(w) for w, v in vector.items())
        return dot / (norm * group_norm) + self._place_term(features.fine_cores, group)

    # --- housekeeping -------------------------------------------------------------------------

    def _maybe_prune(self, now: float) -> None:
        """Drop groups whose latest message is more than twice the window old (at most daily)."""
        if now - self._pruned_at < DAY:
            return
        self._pruned_at = now
        horizon = now - 2 * self.params.window_days * DAY
        for key in [k for k, g in self.groups.items() if g.last_at < horizon]:
            if len(self.groups[key].members) > 1:
                self.retired[key] = self.summary(key)
            group = self.groups.pop(key)
            self._unindex(group)
            for member in group.members:
                self._member.pop(member.id, None)

    # --- reading ------------------------------------------------------------------------------

    def summary(self, key: int, *, terms: int = 5) -> GroupSummary:
        group = self.groups[key]
        idf = self.idf
        sums = group.sums
        # The heaviest words that are not part of a place name, among the first
        # terms + places + 5. A big group has thousands of place names: look for the words in
        # one string of them all, and rank only a few more candidates than needed unless too
        # many of those turn out to be place words.
        places = "\x00".join(group.places)
        limit = terms + len(group.places) + 5
        top: list[str] = []
        for size in dict.fromkeys((min(limit, terms + 20), limit)):
            ranked = heapq.nsmallest(size, sums, key=lambda w: (-sums[w] * idf(w), w))
            top = [w for w in ranked if w not in places][:terms]
            if len(top) == terms:
                break

        def typical(member: _Member) -> float:
            # Resemblance to the centroid (its norm is the same for every member).
            return sum(v * sums.get(w, 0.0) * idf(w) ** 2 for w, v in member.weights.items())

        representative = max(group.members, key=lambda m: (typical(m), -m.id))
        place = ""
        if group.places:
            core, _n = max(group.places.items(), key=lambda item: (item[1], -len(item[0])))
            place = group.place_names.get(core, core)
        district = ""
        if group.coarse:
            district = max(group.coarse.items(), key=lambda item: (item[1], item[0]))[0]
        return GroupSummary(
            key=key,
            size=len(group.members),
            place=place,
            district=district,
            terms=tuple(top),
            representative_id=representative.id,
            first_at=dt.datetime.fromtimestamp(group.first_at, tz=dt.UTC),
            last_at=dt.datetime.fromtimestamp(group.last_at, tz=dt.UTC),
        )

    def members(self, key: int) -> list[int]:
        return [m.id for m in self.groups[key].members]

    def partition(self) -> dict[int, list[int]]:
        """Every group of two messages or more (retired ones too): key → message ids."""
        groups: dict[int, list[int]] = {}
        for message_id, key in self.group_of.items():
            groups.setdefault(key, []).append(message_id)
        return {k: sorted(v) for k, v in groups.items() if len(v) > 1}

    def similarity(self, a: int, b: int) -> float:
        """Cosine of two messages of the same live group (0.0 if either is not found)."""
        key = self.group_of.get(a)
        group = self.groups.get(key) if key is not None else None
        if group is None or self.group_of.get(b) != key:
            return 0.0
        first, second = self._member.get(a), self._member.get(b)
        if first is None or second is None:
            return 0.0
        x = {w: v * self.idf(w) for w, v in first.weights.items()}
        y = {w: v * self.idf(w) for w, v in second.weights.items()}
        dot = sum(v * y.get(w, 0.0) for w, v in x.items())
        norm = math.sqrt(sum(v * v for v in x.values())) * math.sqrt(sum(v * v for v in y.values()))
        return dot / norm if norm else 0.0


def regroup(
    messages: Iterable[Message | Features],
    *,
    params: GroupingParams | None = None,
    gazetteer: Gazetteer | None = None,
) -> tuple[GroupingEngine, list[Assignment]]:
    """Group messages from scratch, in the order given (sort them by time first)."""
    engine = GroupingEngine(params, gazetteer=gazetteer)
    return engine, [engine.add(m) for m in messages]
