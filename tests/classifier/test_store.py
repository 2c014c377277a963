from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from classifier import store
from classifier.predict import Predictor
from classifier.train import TrainedModel


def test_save_promote_load_round_trip(trained: TrainedModel, tmp_path: Path) -> None:
    version = store.save(trained, tmp_path)
    assert store.current_version(tmp_path) is None
    store.promote(version, tmp_path)
    assert store.current_version(tmp_path) == version
    loaded = store.load_current(tmp_path)
    assert loaded.version == version
    assert loaded.model.labels == trained.labels
    metadata = json.loads((tmp_path / version / "metadata.json").read_text(encoding="utf-8"))
    for key in (
        "version",
        "created",
        "training_data_size",
        "training_data_sha256",
        "cv_scores",
        "libraries",
        "artefact_sha256",
        "labels",
        "threshold",
    ):
        assert key in metadata
    text = "A市噪音扰民问题"
    assert loaded.predictor().predict(text).label == Predictor(trained).predict(text).label
    assert loaded.predictor().predict(text).model_version == version


def test_tampered_artefact_is_refused(trained: TrainedModel, tmp_path: Path) -> None:
    version = store.save(trained, tmp_path)
    store.promote(version, tmp_path)
    artefact = tmp_path / version / "model.pkl"
    expected = json.loads((tmp_path / version / "metadata.json").read_text())["artefact_sha256"]
    artefact.write_bytes(artefact.read_bytes() + b"tampered")
    actual = store._sha256_file(artefact)
    with pytest.raises(store.ModelIntegrityError) as excinfo:
        store.load_current(tmp_path)
    assert str(excinfo.value) == (
        f"Model artefact {artefact} does not match the sha256 recorded in its metadata "
        f"(expected {expected}, got {actual}); refusing to load it."
    )


def test_missing_model_raises_model_not_found(tmp_path: Path) -> None:
    with pytest.raises(store.ModelNotFound, match="No promoted model"):
        store.load_current(tmp_path)
    with pytest.raises(store.ModelNotFound):
        store.promote("20000101T000000000000Z-deadbeef", tmp_path)


def test_missing_artefact_raises_model_not_found(trained: TrainedModel, tmp_path: Path) -> None:
    version = store.save(trained, tmp_path)
    store.promote(version, tmp_path)
    (tmp_path / version / "model.pkl").unlink()
    with pytest.raises(store.ModelNotFound, match="is missing"):
        store.load_current(tmp_path)


def test_holder_is_lazy_and_picks_up_new_version(trained: TrainedModel, tmp_path: Path) -> None:
    first = store.save(trained, tmp_path)
    store.promote(first, tmp_path)
    holder = store.ModelHolder(tmp_path, check_interval=0.0)
    assert holder.version is None  # nothing loaded before first use
    assert holder.get().version == first

    second = store.save(trained, tmp_path)
    store.promote(second, tmp_path)
    # Make the pointer's mtime differ even on coarse-grained file systems.
    stat = (tmp_path / "CURRENT").stat()
    os.utime(tmp_path / "CURRENT", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert holder.get().version == second
    assert store.list_versions(tmp_path) == sorted([first, second])


def test_holder_keeps_serving_when_new_version_is_tampered(
    trained: TrainedModel, tmp_path: Path
) -> None:
    first = store.save(trained, tmp_path)
    store.promote(first, tmp_path)
    holder = store.ModelHolder(tmp_path, check_interval=0.0)
    assert holder.get().version == first
    second = store.save(trained, tmp_path)
    (tmp_path / second / "model.pkl").write_bytes(b"not a model")
    store.promote(second, tmp_path)
    stat = (tmp_path / "CURRENT").stat()
    os.utime(tmp_path / "CURRENT", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert holder.get().version == first
    assert isinstance(holder.last_error, store.ModelIntegrityError)


def test_holder_without_model_raises(tmp_path: Path) -> None:
    with pytest.raises(store.ModelNotFound):
        store.ModelHolder(tmp_path).get()
