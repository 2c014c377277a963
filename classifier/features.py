"""Feature extraction: TF-IDF blocks over words and characters, subject weighted apart.

A message is one string. When a subject is known, build the string with :func:`compose_text` so
the subject gets its own feature blocks (the subject of a citizen's message names its topic more
often than any sentence of the body). A plain string without the separator is all body.

Blocks (each L2-normalised by TfidfVectorizer, then scaled by its weight):
- words of subject + body (rjieba/jieba tokens, sublinear tf);
- words of the subject;
- character 1-3-grams of subject + body (numpy implementation, see ``char_ngrams``);
- character 1-3-grams of the subject.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.char_ngrams import CharNgramTfidf, SparseRows, hstack_rows, tfidf_rows
from classifier.tokenizer import normalize, token_bags

Vectorizer: TypeAlias = TfidfVectorizer | CharNgramTfidf

__all__ = [
    "MAX_CHARS",
    "SUBJECT_SEPARATOR",
    "FeatureWeights",
    "MessageFeatures",
    "compose_text",
    "split_text",
]

# Text beyond this many characters is cut off before anything else (train and predict alike).
MAX_CHARS = 5_000
# Separates the subject from the body in one string (ASCII "unit separator", never typed).
SUBJECT_SEPARATOR = "\x1f"


def compose_text(subject: str, body: str) -> str:
    """One string for a message with a subject: what :func:`train` and ``Predictor`` expect."""
    return f"{subject}{SUBJECT_SEPARATOR}{body}"


def split_text(text: str) -> tuple[str, str]:
    """Return (subject, body) of a string made by :func:`compose_text`; ("", text) otherwise."""
    subject, sep, body = text.partition(SUBJECT_SEPARATOR)
    if not sep:
        return "", text
    return subject, body


def _identity(tokens: list[str]) -> list[str]:
    # Top-level (picklable) analyzer for already-tokenised input.
    return tokens


@dataclass(frozen=True)
class FeatureWeights:
    words: float = 1.0
    subject_words: float = 0.7
    chars: float = 1.0
    subject_chars: float = 0.7


@dataclass
class _Prepared:
    words: list[list[str]]
    subject_words: list[list[str]]
    chars: list[str]
    subject_chars: list[str]


@dataclass
class MessageFeatures:
    """Fit on training texts, then turn any texts into one sparse CSR matrix."""

    weights: FeatureWeights = field(default_factory=FeatureWeights)
    char_ngrams: tuple[int, int] = (1, 3)
    char_min_df: int = 2
    vectorizers: dict[str, Vectorizer] = field(default_factory=dict)

    def _new_vectorizers(self) -> dict[str, Vectorizer]:
        def words() -> TfidfVectorizer:
            return TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float32)

        return {
            "words": words(),
            "subject_words": words(),
            "chars": CharNgramTfidf(ngram_range=self.char_ngrams, min_df=self.char_min_df),
            "subject_chars": CharNgramTfidf(ngram_range=self.char_ngrams, min_df=1),
        }

    @staticmethod
    def prepare(texts: Sequence[str]) -> _Prepared:
        """Cut, split, normalise and tokenise texts once for all blocks.

        Word tokens are bags (the tokens of ``tokenizer.tokenize``, not in text order): the word
        blocks count them, order does not matter.
        """
        subjects: list[str] = []
        bodies: list[str] = []
        for text in texts:
            subject, body = split_text(text[:MAX_CHARS])
            subjects.append(normalize(subject) if subject else "")
            bodies.append(normalize(body) if body else "")
        subject_tokens = token_bags(subjects)
        body_tokens = token_bags(bodies)
        return _Prepared(
            words=[s + b for s, b in zip(subject_tokens, body_tokens, strict=True)],
            subject_words=subject_tokens,
            chars=[f"{s}\n{b}" for s, b in zip(subjects, bodies, strict=True)],
            subject_chars=subjects,
        )

    def _weights(self) -> dict[str, float]:
        w = self.weights
        return {
            "words": w.words,
            "subject_words": w.subject_words,
            "chars": w.chars,
            "subject_chars": w.subject_chars,
        }

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        prepared = self.prepare(texts)
        self.vectorizers = self._new_vectorizers()
        for name, weight in self._weights().items():
            if weight != 0.0:
                self.vectorizers[name].fit(getattr(prepared, name))
        # Transform as at prediction time, so training and prediction features are identical.
        return self._transform_prepared(prepared)

    def fit(self, texts: Sequence[str]) -> MessageFeatures:
        self.fit_transform(texts)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self._transform_prepared(self.prepare(texts))

    def transform_rows(self, texts: Sequence[str]) -> SparseRows:
        """:meth:`transform` as plain CSR parts (no scipy matrix built: cheaper for one text)."""
        return self._rows_prepared(self.prepare(texts))

    def _transform_prepared(self, prepared: _Prepared) -> sp.csr_matrix:
        return self._rows_prepared(prepared).to_csr()

    def _rows_prepared(self, prepared: _Prepared) -> SparseRows:
        blocks: list[SparseRows] = []
        for name, weight in self._weights().items():
            if weight == 0.0:
                continue
            block = _transform_block(self.vectorizers[name], getattr(prepared, name))
            if weight != 1.0:
                block.data[...] *= np.float32(weight)
            blocks.append(block)
        return hstack_rows(blocks)

    def known_word_counts(self, x: SparseRows) -> npt.NDArray[np.int64]:
        """Distinct in-vocabulary words per row of the parts made by :meth:`transform_rows`."""
        n_rows = x.n_rows
        if self.weights.words == 0.0:
            return np.zeros(n_rows, dtype=np.int64)
        n_words = _size(self.vectorizers["words"])  # the first block
        in_block = np.concatenate([[0], np.cumsum(x.indices < n_words, dtype=np.int64)])
        counts: npt.NDArray[np.int64] = in_block[x.indptr[1:]] - in_block[x.indptr[:-1]]
        return counts

    def warm_up(self) -> None:
        """Build the lookup tables the first transform would build (at model load, not request)."""
        for vectorizer in self.vectorizers.values():
            if isinstance(vectorizer, CharNgramTfidf):
                vectorizer.warm_up()

    def block_sizes(self) -> list[tuple[str, int]]:
        """(name, number of columns) of each block, in column order."""
        return [
            (name, _size(self.vectorizers[name]))
            for name, weight in self._weights().items()
            if weight != 0.0
        ]

    @property
    def n_features(self) -> int:
        return sum(
            _size(self.vectorizers[name])
            for name, weight in self._weights().items()
            if weight != 0.0
        )


def _transform_block(vectorizer: Vectorizer, items: Any) -> SparseRows:
    if isinstance(vectorizer, CharNgramTfidf):
        return vectorizer.transform_rows(items)
    return _transform_words(vectorizer, items)


def _transform_words(vectorizer: TfidfVectorizer, token_lists: list[list[str]]) -> SparseRows:
    """``vectorizer.transform`` for a fitted TfidfVectorizer(analyzer=_identity, sublinear_tf=True,
    norm="l2") over token lists, without scikit-learn's per-document Python loop."""
    vocabulary: dict[str, int] = vectorizer.vocabulary_
    lookup = vocabulary.get
    flat = [lookup(token, -1) for tokens in token_lists for token in tokens]
    columns = np.fromiter(flat, dtype=np.int64, count=len(flat))
    rows = np.repeat(np.arange(len(token_lists)), [len(tokens) for tokens in token_lists])
    known = columns >= 0
    return tfidf_rows(
        rows[known],
        columns[known],
        len(token_lists),
        len(vocabulary),
        vectorizer.idf_,
        np.float32,
    )


def _size(vectorizer: Vectorizer) -> int:
    if isinstance(vectorizer, CharNgramTfidf):
        return vectorizer.n_features
    return len(vectorizer.vocabulary_)  # type: ignore[no-any-return, unused-ignore]
