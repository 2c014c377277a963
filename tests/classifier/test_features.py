"""The fast feature code gives the features of the scikit-learn reference implementations."""

from __future__ import annotations

import copy
from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier import tokenizer
from classifier.char_ngrams import CharNgramTfidf, _HashTable, hstack_rows
from classifier.features import (
    MessageFeatures,
    _identity,
    _transform_block,
    _transform_words,
    compose_text,
)
from classifier.predict import Predictor
from classifier.train import TrainedModel
from tests.classifier.test_tokenizer import SENTENCES

TEXTS = [
    "物业费太贵了，物业费每年都涨",
    "噪音扰民  严重\n\n影响休息",
    "",
    "a",
    "二噁英 二噁英 二噁英",
    "The 物业费 is too high 😀",
    "學校收費太貴了",
]


@pytest.fixture(autouse=True)
def _default_dictionary() -> None:
    tokenizer.configure([tokenizer.DEFAULT_USER_DICT])


@pytest.mark.parametrize("engine", ["rjieba", "jieba"])
def test_token_bags_hold_the_tokens_of_tokenize(
    engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(tokenizer.ENGINE_ENV, engine)
    sentences = [*SENTENCES, "".join(SENTENCES)]
    bags = tokenizer.token_bags([tokenizer.normalize(s) for s in sentences])
    for sentence, bag in zip(sentences, bags, strict=True):
        assert Counter(bag) == Counter(tokenizer.tokenize(sentence)), sentence


def test_char_ngrams_equal_scikit_learn_char_analyzer() -> None:
    ours = CharNgramTfidf(ngram_range=(1, 3), min_df=1).fit(TEXTS)
    reference = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 3), sublinear_tf=True, lowercase=False
    ).fit(TEXTS)
    queries = [*TEXTS, "物业费和噪音", "全新的内容", "  "]
    mine = ours.transform(queries)
    theirs = reference.transform(queries)
    assert mine.shape[1] == len(reference.vocabulary_)
    for row in range(len(queries)):
        assert np.allclose(
            np.sort(mine.getrow(row).data), np.sort(theirs.getrow(row).data), atol=1e-6
        )


def test_char_ngram_batch_rows_equal_single_rows() -> None:
    ours = CharNgramTfidf(ngram_range=(1, 3), min_df=1).fit(TEXTS)
    batch = ours.transform(TEXTS).toarray()
    for row, text in enumerate(TEXTS):
        assert np.array_equal(batch[row], ours.transform([text]).toarray()[0])


def test_hash_table_finds_known_keys_and_rejects_unknown_ones() -> None:
    rng = np.random.default_rng(3)
    vocabulary = np.unique(rng.integers(1, 2**62, 5_000, dtype=np.uint64))
    vocabulary = np.concatenate([np.arange(1, 300, dtype=np.uint64), vocabulary])
    table = _HashTable(vocabulary)
    queries = np.concatenate(
        [vocabulary, rng.integers(1, 2**62, 5_000, dtype=np.uint64), np.arange(300, 400)]
    ).astype(np.uint64)
    expected = np.searchsorted(vocabulary, queries)
    expected[expected >= vocabulary.size] = 0
    expected = np.where(vocabulary[expected] == queries, expected, -1)
    assert np.array_equal(table.lookup(queries), expected)


def test_small_and_large_batches_give_the_same_rows() -> None:
    # Small inputs are looked up by binary search, large ones in the hash table.
    texts = [f"{t}{i}" for i in range(300) for t in TEXTS]
    ours = CharNgramTfidf(ngram_range=(1, 3), min_df=2).fit(texts)
    batch = ours.transform(texts)
    assert batch.nnz > 4096
    for row in (0, 1, 4, 5, 2099):
        assert np.array_equal(batch.getrow(row).toarray(), ours.transform([texts[row]]).toarray())


def test_word_block_equals_scikit_learn_transform() -> None:
    token_lists = [tokenizer.tokenize(t) for t in TEXTS]
    vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float32)
    vectorizer.fit(token_lists[:4])
    expected = vectorizer.transform(token_lists).toarray()
    assert np.allclose(
        _transform_words(vectorizer, token_lists).to_csr().toarray(), expected, atol=1e-6
    )
    # One message at a time (intake's path), unknown words and no known word included.
    for tokens, row in zip([*token_lists, ["未知词"], []], [*expected, None, None], strict=True):
        one = _transform_words(vectorizer, [tokens]).to_csr().toarray()[0]
        assert np.allclose(one, expected[0] * 0 if row is None else row, atol=1e-6)


def test_trained_model_stacks_naive_bayes(trained: TrainedModel) -> None:
    n_classes = len(trained.labels)
    assert trained.nb_coef is not None
    assert trained.nb_coef.flags.f_contiguous
    assert trained.calibration_coef.shape == (n_classes, 2 * n_classes)


def test_model_saved_before_stacking_still_predicts(trained: TrainedModel) -> None:
    old = copy.copy(trained)
    del old.__dict__["nb_coef"]  # as unpickled from a model saved without the field
    old.calibration_coef = trained.calibration_coef[:, : len(trained.labels)]
    prediction = Predictor(old).predict("A市噪音扰民问题，餐饮油烟很严重")
    assert prediction.label in trained.labels
    assert 0.0 < prediction.confidence <= 1.0


def test_joined_rows_equal_scipy_hstack() -> None:
    """hstack_rows (the blocks of a message's features joined as plain arrays) gives the
    matrix scipy.sparse.hstack gives, for one row and for several (empty ones included)."""
    messages = [compose_text(text[:8], text) for text in TEXTS]
    ours = MessageFeatures().fit(messages)
    for texts in (messages, messages[:1], ["", messages[0], "", TEXTS[1]]):
        prepared = ours.prepare(texts)
        blocks = [
            _transform_block(ours.vectorizers[name], getattr(prepared, name))
            for name in ("words", "subject_words", "chars", "subject_chars")
        ]
        joined = hstack_rows(blocks)
        expected = sp.hstack([b.to_csr() for b in blocks], format="csr")
        assert joined.n_rows == expected.shape[0] == len(texts)
        assert joined.n_columns == expected.shape[1]
        assert np.array_equal(joined.indptr, expected.indptr)
        assert np.array_equal(joined.indices, expected.indices)
        assert np.array_equal(joined.data, expected.data)
