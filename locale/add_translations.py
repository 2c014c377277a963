"""Add translated entries to the Simplified Chinese catalogue and compile it, safely in parallel.

    .venv/bin/python locale/add_translations.py FRAGMENT.po [FRAGMENT.po ...]

A fragment holds ordinary PO entries (`msgid` / `msgstr`, optional `msgctxt`, `#, python-format`
flag, `msgid_plural` / `msgstr[0]`). Entries whose msgid (and context) the catalogue already holds
are left as they are (a different translation is reported, not overwritten); the others are
appended. The catalogue is then compiled with GNU msgfmt. The whole update holds an exclusive lock
on the catalogue, so several people (or scripts) can add entries at the same time.

`manage.py makemessages` later adds source references and sorts nothing away: it keeps these
entries with their translations.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
from pathlib import Path

from check_catalogue import MO_PATH, PO_PATH, Entry, parse_po


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("\t", "\\t")
    return f'"{escaped}"'


def render(entry: Entry) -> str:
    lines = [""]
    flags = sorted(f for f in entry.flags if f != "fuzzy")
    if flags:
        lines.append("#, " + ", ".join(flags))
    if entry.msgctxt is not None:
        lines.append(f"msgctxt {_quote(entry.msgctxt)}")
    lines.append(f"msgid {_quote(entry.msgid)}")
    if entry.msgid_plural is None:
        lines.append(f"msgstr {_quote(entry.msgstr.get(0, ''))}")
    else:
        lines.append(f"msgid_plural {_quote(entry.msgid_plural)}")
        for index in sorted(entry.msgstr):
            lines.append(f"msgstr[{index}] {_quote(entry.msgstr[index])}")
    return "\n".join(lines) + "\n"


def add(fragments: list[Path]) -> int:
    with PO_PATH.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        known = {e.key: e for e in parse_po(PO_PATH) if not e.obsolete}
        added = 0
        for fragment in fragments:
            for entry in parse_po(fragment):
                if entry.obsolete or entry.msgid == "":
                    continue
                if not entry.msgstr or not all(entry.msgstr.values()):
                    print(f"{fragment}: untranslated, skipped: {entry.msgid!r}")  # noqa: T201
                    continue
                existing = known.get(entry.key)
                if existing is not None:
                    if existing.msgstr != entry.msgstr:
                        print(  # noqa: T201
                            f"{fragment}: kept the catalogue's translation of {entry.msgid!r}: "
                            f"{existing.msgstr.get(0)!r} (not {entry.msgstr.get(0)!r})"
                        )
                    continue
                handle.write(render(entry))
                known[entry.key] = entry
                added += 1
        handle.flush()
        subprocess.run(  # noqa: S603
            ["msgfmt", "--check-format", "-o", str(MO_PATH), str(PO_PATH)],  # noqa: S607
            check=True,
        )
    print(f"{added} entries added; {MO_PATH.name} compiled")  # noqa: T201
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(add([Path(p) for p in sys.argv[1:]]))
