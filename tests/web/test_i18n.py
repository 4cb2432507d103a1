import re
from pathlib import Path

import relance

PO = Path(relance.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_every_interface_text_has_a_french_translation():
    text = PO.read_text(encoding="utf-8")
    entries = re.findall(r'\nmsgid "(.+)"\n(?:msgid_plural ".*"\n)?msgstr(?:\[0\])? "(.*)"', text)
    assert entries
    assert [msgid for msgid, msgstr in entries if not msgstr] == []


def test_the_compiled_catalogue_is_newer_than_its_source():
    assert PO.with_suffix(".mo").stat().st_mtime >= PO.stat().st_mtime - 1


def test_no_translation_is_left_fuzzy_for_msgfmt_to_drop():
    assert "fuzzy" not in PO.read_text(encoding="utf-8")
