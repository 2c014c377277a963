"""Check the Simplified Chinese catalogue (the UI's default language); exit 1 listing every problem.

    .venv/bin/python locale/check_catalogue.py            # the .po and the committed .mo
    .venv/bin/python locale/check_catalogue.py --extract  # also: strings in the code not yet in it

Problems reported:
- a header that is fuzzy, or whose Language / charset / Plural-Forms are not zh_Hans, UTF-8, 1 form;
- an entry that is untranslated or fuzzy (obsolete `#~` entries are ignored);
- a translation whose placeholders (`%(name)s`, `%(n)d`, `%%`, `%s`) differ from its msgid's;
- a `django.mo` that does not hold exactly the translations of `django.po` (compile it:
  `manage.py compilemessages --ignore=.venv`);
- with --extract (needs GNU gettext): a msgid of the code or the templates that the catalogue
  lacks, found by running makemessages into a temporary copy (the real catalogue is not touched).
  Then run `manage.py makemessages -l zh_Hans --ignore=.venv --ignore=tests --ignore=bench
  --ignore=var --ignore=node_modules` and translate the new entries.

Standard library only (plus Django for --extract), so it runs wherever the project runs.
"""

from __future__ import annotations

import argparse
import gettext
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = LOCALE_DIR.parent
LANGUAGE = "zh_Hans"
DOMAIN = "django"
PO_PATH = LOCALE_DIR / LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po"
MO_PATH = PO_PATH.with_suffix(".mo")
# The same folders `makemessages` is told to skip.
IGNORE = [".venv", "tests", "bench", "var", "node_modules", "locale"]

PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0
    references: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"

    def label(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"line {self.line}: {self.msgid!r}{context}"


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"not a quoted PO string: {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """A small PO reader: msgctxt, msgid, msgid_plural, msgstr[n], flags, obsolete entries."""
    entries: list[Entry] = []
    entry = Entry()
    field_name: str | None = None
    started = False

    def finish() -> None:
        nonlocal entry, field_name, started
        if started:
            entries.append(entry)
        entry, field_name, started = Entry(), None, False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if started and field_name is not None and not line.startswith("#~"):
                finish()  # a comment after msgstr starts the next entry
            if line.startswith("#,"):
                entry.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            elif line.startswith("#:"):
                entry.references.extend(line[2:].split())
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            if field_name is None:
                raise ValueError(f"{path}:{number}: continuation line outside an entry")
            value = _unquote(line)
        else:
            if (
                keyword in ("msgctxt", "msgid")
                and field_name is not None
                and field_name.startswith("msgstr")
            ):
                finish()
            if not started:
                entry.line = number
                started = True
            entry.obsolete = entry.obsolete or obsolete
            field_name, value = keyword, _unquote(rest)
        if field_name == "msgid":
            entry.msgid += value
        elif field_name == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + value
        elif field_name == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + value
        elif field_name == "msgstr":
            entry.msgstr[0] = entry.msgstr.get(0, "") + value
        elif field_name and (m := re.fullmatch(r"msgstr\[(\d+)\]", field_name)):
            index = int(m.group(1))
            entry.msgstr[index] = entry.msgstr.get(index, "") + value
        else:
            raise ValueError(f"{path}:{number}: unknown keyword {keyword!r}")
    finish()
    return entries


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def check_entries(entries: list[Entry]) -> list[str]:
    problems: list[str] = []
    headers = [e for e in entries if e.msgid == "" and e.msgctxt is None and not e.obsolete]
    if not headers:
        problems.append("the header entry is missing")
    else:
        header = headers[0]
        if "fuzzy" in header.flags:
            problems.append("the header is marked fuzzy")
        meta = dict(
            line.split(":", 1) for line in header.msgstr.get(0, "").splitlines() if ":" in line
        )
        meta = {k.strip(): v.strip() for k, v in meta.items()}
        if meta.get("Language") != LANGUAGE:
            problems.append(f"header Language is {meta.get('Language')!r}, not {LANGUAGE!r}")
        if "charset=UTF-8" not in meta.get("Content-Type", ""):
            problems.append("header Content-Type is not text/plain; charset=UTF-8")
        if meta.get("Plural-Forms", "").replace(" ", "") != "nplurals=1;plural=0;":
            problems.append("header Plural-Forms is not 'nplurals=1; plural=0;'")
    for e in entries:
        if e.obsolete or (e.msgid == "" and e.msgctxt is None):
            continue
        if "fuzzy" in e.flags:
            problems.append(f"fuzzy: {e.label()}")
        forms = [0] if e.msgid_plural is None else sorted(e.msgstr) or [0]
        translations = [e.msgstr.get(i, "") for i in forms]
        if not all(t.strip() for t in translations):
            problems.append(f"untranslated: {e.label()}")
            continue
        if "python-format" not in e.flags:
            continue  # no interpolation: a "%" is only a character
        for t in translations:
            if e.msgid_plural is None:
                same = _placeholders(t) == _placeholders(e.msgid)
            else:  # one Chinese form stands for both English ones
                wanted = set(_placeholders(e.msgid)) | set(_placeholders(e.msgid_plural))
                same = set(_placeholders(t)) == wanted
            if not same:
                problems.append(f"placeholders differ: {e.label()} -> {t!r}")
    return problems


def check_compiled(entries: list[Entry], mo_path: Path = MO_PATH) -> list[str]:
    """The .mo must hold exactly the translated, non-fuzzy entries of the .po."""
    if not mo_path.exists():
        return [f"{mo_path.relative_to(PROJECT_DIR)} is missing: run compilemessages"]
    with mo_path.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for e in entries:
        if e.obsolete or "fuzzy" in e.flags or (e.msgid == "" and e.msgctxt is None):
            continue
        if e.msgid_plural is None:
            if e.msgstr.get(0):
                expected[e.key] = e.msgstr[0]
        elif all(e.msgstr.values()):
            for index, text in e.msgstr.items():
                expected[(e.key, index)] = text
    actual = {k: v for k, v in catalog.items() if k != ""}
    stale = sorted(
        repr(k) for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k)
    )
    if stale:
        listed = ", ".join(stale[:10]) + (" ..." if len(stale) > 10 else "")
        return [
            f"{mo_path.name} is out of date with {PO_PATH.name} ({len(stale)} entries differ: "
            f"{listed}): run `manage.py compilemessages --ignore=.venv`"
        ]
    return []


def extract_into(target: Path) -> Path:
    """Run makemessages for zh_Hans into `target` (a copy of the catalogue); return the new .po."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.test")
    sys.path.insert(0, str(PROJECT_DIR))
    import django
    from django.core.management import call_command
    from django.core.management.commands import makemessages

    django.setup()
    po_copy = target / LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po"
    po_copy.parent.mkdir(parents=True)
    shutil.copyfile(PO_PATH, po_copy)

    class Extract(makemessages.Command):
        def find_files(self, root: str) -> list[Any]:
            files = super().find_files(root)
            for translatable in files:
                translatable.locale_dir = str(target)  # never the real locale/ folder
            if str(target) not in self.locale_paths:
                self.locale_paths.insert(0, str(target))  # where the .pot is looked for
            return files

    cwd = Path.cwd()
    os.chdir(PROJECT_DIR)
    try:
        call_command(
            Extract(),
            locale=[LANGUAGE],
            ignore_patterns=IGNORE,
            verbosity=0,
            no_obsolete=True,
        )
    finally:
        os.chdir(cwd)
    return po_copy


