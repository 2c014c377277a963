"""Privacy masking of text that leaves the platform (public pages, the API, Open311, exports).

Pure functions, no Django: `mask(text, names=..., extra_rules=...)` hides

* 18-digit resident ID numbers whose ISO 7064 MOD 11-2 check digit (0-9 or X) is right,
* mainland mobile numbers (1[3-9] + 9 digits, optionally +86 / 86, or written 138-1234-5678),
* landline numbers with an area code (0731-88888888, (0731)88888888, 073188888888),
* bank card numbers of 16 to 19 digits that pass the Luhn check (also written in groups of 4),
* licence plates (湘A12345, 湘A·D12345 for new-energy vehicles),
* e-mail addresses,
* the citizen's names (full name everywhere; surname + 先生/女士/小姐),
* staff rules: literal text or regular expressions, global or per case.

Everything else stays: dates (2026-11-22, 20261122), prices (¥1234.50, 1200元), tracking numbers
(261122ABCD23), hotlines (12345) and digit runs that fail their check. A number is only looked at
as a whole: digits glued to other letters or digits are never a phone number or an ID.

The replacement keeps a recognisable shape (`138****1234`, `430***********123X`) so a reader sees
that something was there and what kind of thing it was.

Speed: the detectors are one precompiled regular expression applied in a single pass; names and
staff rules add one pass each only when there are any.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = [
    "HONORIFICS",
    "Rule",
    "id_check_digit",
    "is_valid_id_number",
    "luhn_ok",
    "mask",
    "name_pattern",
]

STAR = "*"
HONORIFICS = ("先生", "女士", "小姐")
# The commonest two-character surnames: 欧阳娜娜 → surname 欧阳.
_DOUBLE_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
        "端木",
        "独孤",
        "南宫",
        "西门",
    ]
)
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

# No ASCII letter or digit may touch a number on either side: 261122ABCD23 is a tracking number,
# not a phone number followed by letters.
_NB = r"(?<![0-9A-Za-z])"
_NA = r"(?![0-9A-Za-z])"

# Every detector starts with one of these characters: a position holding anything else (most of
# a Chinese text) is passed over after one test, instead of trying each detector there.
_FIRST = rf"(?=[A-Za-z0-9+(（{_PROVINCES}])"
_DETECTORS = re.compile(
    _FIRST
    + "(?:"
    + "|".join(
        [
            # E-mail first: 13812345678@qq.com is an address, not a phone number.
            r"(?P<email>[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})",
            # Licence plate: province, city letter, optional dot, 5 (or 6 for new energy) chars.
            rf"(?P<plate>[{_PROVINCES}][A-HJ-NP-Z][·•・ ]?[A-HJ-NP-Z0-9]{{5,6}}){_NA}",
            # Bank card written in groups of four.
            rf"{_NB}(?P<cardgroups>[0-9]{{4}}(?:[ \-][0-9]{{4}}){{3}}(?:[ \-]?[0-9]{{1,3}})?){_NA}",
            # Mobile written with separators, optionally +86.
            rf"{_NB}(?P<mobilesep>(?:\+?86[ \-]?)?1[3-9][0-9][ \-][0-9]{{4}}[ \-][0-9]{{4}}){_NA}",
            # Landline with its area code separated: 0731-88888888, (0731)88888888, 0731 8888888.
            rf"(?P<landline>(?:[(（]0[1-9][0-9]{{1,2}}[)）][ \-]?|{_NB}0[1-9][0-9]{{1,2}}[ \-])"
            rf"[2-9][0-9]{{6,7}}(?:-[0-9]{{1,5}})?){_NA}",
            # A bare digit run (+86 prefix allowed): decided by its length and check digits.
            rf"{_NB}(?P<digits>\+?[0-9]{{10,19}}[Xx]?){_NA}",
        ]
    )
    + ")"
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def id_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a resident ID number's first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_id_number(value: str) -> bool:
    """18 characters, 17 digits and the right check character (digit or X), a plausible date."""
    if len(value) != 18 or not value[:17].isascii() or not value[:17].isdigit():
        return False
    if value[0] == "0" or not ("01" <= value[10:12] <= "12") or not ("01" <= value[12:14] <= "31"):
        return False
    if not ("18" <= value[6:8] <= "20"):
        return False
    return id_check_digit(value[:17]) == value[17].upper()


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = ord(ch) - 48
        if i % 2:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def _keep(value: str, head: int, tail: int) -> str:
    """`value` with everything but `head` and `tail` characters starred (separators kept)."""
    chars = list(value)
    positions = [i for i, ch in enumerate(chars) if ch.isalnum()]
    for i in positions[head : len(positions) - tail]:
        chars[i] = STAR
    return "".join(chars)


def _mask_digits(run: str) -> str | None:
    prefix = ""
    if run.startswith("+"):
        prefix, run = "+", run[1:]
    if len(run) == 18 and is_valid_id_number(run):
        return prefix + _keep(run, 3, 4)
    if run[-1] in "Xx":
        return None
    n = len(run)
    if n == 11 and _MOBILE.fullmatch(run):
        return prefix + _keep(run, 3, 4)
    if n == 13 and run.startswith("86") and _MOBILE.fullmatch(run[2:]):
        return prefix + "86" + _keep(run[2:], 3, 4)
    if 16 <= n <= 19 and luhn_ok(run):
        return prefix + _keep(run, 4, 4)
    if not prefix and run[0] == "0" and run[1] != "0" and 10 <= n <= 12:
        return _keep(run, 4 if n == 12 else 3, 2)  # landline written without separator
    return None


def _replace(match: re.Match[str]) -> str:
    kind = match.lastgroup
    value = match.group()
    if kind == "digits":
        masked = _mask_digits(value)
        return value if masked is None else masked
    if kind == "email":
        local, _at, domain = value.partition("@")
        return f"{local[0]}{STAR * 3}@{domain}"
    if kind == "plate":
        if not any(ch.isdigit() for ch in value[2:]):
            return value
        return value[:2] + _keep(value[2:], 0, 2)
    if kind == "cardgroups":
        digits = re.sub(r"[ \-]", "", value)
        return _keep(value, 4, 4) if 16 <= len(digits) <= 19 and luhn_ok(digits) else value
    if kind == "mobilesep":
        digits = re.sub(r"[ +\-]", "", value)
        return _keep(value, len(digits) - 8, 4)
    if kind == "landline":
        # Area code and the last two digits stay: (0731)******88.
        head = re.match(r"[(（]?0[0-9]+", value)
        return value[: head.end()] + _keep(value[head.end() :], 0, 2) if head else value
    return value


def _surname(name: str) -> str:
    return name[:2] if name[:2] in _DOUBLE_SURNAMES else name[:1]


def _is_cjk(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)


@lru_cache(maxsize=1024)
def name_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for the citizen's names: full names (two characters or more; ASCII names as
    whole words), and surname + 先生/女士/小姐 (from 张三 or from 张先生 itself)."""
    forms: set[str] = set()
    words: set[str] = set()
    for raw in names:
        name = (raw or "").strip()
        if not name:
            continue
        base, titled = name, False
        for honorific in HONORIFICS:
            if name.endswith(honorific) and len(name) > len(honorific):
                base, titled = name[: -len(honorific)], True
        if _is_cjk(base):
            if len(base) >= 2 and not (titled and base in _DOUBLE_SURNAMES):
                forms.add(base)  # the full name: 张三 (also from 张三先生)
            forms.update(_surname(base) + h for h in HONORIFICS)
        elif len(name) >= 2:
            words.add(name)
    parts = [re.escape(f) for f in sorted(forms, key=len, reverse=True)]
    parts += [
        rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])" for w in sorted(words, key=len, reverse=True)
    ]
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


def _mask_name(match: re.Match[str]) -> str:
    value = match.group()
    for honorific in HONORIFICS:
        if value.endswith(honorific) and len(value) > len(honorific):
            return STAR + honorific
    return STAR * min(len(value), 3)


class Rule:
    """A staff masking rule: literal text or a regular expression."""

    __slots__ = ("pattern",)

    def __init__(self, value: str, *, is_regex: bool = False) -> None:
        self.pattern = re.compile(value if is_regex else re.escape(value))

    def apply(self, text: str) -> str:
        return self.pattern.sub(lambda m: STAR * max(len(m.group()), 1), text)


def mask(
    text: str,
    *,
    names: Iterable[str] = (),
    extra_rules: Iterable[Rule | str] = (),
) -> str:
    """`text` with personal data replaced by stars. Staff rules run first (so a literal rule can
    name a number), then the citizen's names, then the built-in detectors."""
    if not text:
        return text or ""
    for rule in extra_rules:
        text = (Rule(rule) if isinstance(rule, str) else rule).apply(text)
    pattern = name_pattern(tuple(n for n in names if n))
    if pattern is not None:
        text = pattern.sub(_mask_name, text)
    return _DETECTORS.sub(_replace, text)
