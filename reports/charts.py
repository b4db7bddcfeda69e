"""Hand-written SVG bar charts for the annual report.

Why not matplotlib: two small bar charts do not justify a 40 MB dependency, and plain
SVG with text elements keeps the labels in the PDF's text layer (DejaVu Sans, Polish
letters) and needs no external resource.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

FONT = "DejaVu Sans, sans-serif"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    while step > value * 10:
        step /= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def _fmt(value: float, decimal: str) -> str:
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return text.replace(".", decimal)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    unit: str = "",
    decimal: str = ",",
    width: int = 640,
    height: int = 220,
    color: str = "#2f5d8a",
) -> str:
    """A vertical bar chart as an ``<svg>`` element; each bar carries its value label."""
    left, right, top, bottom = 48, 10, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max(values, default=0.0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'font-family="{FONT}" font-size="10">',
        f'<text x="{left}" y="14" font-size="11" font-weight="bold">{escape(title)}</text>',
    ]
    for i in range(5):
        tick = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="#d0d0d0" stroke-width="0.5"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">'
            f"{escape(_fmt(tick, decimal))}</text>"
        )
    slot = plot_w / max(1, len(values))
    bar_w = slot * 0.6
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + slot * i + (slot - bar_w) / 2
        h = plot_h * value / top_value
        y = top + plot_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}"/>'
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">'
            f"{escape(_fmt(value, decimal))}</text>"
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14:.1f}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        f'stroke="#333" stroke-width="1"/>'
    )
    if unit:
        parts.append(f'<text x="{left}" y="{height - 4}" fill="#555">{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)
