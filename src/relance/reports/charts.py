"""Charts as inline SVG, drawn on the server: no script, no CDN, they print, and a test
reads them as XML. Each chart has a title and a description for screen readers, and
each mark a tooltip (`<title>`) with its figure; the page gives the numbers in a table
too. Coordinates are floats: geometry, not money (the figures shown are formatted from
minor units by the caller).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 90, 16, 34, 40
PALETTE = ("#2e7d32", "#f9a825", "#ef6c00", "#d84315", "#b71c1c", "#6a1b9a", "#37474f")
_ids = count(1)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    texts: Sequence[str]  # each value as people read it, for the tooltips
    colour: str = PALETTE[0]


def _num(value: float) -> str:
    return f"{value:.1f}"


def _open(title: str, description: str, height: int = HEIGHT) -> list[str]:
    ident = f"chart{next(_ids)}"
    return [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{ident}-t {ident}-d">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(description)}</desc>',
        f'<text class="caption" x="0" y="14" font-size="14" font-weight="bold">'
        f"{escape(title)}</text>",
    ]


def _close(parts: list[str]) -> SafeString:
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _axis(parts: list[str], low: float, high: float, height: int, fmt: str = "{:,.0f}") -> None:
    """Horizontal grid lines and their values, at the bottom, middle and top."""
    for share in (0.0, 0.5, 1.0):
        value = low + (high - low) * share
        y = _y(value, low, high, height)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y)}" y2="{_num(y)}" '
            f'stroke="#ccc" stroke-width="0.5"/>'
            f'<text x="{LEFT - 6}" y="{_num(y + 4)}" text-anchor="end" font-size="11">'
            f"{escape(fmt.format(value))}</text>"
        )


def _y(value: float, low: float, high: float, height: int) -> float:
    span = (high - low) or 1.0
    return TOP + (height - TOP - BOTTOM) * (1 - (value - low) / span)


def _slot(index: int, slots: int) -> tuple[float, float]:
    """(left x, width) of the index-th of `slots` columns."""
    width = (WIDTH - LEFT - RIGHT) / max(slots, 1)
    return LEFT + index * width, width


def _labels(parts: list[str], labels: Sequence[str], height: int, every: int = 1) -> None:
    for i, label in enumerate(labels):
        if i % every:
            continue
        x, w = _slot(i, len(labels))
        parts.append(
            f'<text x="{_num(x + w / 2)}" y="{height - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11">{escape(label)}</text>'
        )


def _legend(parts: list[str], series: Sequence[Series], height: int) -> None:
    x = LEFT
    for s in series:
        parts.append(
            f'<rect x="{x}" y="{height - 14}" width="10" height="10" fill="{s.colour}"/>'
            f'<text x="{x + 14}" y="{height - 5}" font-size="11">{escape(s.label)}</text>'
        )
        x += 24 + 7 * len(s.label)


def stacked_bars(
    title: str, description: str, categories: Sequence[str], series: Sequence[Series]
) -> SafeString:
    """One column per category, stacked by series (values zero or more)."""
    height = HEIGHT + 20
    parts = _open(title, description, height)
    totals = [sum(s.values[i] or 0.0 for s in series) for i in range(len(categories))]
    high = max(totals, default=0.0) or 1.0
    _axis(parts, 0.0, high, height - 20)
    for i, category in enumerate(categories):
        x, w = _slot(i, len(categories))
        base = 0.0
        for s in series:
            value = s.values[i] or 0.0
            if value <= 0:
                continue
            top, bottom = _y(base + value, 0, high, height - 20), _y(base, 0, high, height - 20)
            parts.append(
                f'<rect class="bar" x="{_num(x + w * 0.15)}" y="{_num(top)}" '
                f'width="{_num(w * 0.7)}" height="{_num(bottom - top)}" fill="{s.colour}">'
                f"<title>{escape(category)} · {escape(s.label)}: {escape(s.texts[i])}</title></rect>"
            )
            base += value
    _labels(parts, categories, height - 20)
    _legend(parts, series, height)
    return _close(parts)


def lines(title: str, description: str, labels: Sequence[str], series: Sequence[Series],
          fmt: str = "{:,.1f}") -> SafeString:  # fmt: skip
    """One line per series over the labels; None leaves a gap."""
    parts = _open(title, description, HEIGHT + 20)
    known = [v for s in series for v in s.values if v is not None]
    low, high = min([0.0, *known]), max([1.0, *known])
    _axis(parts, low, high, HEIGHT, fmt)
    for s in series:
        path, pen = [], "M"
        for i, value in enumerate(s.values):
            if value is None:
                pen = "M"
                continue
            x, w = _slot(i, len(labels))
            y = _y(value, low, high, HEIGHT)
            path.append(f"{pen}{_num(x + w / 2)},{_num(y)}")
            parts.append(
                f'<circle class="point" cx="{_num(x + w / 2)}" cy="{_num(y)}" r="3" '
                f'fill="{s.colour}"><title>{escape(labels[i])} · {escape(s.label)}: '
                f"{escape(s.texts[i])}</title></circle>"
            )
            pen = "L"
        if path:
            parts.append(
                f'<path class="line" d="{" ".join(path)}" fill="none" stroke="{s.colour}" '
                f'stroke-width="2"/>'
            )
    _labels(parts, labels, HEIGHT, every=2 if len(labels) > 8 else 1)
    _legend(parts, series, HEIGHT + 20)
    return _close(parts)


def band(
    title: str, description: str, labels: Sequence[str], expected: Series, low: Series,
    high: Series,
) -> SafeString:  # fmt: skip
    """Columns of the expected values with the low-high band drawn behind them."""
    parts = _open(title, description, HEIGHT + 20)
    top = max([1.0, *(v or 0.0 for v in high.values), *(v or 0.0 for v in expected.values)])
    _axis(parts, 0.0, top, HEIGHT)
    edge_high, edge_low = [], []
    for i in range(len(labels)):
        x, w = _slot(i, len(labels))
        edge_high.append(f"{_num(x + w / 2)},{_num(_y(high.values[i] or 0.0, 0, top, HEIGHT))}")
        edge_low.append(f"{_num(x + w / 2)},{_num(_y(low.values[i] or 0.0, 0, top, HEIGHT))}")
    if edge_high:
        points = " L".join(edge_high + edge_low[::-1])
        parts.append(
            f'<path class="band" d="M{points} Z" fill="#90caf9" fill-opacity="0.5" stroke="none">'
            f"<title>{escape(low.label)} - {escape(high.label)}</title></path>"
        )
    for i, label in enumerate(labels):
        x, w = _slot(i, len(labels))
        value = expected.values[i] or 0.0
        y = _y(value, 0, top, HEIGHT)
        parts.append(
            f'<rect class="bar" x="{_num(x + w * 0.3)}" y="{_num(y)}" width="{_num(w * 0.4)}" '
            f'height="{_num(_y(0, 0, top, HEIGHT) - y)}" fill="{expected.colour}">'
            f"<title>{escape(label)} · {escape(expected.label)}: {escape(expected.texts[i])} "
            f"({escape(low.label)} {escape(low.texts[i])}, {escape(high.label)} "
            f"{escape(high.texts[i])})</title></rect>"
        )
    _labels(parts, labels, HEIGHT, every=2 if len(labels) > 8 else 1)
    _legend(parts, [expected, Series(f"{low.label} - {high.label}", (), (), "#90caf9")],
            HEIGHT + 20)  # fmt: skip
    return _close(parts)


def ranking(
    title: str, description: str, rows: Sequence[tuple[str, float, str, str]]
) -> SafeString:
    """Horizontal bars, the largest first: (label, value, value as text, link)."""
    height = TOP + 26 * max(len(rows), 1) + 8
    parts = _open(title, description, height)
    high = max([r[1] for r in rows], default=0.0) or 1.0
    span = WIDTH - 260 - RIGHT
    for i, (label, value, text, href) in enumerate(rows):
        y = TOP + 26 * i
        bar = max(1.0, span * value / high)
        parts.append(
            f'<a href="{escape(href)}"><text x="0" y="{y + 14}" font-size="12">'
            f"{escape(label[:32])}</text>"
            f'<rect class="bar" x="190" y="{y}" width="{_num(bar)}" height="18" '
            f'fill="{PALETTE[4]}"><title>{escape(label)}: {escape(text)}</title></rect></a>'
            f'<text x="{_num(196 + bar)}" y="{y + 14}" font-size="11">{escape(text)}</text>'
        )
    return _close(parts)
