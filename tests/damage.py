"""Files damaged at random, for the fuzz tests of the readers and the importers."""

from __future__ import annotations

import os

from hypothesis import strategies as st


def fuzz_examples(quick: int) -> int:
    """`quick` in the suite; `make fuzz` asks for many more (RELANCE_FUZZ_EXAMPLES)."""
    return int(os.environ.get("RELANCE_FUZZ_EXAMPLES", str(quick)))


@st.composite
def damaged(draw: st.DrawFn, original: bytes) -> bytes:
    """`original` with one to four kinds of damage, each at a random place."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        size = draw(st.integers(1, 64))
        kind = draw(st.sampled_from(["flip", "cut", "repeat", "insert", "truncate"]))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at : at + size]
        elif kind == "repeat":
            data[at:at] = data[at : at + size]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=size))
        else:
            del data[at:]
    return bytes(data)
