"""Chinese tokenisation: one project function in front of jieba and rjieba.

Both engines are initialised lazily, on the first call, under a module-level lock: importing this
module (or the ``classifier`` package) does not import either engine. Call :func:`warm_up` at
worker start to pay the initialisation cost before the first request.

Text is normalised before it reaches an engine (NFKC, lowercase), and ASCII runs (numbers, phone
numbers, URLs, English words) are cut out by a regular expression and never shown to the engines:
jieba and rjieba split runs such as ``0731-88888888`` differently, and only the Chinese text in
between is segmented by the engine. User-dictionary words that contain ASCII characters (such as
``12345热线``) are matched first and kept whole. With this, both engines return the same tokens on
the fixture in ``tests/classifier`` (a test proves it), and :func:`tokenize` uses the faster rjieba.

Pickled models reference :func:`tokenize` by its import path ``classifier.tokenizer.tokenize``:
keep that name and module stable.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_USER_DICT",
    "ENGINE_ENV",
    "USER_DICT_ENV",
    "configure",
    "engine_name",
    "normalize",
    "token_bags",
    "tokenize",
    "tokenize_jieba",
    "tokenize_rjieba",
    "user_dict_paths",
    "warm_up",
]

# Environment variable: user dictionary files separated by os.pathsep (":" on Linux).
USER_DICT_ENV = "WENZHENG_CLASSIFIER_USER_DICTS"
# Environment variable: "rjieba" (default) or "jieba" to force the reference engine.
ENGINE_ENV = "WENZHENG_TOKENIZER_ENGINE"

# fixtures/classifier/ sits beside this package in the repository.
_FIXTURE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "classifier"
DEFAULT_USER_DICT = _FIXTURE_DIR / "user_dict.txt"

# Source artefacts in the message board data: a few bodies end in "[查看全文]", and about 0.5 % of
# texts carry "©" where "？" was meant.
_ARTEFACTS = (("[查看全文]", " "), ("©", "？"))

# An ASCII run: letters/digits, optionally joined by . - _ / : @ + (phone numbers, URLs, e-mails,
# dates such as 2019-05-01, decimals).
_ASCII_RUN = r"[0-9a-z]+(?:[.\-_/:@+][0-9a-z]+)*"
# A run of word characters other than ASCII letters/digits (Chinese text between punctuation).
_OTHER_WORD_RUN = r"[^\W0-9a-z_]+"
_DIGITS = re.compile(r"[0-9]+")
_LONG_DIGITS = re.compile(r"[0-9]{5}")
# Numbers longer than this are replaced by a shape token ("<n11>" for an 11-digit phone number):
# they name people, not topics, and would only grow the vocabulary.
_MAX_KEPT_DIGITS = 4


@dataclass(frozen=True)
class _DictEntry:
    word: str
    freq: int | None
    tag: str | None


class _State:
    """Mutable module state, guarded by ``_LOCK``."""

    def __init__(self) -> None:
        self.user_dict_paths: list[Path] | None = None  # None: not configured, use env/default
        self.entries: list[_DictEntry] | None = None
        self.splitter: re.Pattern[str] | None = None
        self.jieba: Any = None
        self.rjieba: Any = None
        self.rjieba_missing = False


_LOCK = threading.RLock()
_STATE = _State()


def configure(user_dict_paths: Sequence[Path | str]) -> None:
    """Set the user dictionary files (jieba format: ``word [freq] [tag]`` per line).

    Resets both engines; they are rebuilt with the new dictionaries on the next call. Without a
    call, the paths come from the ``WENZHENG_CLASSIFIER_USER_DICTS`` environment variable, or
    else ``fixtures/classifier/*.txt`` (the project dictionary plus any other dictionary file
    placed there, such as place names).
    """
    with _LOCK:
        _STATE.user_dict_paths = [Path(p) for p in user_dict_paths]
        _STATE.entries = None
        _STATE.splitter = None
        _STATE.jieba = None
        _STATE.rjieba = None


def user_dict_paths() -> list[Path]:
    """Return the user dictionary files in effect (configured, from the environment, or default)."""
    with _LOCK:
        if _STATE.user_dict_paths is not None:
            return list(_STATE.user_dict_paths)
    from_env = os.environ.get(USER_DICT_ENV, "").strip()
    if from_env:
        return [Path(p) for p in from_env.split(os.pathsep) if p]
    if _FIXTURE_DIR.is_dir():
        return sorted(_FIXTURE_DIR.glob("*.txt"))
    return []


def _read_dict(path: Path) -> list[_DictEntry]:
    entries: list[_DictEntry] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        word = _normalize_chars(parts[0])
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = (
            parts[2] if len(parts) > 2 else (parts[1] if len(parts) > 1 and freq is None else None)
        )
        entries.append(_DictEntry(word, freq, tag))
    return entries


def _entries() -> list[_DictEntry]:
    with _LOCK:
        if _STATE.entries is None:
            entries: list[_DictEntry] = []
            for path in user_dict_paths():
                entries.extend(_read_dict(path))
            _STATE.entries = entries
            _STATE.splitter = _build_splitter(entries)
        return _STATE.entries


def _build_splitter(entries: list[_DictEntry]) -> re.Pattern[str]:
    # User words containing ASCII (e.g. "12345热线") first, longest first, so they stay whole;
    # then plain ASCII runs; then runs of other word characters, the text for the engine.
    ascii_words = sorted(
        {e.word for e in entries if any(ch.isascii() for ch in e.word)}, key=len, reverse=True
    )
    # An ASCII edge of a user word must not be glued to more ASCII ("etc" inside "etcetera").
    user = "|".join(_bounded(w) for w in ascii_words) or "(?!)"  # "(?!)" never matches
    if all(w[0].isascii() for w in ascii_words):
        # Same matches, ~3x faster: a run of other word characters never contains ASCII, so it
        # cannot swallow the start of these user words; trying it first skips trying every
        # user word at every Chinese character.
        return re.compile(
            f"(?P<text>{_OTHER_WORD_RUN})|(?=[\x00-\x7f])(?P<user>{user})|(?P<ascii>{_ASCII_RUN})"
        )
    return re.compile(f"(?P<user>{user})|(?P<ascii>{_ASCII_RUN})|(?P<text>{_OTHER_WORD_RUN})")


def _bounded(word: str) -> str:
    head = "(?<![0-9a-z])" if word[0].isascii() else ""
    tail = "(?![0-9a-z])" if word[-1].isascii() else ""
    return f"{head}{re.escape(word)}{tail}"


def _splitter() -> re.Pattern[str]:
    _entries()
    splitter = _STATE.splitter
    assert splitter is not None  # noqa: S101 - set together with the entries
    return splitter


_COMPAT_TABLE: dict[int, str] | None = None


def _compat_table() -> dict[int, str]:
    global _COMPAT_TABLE  # noqa: PLW0603 - built once, on first use
    if _COMPAT_TABLE is None:
        table = {}
        for code in range(0x10000):
            char = chr(code)
            if 0xD800 <= code < 0xE000:  # surrogates
                continue
            normal = unicodedata.normalize("NFKC", char)
            if normal != char:
                table[code] = normal
        _COMPAT_TABLE = table
    return _COMPAT_TABLE


def _normalize_chars(text: str) -> str:
    # NFKC, ~2x faster on this data: first map each character of the Basic Multilingual Plane to
    # its own NFKC form (full-width punctuation, mostly), after which most texts are already in
    # NFKC, which is quick to check. The result is NFKC(text) either way: NFKC of the mapped text
    # equals NFKC of the text, since each character was only replaced by an equivalent.
    mapped = text.translate(_compat_table())
    if not unicodedata.is_normalized("NFKC", mapped):
        mapped = unicodedata.normalize("NFKC", mapped)
    return mapped.lower()


def normalize(text: str) -> str:
    """NFKC-normalise, lowercase, and remove the source artefacts of the message board data."""
    for old, new in _ARTEFACTS:
        if old in text:
            text = text.replace(old, new)
    return _normalize_chars(text)


def _ascii_token(run: str) -> str:
    def shape(match: re.Match[str]) -> str:
        digits = match.group(0)
        return digits if len(digits) <= _MAX_KEPT_DIGITS else f"<n{len(digits)}>"

    return _DIGITS.sub(shape, run)


def _segment(text: str, cut: Callable[[str], list[str]]) -> list[str]:
    """Split normalised text into user ASCII words, ASCII runs and runs of other word characters.

    Only the latter (Chinese text between punctuation) go to the engine; punctuation, whitespace
    and symbols between matches are dropped.
    """
    tokens: list[str] = []
    for match in _splitter().finditer(text):
        kind = match.lastgroup
        if kind == "text":
            tokens.extend(cut(match.group(0)))
        elif kind == "user":
            tokens.append(match.group(0))
        else:
            tokens.append(_ascii_token(match.group(0)))
    return tokens


def _bag(text: str, cut: Callable[[str], list[str]], splitter: re.Pattern[str]) -> list[str]:
    """The tokens of :func:`_segment`, not in order, with one engine call per text.

    The runs for the engine are joined by single spaces and cut at once: both engines split their
    input into blocks at whitespace before segmenting, so each run is segmented as if alone; the
    space tokens are then dropped (runs never contain whitespace).
    """
    tokens: list[str] = []
    runs: list[str] = []
    groups = splitter.groupindex
    text_at, user_at, ascii_at = groups["text"] - 1, groups["user"] - 1, groups["ascii"] - 1
    for match in splitter.findall(text):
        run, user, ascii_run = match[text_at], match[user_at], match[ascii_at]
        if run:
            runs.append(run)
        elif user:
            tokens.append(user)
        elif _LONG_DIGITS.search(ascii_run):
            tokens.append(_ascii_token(ascii_run))
        else:
            tokens.append(ascii_run)
    if len(runs) == 1:
        tokens += cut(runs[0])
    elif runs:
        tokens += [word for word in cut(" ".join(runs)) if word != " "]
    return tokens


def token_bags(normalized_texts: Sequence[str]) -> list[list[str]]:
    """For each text already passed through :func:`normalize`, the tokens of :func:`tokenize`.

    The same tokens with the same counts (a test proves it), but not in text order: for
    bag-of-words features, where it is several times faster than :func:`tokenize`.
    """
    splitter = _splitter()
    if engine_name() == "rjieba":
        engine = _rjieba_engine()

        def cut(segment: str) -> list[str]:
            result: list[str] = engine.cut(segment, True)
            return result

    else:
        jieba_engine = _jieba_engine()

        def cut(segment: str) -> list[str]:
            return list(jieba_engine.cut(segment, HMM=True))

    return [_bag(text, cut, splitter) if text else [] for text in normalized_texts]


def _jieba_engine() -> Any:
    with _LOCK:
        if _STATE.jieba is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            engine = jieba.Tokenizer()
            engine.initialize()
            for entry in _entries():
                engine.add_word(entry.word, entry.freq, entry.tag)
            _STATE.jieba = engine
        return _STATE.jieba


def _rjieba_engine() -> Any:
    with _LOCK:
        if _STATE.rjieba is None:
            import rjieba

            engine = rjieba.Jieba()
            for entry in _entries():
                engine.add_word(entry.word, entry.freq, entry.tag)
            _STATE.rjieba = engine
        return _STATE.rjieba


def tokenize_jieba(text: str) -> list[str]:
    """Tokens of ``text`` with jieba (precise mode, HMM on): the reference engine."""
    engine = _jieba_engine()

    def cut(segment: str) -> list[str]:
        return list(engine.cut(segment, HMM=True))

    return _segment(normalize(text), cut)


def tokenize_rjieba(text: str) -> list[str]:
    """Tokens of ``text`` with rjieba (the same segmentation, 16-24x faster)."""
    engine = _rjieba_engine()

    def cut(segment: str) -> list[str]:
        result: list[str] = engine.cut(segment, True)
        return result

    return _segment(normalize(text), cut)


def engine_name() -> str:
    """The engine :func:`tokenize` uses: ``rjieba`` unless forced or unavailable, else ``jieba``."""
    if os.environ.get(ENGINE_ENV, "").strip().lower() == "jieba":
        return "jieba"
    with _LOCK:
        if _STATE.rjieba_missing:
            return "jieba"
        if _STATE.rjieba is None:
            try:
                _rjieba_engine()
            except ImportError:
                _STATE.rjieba_missing = True
                return "jieba"
    return "rjieba"


def tokenize(text: str) -> list[str]:
    """Tokens of ``text`` for the classifier. Stable import path: pickled models reference it."""
    if not text:
        return []
    if engine_name() == "rjieba":
        return tokenize_rjieba(text)
    return tokenize_jieba(text)


def warm_up() -> str:
    """Initialise the tokenizer now (at worker start) and return the engine's name."""
    tokenize("预热")
    return engine_name()
