"""Where the open-data files live (`WENZHENG_OPEN_DATA_DIR`, default var/open-data), their
names, the index (`index.json`) and the only way to find a file from a name people send.

A file's name says what it holds: `published-cases-YYYY-MM-DD.csv|json` (the cases published
that day) and `statistics-YYYY-MM-DD.csv|json` (the month's figures up to that day). Nothing
else in the directory is ever served: a name must match that pattern (or be `index.json`), and
the resolved path must be a file directly inside the directory — `../`, absolute paths,
backslashes and symbolic links pointing elsewhere are refused.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings

INDEX_NAME = "index.json"
KINDS = {"cases": "published-cases", "statistics": "statistics"}
FORMATS = ("csv", "json")
FILE_RE = re.compile(
    r"^(?P<prefix>published-cases|statistics)-(?P<date>\d{4}-\d{2}-\d{2})\.(?P<format>csv|json)$"
)


def root() -> Path:
    return Path(settings.WENZHENG_OPEN_DATA_DIR)


def file_name(kind: str, day: dt.date, fmt: str) -> str:
    return f"{KINDS[kind]}-{day.isoformat()}.{fmt}"


def safe_path(name: str) -> Path | None:
    """The file called `name` in the open-data directory, or None (unknown, not a file of ours,
    or a name that tries to leave the directory)."""
    if name != INDEX_NAME and not FILE_RE.fullmatch(name):
        return None
    directory = root().resolve()
    path = (directory / name).resolve()
    if path.parent != directory or not path.is_file():
        return None
    return path


@dataclass(frozen=True)
class IndexEntry:
    name: str
    kind: str
    format: str
    date: str
    rows: int
    bytes: int
    sha256: str
    written_at: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def read_index() -> list[IndexEntry]:
    """The files listed in the index, newest day first (cases before statistics, CSV first).
    Entries whose file has disappeared are left out."""
    path = root() / INDEX_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    entries = []
    for row in data.get("files", []):
        try:
            entry = IndexEntry(**{k: row[k] for k in IndexEntry.__dataclass_fields__})
        except (KeyError, TypeError):
            continue
        if FILE_RE.fullmatch(entry.name) and (root() / entry.name).is_file():
            entries.append(entry)
    entries.sort(key=lambda e: (e.date, e.kind == "cases", e.format == "csv"), reverse=True)
    return entries


@contextmanager
def locked() -> Iterator[None]:
    """One writer at a time in the directory (two exports of the same day never interleave)."""
    directory = root()
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def atomic_target(name: str) -> tuple[Path, Path]:
    """(temporary path, final path) for writing `name`: write the first, then `publish` it."""
    directory = root()
    directory.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=directory)
    os.close(handle)
    return Path(temp), directory / name


def publish(temp: Path, final: Path) -> None:
    temp.chmod(0o644)
    os.replace(temp, final)


def write_index(entries: list[IndexEntry], *, now: dt.datetime) -> None:
    """Replace the index's entries of these files (the others are kept). Call under `locked`."""
    current = {e.name: e for e in read_index()}
    current.update({e.name: e for e in entries})
    rows = sorted(current.values(), key=lambda e: (e.date, e.kind, e.format), reverse=True)
    temp, final = atomic_target(INDEX_NAME)
    temp.write_text(
        json.dumps(
            {"updated_at": now.isoformat(), "files": [asdict(e) for e in rows]},
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    publish(temp, final)
