"""The «kit de secours»: one A4 page holding the recovery key, private on disk."""

from __future__ import annotations

import datetime as dt
import os
import stat

from pypdf import PdfReader

from app.crypto.recovery import new_recovery_key, parse_recovery_key
from app.crypto.recovery_kit import write_recovery_kit


def test_the_kit_is_one_private_page_with_the_key_groups(tmp_path):
    key = new_recovery_key()
    target = tmp_path / "kits" / "kit-de-secours.pdf"
    write_recovery_kit(
        target,
        key,
        office="Cabinet Lefèvre & Fils — Courtage",
        created_on=dt.date(2026, 11, 30),
        office_id="0123456789abcdef0123456789abcdef",
    )
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == [target.name]
    reader = PdfReader(target)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    text = reader.pages[0].extract_text()
    lines = [line.replace(" ", "") for line in text.splitlines()]
    groups = [line for line in lines if line in key.groups()]
    assert groups == key.groups()  # every group, in order, each readable as one word
    assert parse_recovery_key(" ".join(groups)) == key
    flat = " ".join(text.split())
    for words in (
        "Kit de secours",
        "Cabinet Lefèvre & Fils — Courtage",
        "30/11/2026",
        "À quoi sert-elle ?",
        "Où la conserver ?",
        "0123456789abcdef0123456789abcdef",
    ):
        assert words in flat
