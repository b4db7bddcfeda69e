"""Bar charts of :mod:`itops.charts`: ``bars`` (an axis, a value above and a note under each
bar, a target line), ``trend`` (a tile's small month bars) and ``bar_chart`` (the annual
report's bare ``<svg>``). Callers import them from :mod:`itops.charts`.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from xml.sax.saxutils import escape

from itops.charts_svg import (
    Chart,
    axis_line,
    fmt_number,
    heading,
    nice_max,
    svg_open,
    unit_label,
    value_grid,
)


def bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    chart_id: str,
    columns: tuple[str, ...] = ("", ""),
    unit: str = "",
    decimal: str = ",",
    texts: Sequence[str] | None = None,
    notes: Sequence[str] | None = None,
    floor: float = 0.0,
    top: float | None = None,
    target: tuple[float, str] | None = None,
    width: int = 640,
    height: int = 220,
    color: str = "#2f5d8a",
) -> Chart:
    """Vertical bars, one per label; ``texts`` above each bar (default: the value),
    ``notes`` written inside each bar's foot (e.g. "12 min"), an optional ``target`` line
    (value, label). The axis runs from ``floor`` to ``top`` (default: a round maximum);
    a non-zero floor is drawn and labelled as such, never hidden.
    """
    if len(labels) != len(values):
        raise ValueError("bars: as many labels as values")
    shown = list(texts) if texts is not None else [fmt_number(v, decimal) for v in values]
    foot = list(notes) if notes is not None else [""] * len(values)
    # a target's label sits in the head (``_legend``): the plot starts a line lower
    left, right, upper, lower = 52, 10, 34 if target is None else 46, 34
    plot_w, plot_h = width - left - right, height - upper - lower
    high = top if top is not None else nice_max(max(values, default=0.0))
    span = (high - floor) or 1.0
    base = upper + plot_h
    parts = svg_open(chart_id, width, height, title)
    parts.append(heading(left, title))
    grid = [(floor + span * i / 4, upper + plot_h - plot_h * i / 4) for i in range(5)]
    parts += value_grid(left, width - right, grid, decimal, 2 if span < 5 else 1)
    slot = plot_w / max(1, len(values))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * (min(max(value, floor), high) - floor) / span
        parts += _bar(left + slot * i, slot, base, h, label, shown[i], foot[i], color)
    if target is not None and floor <= target[0] <= high:
        ty = base - plot_h * (target[0] - floor) / span
        parts.append(
            f'<line class="target" x1="{left}" y1="{ty:.1f}" x2="{width - right}" '
            f'y2="{ty:.1f}" stroke="#a31515" stroke-width="1.5" stroke-dasharray="6 3"/>'
        )
        parts += _legend(width - right, target[1])
    parts.append(axis_line(left, width - right, base))
    parts += unit_label(left, 27, unit)
    parts.append("</svg>")
    rows = tuple(
        (label, shown[i], *((foot[i],) if notes is not None else ()))
        for i, label in enumerate(labels)
    )
    width_needed = 3 if notes is not None else 2
    cols = (*columns, *([""] * (width_needed - len(columns))))[:width_needed]
    return Chart("".join(parts), title, tuple(cols), rows)


# About the width of one character of the charts' 11 px sans-serif, for layout only.
CHAR_WIDTH = 6.4
LINE_HEIGHT = 12


def _lines(text: str, room: float) -> list[str]:
    """``text`` in lines of at most ``room`` px, broken at spaces: "brak danych" over a
    month's bar was wider than the bar and ran into its neighbours (issue 13)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1] + " " + word) * CHAR_WIDTH <= room:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _legend(right: float, label: str) -> list[str]:
    """The target line's label in the chart's head, right-aligned with a dashed sample:
    written on the line itself it ran into the value of a bar that reached it."""
    x = right - len(label) * CHAR_WIDTH - 22
    return [
        f'<line class="target-key" x1="{x:.1f}" y1="24" x2="{x + 16:.1f}" y2="24" '
        'stroke="#a31515" stroke-width="1.5" stroke-dasharray="6 3"/>'
        f'<text class="target-label" x="{right}" y="27" text-anchor="end" fill="#a31515">'
        f"{escape(label)}</text>"
    ]


