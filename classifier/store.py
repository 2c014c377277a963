"""Versioned model store on disk, with integrity checks and hot reload.

Layout of a store directory::

    <directory>/CURRENT                    # name of the promoted version (written atomically)
    <directory>/<version>/model.pkl        # the pickled TrainedModel
    <directory>/<version>/metadata.json    # version, created, data size and sha256, CV scores,
                                           # library versions, artefact sha256, labels, threshold

:func:`load_current` recomputes the artefact's sha256 and compares it with the metadata before
unpickling: an artefact the platform did not write is refused with :class:`ModelIntegrityError`
(pickle runs code, so never load an unchecked file). The store directory must be writable by the
platform only.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import platform
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from classifier.predict import Predictor
from classifier.train import TrainedModel

__all__ = [
    "ARTEFACT_NAME",
    "CURRENT_NAME",
    "METADATA_NAME",
    "LoadedModel",
    "ModelHolder",
    "ModelIntegrityError",
    "ModelNotFound",
    "current_version",
    "list_versions",
    "load_current",
    "load_version",
    "promote",
    "read_metadata",
    "save",
]

ARTEFACT_NAME = "model.pkl"
METADATA_NAME = "metadata.json"
CURRENT_NAME = "CURRENT"
_LIBRARIES = ("scikit-learn", "numpy", "scipy", "jieba", "rjieba")


class ModelNotFound(Exception):  # noqa: N818 - name asked for by the platform
    """No promoted model, or the promoted version's files are missing."""


class ModelIntegrityError(Exception):
    """The artefact on disk is not the one the platform saved (sha256 mismatch or bad metadata)."""


@dataclass(frozen=True)
class LoadedModel:
    version: str
    model: TrainedModel
    metadata: dict[str, Any]

    def predictor(self) -> Predictor:
        return Predictor(self.model, version=self.version)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(model: TrainedModel, directory: Path | str, *, extra: dict[str, Any] | None = None) -> str:
    """Write a new version (artefact + metadata) and return its name. Does not promote it."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    artefact_sha = hashlib.sha256(payload).hexdigest()
    version = f"{now:%Y%m%dT%H%M%S%fZ}-{artefact_sha[:8]}"
    target = root / version
    target.mkdir()
    _atomic_write(target / ARTEFACT_NAME, payload)
    metadata: dict[str, Any] = {
        "version": version,
        "created": now.isoformat(timespec="seconds"),
        "artefact": ARTEFACT_NAME,
        "artefact_sha256": artefact_sha,
        "artefact_bytes": len(payload),
        "model_name": model.model_name,
        "labels": list(model.labels),
        "threshold": model.threshold,
        "target_precision": model.target_precision,
        "training_data_size": model.data_size,
        "training_data_sha256": model.data_sha256,
        "trained_at": model.trained_at,
        "train_seconds": round(model.train_seconds, 3),
        "seed": model.seed,
        "cv_scores": dict(model.cv_scores),
        "n_features": model.features.n_features,
        "libraries": _library_versions(),
    }
    if extra:
        metadata["extra"] = extra
    _atomic_write(
        target / METADATA_NAME,
        json.dumps(metadata, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8"),
    )
    return version


def list_versions(directory: Path | str) -> list[str]:
    """Saved versions, oldest first."""
    root = Path(directory)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / METADATA_NAME).is_file())


def read_metadata(directory: Path | str, version: str) -> dict[str, Any]:
    path = Path(directory) / version / METADATA_NAME
    if not path.is_file():
        raise ModelNotFound(f"Model version {version!r} not found in {Path(directory)}.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelIntegrityError(f"Metadata {path} is unreadable: {exc}.") from exc
    if not isinstance(data, dict):
        raise ModelIntegrityError(f"Metadata {path} is not a JSON object.")
    return data


def promote(version: str, directory: Path | str) -> None:
    """Make ``version`` the current model (atomic replace of the CURRENT pointer file)."""
    root = Path(directory)
    read_metadata(root, version)  # raises ModelNotFound for an unknown version
    _atomic_write(root / CURRENT_NAME, f"{version}\n".encode("ascii"))


def current_version(directory: Path | str) -> str | None:
    """The promoted version's name, or None. Cheap: reads one small file."""
    try:
        text = (Path(directory) / CURRENT_NAME).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return text or None


