from __future__ import annotations

import numpy as np
import pytest

from classifier.features import compose_text
from classifier.predict import Prediction, Predictor
from classifier.train import TrainedModel

BAD_INPUTS = {
    "empty": "",
    "whitespace": " \t\n  ",
    "emoji": "😀🙏🎉",
    "phone_number": "13800138000",
    "very_long": "物业费" * 10_000 + "无关内容" * 10_000,
    "mixed": "The 物业费 is too high, please help 谢谢",
    "traditional": "學校收費太貴了，補課費不合理",
    "punctuation": "？？？！！！。。。",
    "separator_only": compose_text("", ""),
}


@pytest.fixture(scope="module")
def predictor(trained: TrainedModel) -> Predictor:
    return Predictor(trained, version="test-version")


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_predict_never_raises_on_bad_input(predictor: Predictor, name: str) -> None:
    prediction = predictor.predict(BAD_INPUTS[name])
    assert isinstance(prediction, Prediction)
    assert prediction.label in predictor.labels
    assert 0.0 <= prediction.confidence <= 1.0
    assert prediction.model_version == "test-version"


@pytest.mark.parametrize("name", ["empty", "whitespace", "emoji", "punctuation", "separator_only"])
def test_no_content_gives_zero_confidence(predictor: Predictor, name: str) -> None:
    assert predictor.predict(BAD_INPUTS[name]).confidence == 0.0


@pytest.mark.parametrize("name", ["phone_number", "traditional"])
def test_weak_input_is_not_auto_dispatched(predictor: Predictor, name: str) -> None:
    prediction = predictor.predict(BAD_INPUTS[name])
    assert prediction.confidence < predictor.threshold


def test_non_string_input_does_not_raise(predictor: Predictor) -> None:
    results = predictor.predict_batch([None, 42])  # type: ignore[list-item]
    assert [r.confidence for r in results][0] == 0.0


def test_clear_message_is_predicted_with_high_confidence(predictor: Predictor) -> None:
    text = compose_text(
        "A市噪音扰民问题", "我想反映一个问题，A市最近噪音扰民的情况很严重，还有餐饮油烟。"
    )
    prediction = predictor.predict(text)
    assert prediction.label == "环境保护"
    assert prediction.confidence > 0.5
    assert prediction.top_k[0] == ("环境保护", prediction.confidence)
    assert len(prediction.top_k) == 3
    assert [p for _, p in prediction.top_k] == sorted(
        (p for _, p in prediction.top_k), reverse=True
    )


def test_batch_equals_single_predictions(
    predictor: Predictor, corpus: tuple[list[str], list[str]]
) -> None:
    texts = corpus[0][::10] + list(BAD_INPUTS.values())
    batch = predictor.predict_batch(texts)
    singles = [predictor.predict(t) for t in texts]
    assert [b.label for b in batch] == [s.label for s in singles]
    for b, s in zip(batch, singles, strict=True):
        # One message is scored by its own columns' coefficients, a batch by a sparse product:
        # the same float32 terms summed in another order.
        assert b.confidence == pytest.approx(s.confidence, abs=1e-6)


def test_one_row_scores_equal_the_sparse_product(
    trained: TrainedModel, corpus: tuple[list[str], list[str]]
) -> None:
    for text in [*corpus[0][:20], "", "12345"]:
        rows = trained.features.transform_rows([text])
        expected = trained.decision_scores(trained.features.transform([text]))
        # float32 terms summed in another order; the naive Bayes scores are differences of
        # log-likelihoods in the hundreds, so their rounding is ~1e-4 absolute.
        assert np.allclose(trained.row_scores(rows), expected, rtol=1e-5, atol=1e-3)


def test_empty_batch(predictor: Predictor) -> None:
    assert predictor.predict_batch([]) == []


def test_coefficients_are_fortran_ordered(trained: TrainedModel) -> None:
    assert trained.coef.flags.f_contiguous
