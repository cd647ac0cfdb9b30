"""Extract the UI's messages, merge them into the Chinese catalogue, compile it (run after changing texts).

    .venv/bin/python scripts/i18n.py          # extract + update + compile
    .venv/bin/python scripts/i18n.py --check  # exit 1 if a message has no Chinese text or the .mo is stale

English msgids in the code; ``webapp/translations/zh/LC_MESSAGES/messages.po`` holds the
Chinese (the default language), and its compiled ``.mo`` is committed so a fresh clone works.
"""
from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "webapp/translations/zh/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")


def extract() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg", "-k", "_l",
                        "--no-location", "--omit-header", "-o", str(pot), "."],
                       cwd=ROOT, check=True, capture_output=True)
        return pot.read_bytes()


def compiled(catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def meaning(mo: bytes) -> dict:
    """What a compiled catalogue says: each message and its Chinese, the header left out (its "Generated-By"
    names the Babel release that compiled it, so the bytes differ between releases that mean the same)."""
    return {(m.id if isinstance(m.id, str) else tuple(m.id), m.context): m.string
            for m in read_mo(io.BytesIO(mo)) if m.id}


def main() -> int:
    template = read_po(io.BytesIO(extract()))
    catalog = read_po(PO.open("rb"), locale="zh") if PO.exists() else None
    missing = [m.id for m in template
               if m.id and (catalog is None or not (catalog.get(m.id) and catalog.get(m.id).string))]
    if "--check" in sys.argv:
        stale = not MO.exists() or meaning(MO.read_bytes()) != meaning(compiled(catalog))
        for msgid in missing:
            print(f"no Chinese text for: {msgid!r}")
        if stale:
            print(f"{MO.relative_to(ROOT)} is not the compiled {PO.name}: run scripts/i18n.py")
        return 1 if missing or stale else 0
    catalog.update(template, no_fuzzy_matching=True)
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as f:
        write_po(f, catalog, width=0, omit_header=False, sort_output=True, include_previous=False)
    MO.write_bytes(compiled(read_po(PO.open("rb"), locale="zh")))
    for msgid in missing:
        print(f"no Chinese text yet: {msgid!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
