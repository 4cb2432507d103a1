"""The real FEC's bank lines, matched without its lettering, find what the lettering
settles: the quality targets of issue 7 (precision >= 99.5 %, recall >= 90 %)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SHARED_DATA

from relance.bank.quality import fec_against_lettering

FEC = SHARED_DATA / "fec" / "0000000001FEC20220831.txt"


def test_the_fec_bank_lines_matched_without_lettering_reach_the_lettering(creditor, tmp_path: Path):
    quality = fec_against_lettering(FEC, creditor, tmp_path)
    print(quality, quality.precision, quality.recall, quality.found)
    assert quality.lines >= 110
    assert quality.precision >= 0.995
    assert quality.recall >= 0.90