def load_version(directory: Path | str, version: str) -> LoadedModel:
    """Load one version after checking its artefact against the metadata."""
    root = Path(directory)
    if not version or "/" in version or version.startswith("."):
        raise ModelNotFound(f"Model version {version!r} not found in {root}.")
    metadata = read_metadata(root, version)
    artefact = root / version / ARTEFACT_NAME
    if not artefact.is_file():
        raise ModelNotFound(f"Model artefact {artefact} is missing.")
    expected = metadata.get("artefact_sha256")
    if metadata.get("version") != version or not isinstance(expected, str):
        raise ModelIntegrityError(
            f"Metadata of model version {version} does not describe that version; "
            "refusing to load it."
        )
    actual = _sha256_file(artefact)
    if actual != expected:
        raise ModelIntegrityError(
            f"Model artefact {artefact} does not match the sha256 recorded in its metadata "
            f"(expected {expected}, got {actual}); refusing to load it."
        )
    with artefact.open("rb") as handle:
        model = pickle.load(handle)  # noqa: S301 - sha256 checked against our own metadata
    if not isinstance(model, TrainedModel):
        raise ModelIntegrityError(f"Model artefact {artefact} does not hold a TrainedModel.")
    return LoadedModel(version=version, model=model, metadata=metadata)


def load_current(directory: Path | str) -> LoadedModel:
    """Load the promoted model. Raises ModelNotFound or ModelIntegrityError."""
    version = current_version(directory)
    if version is None:
        raise ModelNotFound(f"No promoted model in {Path(directory)} (no {CURRENT_NAME} file).")
    return load_version(directory, version)


class ModelHolder:
    """Holds the current predictor of a worker and picks up newly promoted versions.

    Nothing is loaded until the first :meth:`get`. Afterwards, at most every ``check_interval``
    seconds, the CURRENT pointer file is stat-ed; when its mtime changed and it names another
    version, that version is loaded. If the new version fails to load, the old predictor stays in
    service and the error is kept in :attr:`last_error`.
    """

    def __init__(self, directory: Path | str, *, check_interval: float = 5.0) -> None:
        self.directory = Path(directory)
        self.check_interval = check_interval
        self.last_error: Exception | None = None
        self._lock = threading.Lock()
        self._loaded: LoadedModel | None = None
        self._predictor: Predictor | None = None
        self._pointer_mtime: int | None = None
        self._checked_at = float("-inf")

    @property
    def version(self) -> str | None:
        return self._loaded.version if self._loaded else None

    def _pointer_stamp(self) -> int | None:
        try:
            return (self.directory / CURRENT_NAME).stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def get(self) -> Predictor:
        """The current predictor. Raises ModelNotFound / ModelIntegrityError only if none loaded."""
        now = time.monotonic()
        predictor = self._predictor
        if predictor is not None and now - self._checked_at < self.check_interval:
            return predictor
        with self._lock:
            if self._predictor is not None and now - self._checked_at < self.check_interval:
                return self._predictor
            self._checked_at = now
            stamp = self._pointer_stamp()
            if self._predictor is not None and stamp == self._pointer_mtime:
                return self._predictor
            try:
                version = current_version(self.directory)
                if self._loaded is None or version != self._loaded.version:
                    loaded = load_current(self.directory)
                    self._loaded = loaded
                    self._predictor = loaded.predictor()
                self._pointer_mtime = stamp
                self.last_error = None
            except (ModelNotFound, ModelIntegrityError) as exc:
                self.last_error = exc
                if self._predictor is None:
                    raise
            assert self._predictor is not None  # noqa: S101 - loaded or raised above
            return self._predictor

    def reload(self) -> Predictor:
        """Check the pointer now, whatever the interval."""
        with self._lock:
            self._checked_at = float("-inf")
            self._pointer_mtime = None
        return self.get()
