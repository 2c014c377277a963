"""The classifier's demo training corpus, generated from the demo city's message templates.

`training_corpus()` gives (text, category_code) pairs for every leaf category — the same
"subject\\nbody" text the classifier sees at intake — from its own seed (not the seed of the demo
cases). `fresh_messages(seed)` draws more texts with another seed, none of them in the corpus, to
test whether a model generalises beyond the exact strings it was trained on. Plain Python: usable
without Django.
"""

from __future__ import annotations

import random

from .content import Composer

CORPUS_SEED = 17
PER_CATEGORY = 60
_MAX_ATTEMPTS_PER_TEXT = 25


def _generate(
    rng: random.Random, per_category: int, exclude: frozenset[str] | set[str]
) -> list[tuple[str, str]]:
    composer = Composer()
    pairs: list[tuple[str, str]] = []
    for code in composer.codes:
        seen: set[str] = set()
        attempts = 0
        while len(seen) < per_category and attempts < per_category * _MAX_ATTEMPTS_PER_TEXT:
            attempts += 1
            text = composer.compose(rng, code).text
            if text in seen or text in exclude:
                continue
            seen.add(text)
            pairs.append((text, code))
    return pairs


def training_corpus(per_category: int = PER_CATEGORY) -> list[tuple[str, str]]:
    """(text, leaf category code) pairs: `per_category` distinct texts for every leaf category."""
    return _generate(random.Random(CORPUS_SEED), per_category, frozenset())


def fresh_messages(seed: int, per_category: int = 10) -> list[tuple[str, str]]:
    """Held-out (text, category code) pairs drawn with `seed`; none is a text of the corpus."""
    if seed == CORPUS_SEED:
        raise ValueError("fresh_messages needs another seed than the training corpus.")
    corpus_texts = {text for text, _code in training_corpus()}
    return _generate(random.Random(seed), per_category, corpus_texts)
