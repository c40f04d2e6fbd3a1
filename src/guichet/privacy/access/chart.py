"""A server-rendered SVG bar chart: no JavaScript, no library, no inline style (the CSP forbids it).

The chart has a fixed size (its text stays readable); on a narrow screen the page puts it in a
scrolling box instead of shrinking it. Colours are presentation attributes in ``currentColor``:
the chart takes the text colour of the page, so it follows the theme and forced-colour modes and
keeps the contrast of the text. The picture is one ``role="img"`` with a title and a description;
the numbers themselves belong in a table next to it (the template has one), which is what screen
readers and copy-paste use.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 720
HEIGHT = 240
LEFT = 64  # room for the y-axis numbers
RIGHT = 8
TOP = 12
BOTTOM = 28  # room for the x-axis labels
MAX_X_LABELS = 10
GAP = 0.2  # share of each slot left empty between bars


@dataclass(frozen=True)
class Bar:
    label: str  # short, under the axis ("3.6.")
    value: int
    title: str  # in full, as the bar's tooltip ("Tuesday, 3 June 2025: 1 234 requests")


def nice_step(maximum: int, ticks: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten) giving about ``ticks`` grid lines up to ``maximum``."""
    if maximum <= ticks:
        return 1
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return int(factor * magnitude)
    return int(10 * magnitude)  # pragma: no cover (the loop always returns)


def _n(value: float) -> str:
    """Coordinates with at most one decimal: small markup, same picture."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bar_chart_svg(
    *,
    bars: Sequence[Bar],
    title: str,
    description: str,
    id_prefix: str = "chart",
    number: Callable[[int], str] = str,
) -> SafeString:
    """An accessible SVG with one bar per item of ``bars`` (in order) and a y axis from 0.

    ``number`` formats the axis values (pass the page's localized number format)."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    maximum = max((bar.value for bar in bars), default=0)
    step = nice_step(maximum)
    top = max(step, step * math.ceil(maximum / step))
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="{title_id} {desc_id}" focusable="false">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
        '<g class="chart-grid" stroke="currentColor" stroke-opacity="0.3" stroke-width="1">',
    ]
    ticks = range(0, top + 1, step)
    for tick in ticks:
        y = baseline - plot_height * tick / top
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_n(y)}" y2="{_n(y)}"/>')
    parts.append("</g>")
    parts.append('<g class="chart-y-axis" fill="currentColor" font-size="12" text-anchor="end">')
    for tick in ticks:
        y = baseline - plot_height * tick / top
        parts.append(f'<text x="{LEFT - 6}" y="{_n(y + 4)}">{escape(number(tick))}</text>')
    parts.append("</g>")
    slot = plot_width / max(len(bars), 1)
    width = slot * (1 - GAP)
    parts.append('<g class="chart-bars" fill="currentColor">')
    for index, bar in enumerate(bars):
        height = plot_height * bar.value / top
        x = LEFT + slot * index + (slot - width) / 2
        parts.append(
            f'<rect class="bar" x="{_n(x)}" y="{_n(baseline - height)}" width="{_n(width)}" '
            f'height="{_n(height)}"><title>{escape(bar.title)}</title></rect>'
        )
    parts.append("</g>")
    every = max(1, math.ceil(len(bars) / MAX_X_LABELS))
    parts.append('<g class="chart-x-axis" fill="currentColor" font-size="12" text-anchor="middle">')
    for index, bar in enumerate(bars):
        if index % every == 0:
            x = LEFT + slot * index + slot / 2
            parts.append(f'<text x="{_n(x)}" y="{HEIGHT - 8}">{escape(bar.label)}</text>')
    parts.append("</g>")
    parts.append(
        f'<line class="chart-baseline" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{baseline}" y2="{baseline}" '
        'stroke="currentColor" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above went through escape())