def missing_from_code() -> list[str]:
    """Msgids of the code and templates that the catalogue lacks or leaves untranslated."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        return ["--extract needs GNU gettext (xgettext, msgmerge): apt-get install gettext"]
    with tempfile.TemporaryDirectory(prefix="wenzheng-messages-") as tmp:
        fresh = parse_po(extract_into(Path(tmp)))
    found = []
    for e in fresh:
        if e.obsolete or (e.msgid == "" and e.msgctxt is None):
            continue
        if "fuzzy" in e.flags or not all(e.msgstr.values()) or not e.msgstr:
            where = e.references[0] if e.references else "?"
            found.append(f"not in the catalogue: {e.msgid!r} ({where})")
    return found


def problems(*, extract: bool = False) -> list[str]:
    if not PO_PATH.exists():
        return [f"{PO_PATH.relative_to(PROJECT_DIR)} is missing"]
    entries = parse_po(PO_PATH)
    found = check_entries(entries) + check_compiled(entries)
    if extract:
        found += missing_from_code()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--extract",
        action="store_true",
        help="also extract the code's strings (makemessages into a temporary folder)",
    )
    args = parser.parse_args(argv)
    found = problems(extract=args.extract)
    entries = (
        [e for e in parse_po(PO_PATH) if not e.obsolete and e.msgid] if PO_PATH.exists() else []
    )
    if found:
        print(f"{PO_PATH.relative_to(PROJECT_DIR)}: {len(found)} problem(s)")  # noqa: T201
        for line in found:
            print(f"  {line}")  # noqa: T201
        return 1
    print(f"{PO_PATH.relative_to(PROJECT_DIR)}: {len(entries)} entries, all translated")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
