from pathlib import Path

from babel.messages.pofile import read_po

import relance

PO = Path(relance.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_every_interface_text_has_a_french_translation():
    with PO.open("rb") as f:
        catalog = read_po(f, locale="fr")
    untranslated = [
        m.id for m in catalog
        if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]  # fmt: skip
    assert len(catalog) > 100
    assert untranslated == []


def test_the_compiled_catalogue_is_newer_than_its_source():
    assert PO.with_suffix(".mo").stat().st_mtime >= PO.stat().st_mtime - 1


def test_no_translation_is_left_fuzzy_for_msgfmt_to_drop():
    assert "fuzzy" not in PO.read_text(encoding="utf-8")
