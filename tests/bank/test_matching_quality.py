"""The real FEC's bank lines, matched without its lettering, find what the lettering
settles: the quality targets of issue 7 (precision >= 99.5 %, recall >= 90 %)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SHARED_DATA

from relance.bank.quality import fec_against_lettering

FEC = SHARED_DATA / "fec" / "0000000001FEC20220831.txt"


def test_the_fec_bank_lines_matched_without_lettering_reach_the_lettering(creditor, tmp_path: Path):
    quality = fec_against_lettering(FEC, creditor, tmp_path)
    # 129 bank lines on customer accounts, 128 of which the lettering settles
    assert quality.lines == 128
    assert quality.precision >= 0.995
    assert quality.recall >= 0.90
    # what is not applied is mostly proposed right, for review
    assert quality.found >= 0.93
