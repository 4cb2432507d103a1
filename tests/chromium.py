"""Debian's Chromium, headless, driven by Playwright: shared by the browser tests.

Set RELANCE_SCREENSHOTS=1 to write the screenshots into docs/screenshots/ (committed and
shown in README.md); otherwise they go to the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("RELANCE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)",
)


def shot(page: Any, name: str, tmp_path: Path, *, full_page: bool = True) -> None:
    folder = DOCS if os.environ.get("RELANCE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)
    assert (folder / f"{name}.png").stat().st_size > 10_000
