"""Looking for a short code (C1, F3) in a page: as a word, since the page's CSRF tokens
are random letters and digits that hold any two-character code now and then."""

from __future__ import annotations

import re


def has_word(text: str, word: str) -> bool:
    """
    >>> has_word("<td>C1</td>", "C1"), has_word('value="x0Kx8C1wJ"', "C1")
    (True, False)
    """
    return re.search(rf"\b{re.escape(word)}\b", text) is not None