def _bar(
    start: float, slot: float, base: float, h: float, label: str, text: str, note: str, color: str
) -> list[str]:
    """One bar of ``bars`` in its ``slot`` from ``start``: the bar, its value, label, note."""
    bar_w = slot * 0.64
    x = start + (slot - bar_w) / 2
    y = base - h
    mid = x + bar_w / 2
    lines = _lines(text, slot - 4)
    first = y - 4 - LINE_HEIGHT * (len(lines) - 1)
    value = "".join(
        f'<tspan x="{mid:.1f}" y="{first + LINE_HEIGHT * i:.1f}">{escape(line)}'
        f"{' ' if i < len(lines) - 1 else ''}</tspan>"
        for i, line in enumerate(lines)
    )
    parts = [
        f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
        f'fill="{color}"><title>{escape(label)}: {escape(text)}'
        f"{(' — ' + escape(note)) if note else ''}</title></rect>"
        f'<text class="bar-value" x="{mid:.1f}" y="{y - 4:.1f}" text-anchor="middle">'
        f"{value}</text>"
        f'<text class="bar-label" x="{mid:.1f}" y="{base + 14:.1f}" text-anchor="middle">'
        f"{escape(label)}</text>"
    ]
    if note:
        parts.append(
            f'<text class="bar-note" x="{mid:.1f}" y="{base + 27:.1f}" '
            f'text-anchor="middle" fill="#4a4a4a">{escape(note)}</text>'
        )
    return parts


def trend(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    chart_id: str,
    columns: tuple[str, str],
    texts: Sequence[str],
    floor: float = 0.0,
    top: float | None = None,
    target: float | None = None,
    decimal: str = ",",
    width: int = 240,
    height: int = 64,
    color: str = "#2f5d8a",
) -> Chart:
    """A tile's small bars, one per month: no axis, the first and last label under them,
    the last value written beside its bar and a dashed ``target`` line; each bar's
    ``<title>`` and the table carry label and text. ``floor`` is written under the bars
    when it is not zero (a cut axis is never hidden)."""
    if not (len(labels) == len(values) == len(texts)):
        raise ValueError("trend: as many labels, values and texts")
    upper, lower, right = 14, 14, 4
    plot_h = height - upper - lower
    high = top if top is not None else nice_max(max([*values, target or 0.0], default=0.0))
    span = (high - floor) or 1.0
    slot = (width - right) / max(1, len(values))
    bar_w = slot * 0.7
    base = upper + plot_h
    parts = svg_open(chart_id, width, height, title)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = max(1.0, plot_h * (min(max(value, floor), high) - floor) / span)
        x = slot * i + (slot - bar_w) / 2
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}" fill="{color}"><title>{escape(label)}: {escape(texts[i])}'
            "</title></rect>"
        )
    if target is not None and floor <= target <= high:
        ty = base - plot_h * (target - floor) / span
        parts.append(
            f'<line class="target" x1="0" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}" '
            f'stroke="#a31515" stroke-width="1.5" stroke-dasharray="4 2"/>'
        )
    parts.append(f'<line x1="0" y1="{base}" x2="{width - right}" y2="{base}" stroke="#333"/>')
    if labels:
        parts.append(f'<text x="0" y="{height - 2}">{escape(labels[0])}</text>')
        parts.append(
            f'<text class="trend-last" x="{width - right}" y="{height - 2}" text-anchor="end">'
            f"{escape(labels[-1])}: {escape(texts[-1])}</text>"
        )
    if floor:
        parts.append(
            f'<text x="0" y="10" fill="#4a4a4a">≥ {escape(fmt_number(floor, decimal))}</text>'
        )
    parts.append("</svg>")
    rows = tuple((label, texts[i]) for i, label in enumerate(labels))
    return Chart("".join(parts), title, columns, rows)


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
    """The annual report's bar chart as a bare ``<svg>`` (the report has its own tables)."""
    chart_id = f"chart-{zlib.crc32(title.encode()):08x}"
    found = bars(
        labels,
        values,
        title=title,
        chart_id=chart_id,
        unit=unit,
        decimal=decimal,
        width=width,
        height=height,
        color=color,
    )
    return found.svg
