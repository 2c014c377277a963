"""`evaluate_classifier` on any CSV of the right shape; `train_classifier` promotes, keeps the
better model, and learns from the dispatchers' labels."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from classifier import store
from interaction.demo.corpus import fresh_messages, training_corpus
from interaction.services import training

KEYS = {
    "macro_f1",
    "accuracy",
    "per_class",
    "train_seconds",
    "predict_per_second",
    "auto_dispatch_threshold",
    "auto_dispatch_coverage",
    "auto_dispatch_precision",
}


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["subject", "body", "label"])
        for text, label in rows:
            subject, _sep, body = text.partition("\n")
            writer.writerow([subject, body, label])
    return path


def _small(rows: list[tuple[str, str]], labels: set[str], per_label: int) -> list[tuple[str, str]]:
    kept: dict[str, int] = {}
    out = []
    for text, label in rows:
        if label in labels and kept.get(label, 0) < per_label:
            kept[label] = kept.get(label, 0) + 1
            out.append((text, label))
    return out


def test_evaluate_prints_one_json_object_last(tmp_path: Path):
    labels = {"road-repair", "noise", "pension", "school-enrolment"}
    train = _write(tmp_path / "train.csv", _small(training_corpus(), labels, 30))
    test = _write(tmp_path / "test.csv", _small(fresh_messages(seed=5), labels, 10))
    out = StringIO()
    call_command("evaluate_classifier", "--train", str(train), "--test", str(test), stdout=out)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert set(result) >= KEYS
    assert set(result["per_class"]) == labels
    assert result["macro_f1"] > 0.8


def test_evaluate_refuses_a_csv_without_the_columns(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("title,text\nx,y\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing column"):
        call_command("evaluate_classifier", "--train", str(bad), "--test", str(bad))


@pytest.fixture
def small_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Train on a quarter of the demo corpus so the command test stays quick."""
    rows = training_corpus(per_category=12)
    monkeypatch.setattr("interaction.demo.corpus.training_corpus", lambda: rows)


def test_train_promotes_a_first_model_and_if_missing_leaves_it(db, settings, small_corpus):
    out = StringIO()
    call_command("train_classifier", stdout=out)
    first = store.current_version(settings.CLASSIFIER_MODEL_DIR)
    assert first is not None
    assert "promoted" in out.getvalue()
    assert "macro-F1" in out.getvalue()

    out = StringIO()
    call_command("train_classifier", "--if-missing", stdout=out)
    assert store.current_version(settings.CLASSIFIER_MODEL_DIR) == first
    assert "already promoted" in out.getvalue()


def test_dispatcher_labels_are_training_data(world, small_corpus):
    from interaction.services import dispatch
    from tests.factories import submit

    case = submit(world.citizen, subject="东城区花园路坑洼", body="花园路路面坑洼不平，请维修。")
    dispatch.case_dispatch(
        case_id=case.pk,
        actor=world.dispatcher,
        department_id=world.city_roads.pk,
        category_id=world.road_repair.pk,
    )
    rows, sources = training.labelled_messages()
    assert ("东城区花园路坑洼", "花园路路面坑洼不平，请维修。", "road-repair") in rows
    assert sources["confirmed_cases"] == 1


def test_a_new_model_worse_on_the_held_out_data_is_not_promoted(
    db, settings, small_corpus, monkeypatch: pytest.MonkeyPatch
):
    call_command("train_classifier", stdout=StringIO())
    current = store.current_version(settings.CLASSIFIER_MODEL_DIR)
    # The current model scores better than any new one can on the same held-out data.
    monkeypatch.setattr(training, "_score_current", lambda *args: {"macro_f1": 1.01})
    out = StringIO()
    call_command("train_classifier", stdout=out)
    assert store.current_version(settings.CLASSIFIER_MODEL_DIR) == current
    assert len(store.list_versions(settings.CLASSIFIER_MODEL_DIR)) == 2
    assert "kept the current model" in out.getvalue()
