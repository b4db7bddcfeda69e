"""Small server-rendered SVG charts shared by the dashboard pages and the annual report.

Why hand-written SVG: a few bar, line and heartbeat charts do not justify a charting
library (matplotlib is 40 MB, a JavaScript one needs a CDN or a bundle); plain SVG with
``<text>`` elements keeps the labels selectable and in the PDF's text layer (DejaVu Sans,
Polish letters), needs no external resource, and renders the same with JavaScript off.

Every chart is a :class:`Chart`: the ``<svg>`` (``role="img"``, a ``<title>`` naming what
it shows, text labels on the figures) and the same figures as rows of a table, its text
alternative (``Chart.html`` puts it in a ``<details>`` under the picture). Colour is never
the only signal: heartbeat cells differ in height and outline as well, and each carries its
state in words in its own ``<title>``.

This module knows no language and no time zone: callers pass the words and the
already-formatted labels (``itops.i18n``), and the decimal separator.

Here: lines over time (``timeline``) and heartbeat cells; the bar charts are in
``itops.charts_bars`` and the shared parts (``Chart``, grid, axis) in ``itops.charts_svg``,
all re-exported from this module, the one callers import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from itops.charts_bars import bar_chart, bars, trend
from itops.charts_svg import (
    STATE_COLORS,
    STATES,
    Chart,
    attr,
    axis_line,
    fmt_number,
    heading,
    nice_max,
    svg_open,
    unit_label,
    value_grid,
)

# --- lines and bands over time -------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One x position (e.g. epoch seconds) with ``low ≤ mid ≤ high`` (all equal: a line)."""

    x: float
    mid: float
    low: float | None = None
    high: float | None = None
    label: str = ""  # the x as the reader writes it, for the table


def timeline(
    points: Sequence[Point],
    *,
    title: str,
    chart_id: str,
    start: float,
    end: float,
    ticks: Sequence[tuple[float, str]],
    columns: tuple[str, ...],
    value_text: Sequence[Sequence[str]],
    shaded: Sequence[tuple[float, float]] = (),
    marked: Sequence[tuple[float, float]] = (),
    legend: Sequence[str] = (),
    unit: str = "",
    decimal: str = ",",
    max_step: float | None = None,
    width: int = 720,
    height: int = 220,
    color: str = "#0b4f8a",
) -> Chart:
    """A line (``mid``) with an optional band (``low``..``high``) over ``start``..``end``.

    ``marked`` spans are drawn as a light background (e.g. working hours), ``shaded``
    ones hatched in red (e.g. outages); ``legend`` names them (line, band, marked,
    shaded: as many as given). Points farther apart than ``max_step`` break the line
    (no data is not drawn as a straight line). ``value_text`` holds each point's
    formatted values, the table's cells after the point's label.
    """
    high = nice_max(max((p.high if p.high is not None else p.mid for p in points), default=0.0))
    plane = _Plane(width, height, 44 if legend else 30, start, end, high)
    parts = svg_open(chart_id, width, height, title)
    parts.append(
        f'<defs><pattern id="{attr(chart_id)}-h" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#fbe4e4"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#a31515" stroke-width="2"/></pattern></defs>'
    )
    parts.append(heading(plane.left, title))
    parts += plane.spans(marked, shaded, chart_id)
    grid = [(high * i / 4, plane.py(high * i / 4)) for i in range(5)]
    parts += value_grid(plane.left, plane.right, grid, decimal)
    base = plane.base
    for x, text in ticks:
        # a label centred on a tick near the right edge would be cut off (11 px DejaVu
        # Sans: ~6.5 px a character); it ends at its tick there instead
        anchor = "end" if plane.px(x) + len(text) * 3.3 > width else "middle"
        parts.append(
            f'<line x1="{plane.px(x):.1f}" y1="{base}" x2="{plane.px(x):.1f}" y2="{base + 4}" '
            f'stroke="#333"/><text x="{plane.px(x):.1f}" y="{base + 15}" '
            f'text-anchor="{anchor}">{escape(text)}</text>'
        )
    for run in _runs(sorted(points, key=lambda p: p.x), max_step):
        parts += plane.run(run, color)
    parts.append(axis_line(plane.left, plane.right, base))
    parts += unit_label(plane.left, 26, unit)
    parts += _legend(legend, plane.left, height, color, chart_id)
    parts.append("</svg>")
    rows = tuple((p.label, *value_text[i]) for i, p in enumerate(points))
    return Chart("".join(parts), title, columns, rows)


class _Plane:
    """Where ``timeline`` draws: its margins and the x/value → pixel mapping."""

    left, upper = 52, 30

    def __init__(
        self, width: int, height: int, lower: int, start: float, end: float, high: float
    ) -> None:
        self.right = width - 10
        self.plot_w, self.plot_h = width - self.left - 10, height - self.upper - lower
        self.base = self.upper + self.plot_h
        self.start, self.end, self.high = start, end, high
        self.span_x = (end - start) or 1.0

    def px(self, x: float) -> float:
        return self.left + self.plot_w * (min(max(x, self.start), self.end) - self.start) / (
            self.span_x
        )

    def py(self, v: float) -> float:
        return self.upper + self.plot_h - self.plot_h * min(max(v, 0.0), self.high) / self.high

    def spans(
        self,
        marked: Sequence[tuple[float, float]],
        shaded: Sequence[tuple[float, float]],
        chart_id: str,
    ) -> list[str]:
        """The marked spans' light background, then the shaded spans' hatching."""
        parts = [
            f'<rect class="marked" x="{self.px(a):.1f}" y="{self.upper}" '
            f'width="{self.px(b) - self.px(a):.1f}" height="{self.plot_h}" fill="#e3edf7"/>'
            for a, b in marked
        ]
        parts += [
            f'<rect class="shaded" x="{self.px(a):.1f}" y="{self.upper}" '
            f'width="{max(1.0, self.px(b) - self.px(a)):.1f}" height="{self.plot_h}" '
            f'fill="url(#{attr(chart_id)}-h)" opacity="0.8"/>'
            for a, b in shaded
        ]
        return parts

    def run(self, run: Sequence[Point], color: str) -> list[str]:
        """One unbroken run of points: its band (where given), its line or a lone dot."""
        px, py = self.px, self.py
        parts: list[str] = []
        if any(p.low is not None and p.high is not None for p in run) and len(run) > 1:
            top_edge = [
                f"{px(p.x):.1f},{py(p.high if p.high is not None else p.mid):.1f}" for p in run
            ]
            low_edge = [
                f"{px(p.x):.1f},{py(p.low if p.low is not None else p.mid):.1f}"
                for p in reversed(run)
            ]
            parts.append(
                f'<polygon class="band" points="{" ".join(top_edge + low_edge)}" '
                f'fill="{color}" fill-opacity="0.18" stroke="none"/>'
            )
        if len(run) == 1:
            p = run[0]
            parts.append(
                f'<circle class="dot" cx="{px(p.x):.1f}" cy="{py(p.mid):.1f}" r="2" '
                f'fill="{color}"/>'
            )
        else:
            line = " ".join(f"{px(p.x):.1f},{py(p.mid):.1f}" for p in run)
            parts.append(
                f'<polyline class="line" points="{line}" fill="none" stroke="{color}" '
                f'stroke-width="1.5"/>'
            )
        return parts


def _legend(legend: Sequence[str], left: int, height: int, color: str, chart_id: str) -> list[str]:
    """The timeline's legend under the plot: line, band, marked, shaded (as many as named)."""
    swatches = [
        f'<line x1="0" y1="-4" x2="14" y2="-4" stroke="{color}" stroke-width="2"/>',
        f'<rect y="-9" width="14" height="9" fill="{color}" fill-opacity="0.18"/>',
        '<rect y="-9" width="14" height="9" fill="#e3edf7" stroke="#767676" stroke-width="0.5"/>',
        f'<rect y="-9" width="14" height="9" fill="url(#{attr(chart_id)}-h)"/>',
    ]
    parts = []
    x = left
    for i, name in enumerate(legend[:4]):
        parts.append(
            f'<g class="legend" transform="translate({x},{height - 6})">{swatches[i]}'
            f'<text x="18" y="0">{escape(name)}</text></g>'
        )
        x += 30 + 7 * len(name)
    return parts


def _runs(points: Sequence[Point], max_step: float | None) -> list[list[Point]]:
    runs: list[list[Point]] = []
    for p in points:
        if runs and (max_step is None or p.x - runs[-1][-1].x <= max_step):
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs


# --- heartbeat cells -----------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One heartbeat cell: ``state`` (one of ``STATES``), its label and its text."""

    state: str
    label: str  # when, e.g. "12.05.2026 10:30" or "pon. 12.05"
    text: str  # the state in words, e.g. "działa" or "97,5 % czasu pracy"


def heartbeat(
    cells: Sequence[Cell],
    *,
    title: str,
    chart_id: str,
    columns: tuple[str, str],
    first_label: str = "",
    last_label: str = "",
    width: int = 720,
    height: int = 46,
) -> Chart:
    """A row of cells, oldest left. Besides the colour, the height tells the state:
    OK full, warning three quarters, critical half, unknown and no data a quarter
    (unknown filled, no data as an outline only); each cell's ``<title>`` says it in words.
    """
    for cell in cells:
        if cell.state not in STATE_COLORS:
            raise ValueError(f"heartbeat: unknown state {cell.state!r}")
    bar_h = height - 16
    parts = svg_open(chart_id, width, height, title)
    slot = width / max(1, len(cells))
    gap = min(2.0, slot * 0.25)
    scale = {"ok": 1.0, "warning": 0.75, "critical": 0.5, "unknown": 0.25, "none": 0.25}
    for i, cell in enumerate(cells):
        h = bar_h * scale[cell.state]
        x = slot * i + gap / 2
        colour = STATE_COLORS[cell.state]
        paint = (
            f'fill="#ffffff" stroke="{colour}" stroke-width="1"'
            if cell.state == "none"
            else f'fill="{colour}"'
        )
        parts.append(
            f'<rect class="cell cell-{cell.state}" x="{x:.1f}" y="{bar_h - h:.1f}" '
            f'width="{max(1.0, slot - gap):.1f}" height="{h:.1f}" {paint}>'
            f"<title>{escape(cell.label)}: {escape(cell.text)}</title></rect>"
        )
    parts.append(
        f'<line x1="0" y1="{bar_h + 0.5}" x2="{width}" y2="{bar_h + 0.5}" stroke="#767676"/>'
    )
    if first_label:
        parts.append(f'<text x="0" y="{height - 3}">{escape(first_label)}</text>')
    if last_label:
        parts.append(
            f'<text x="{width}" y="{height - 3}" text-anchor="end">{escape(last_label)}</text>'
        )
    parts.append("</svg>")
    rows = tuple((c.label, c.text) for c in cells)
    return Chart("".join(parts), title, columns, rows)


__all__ = [
    "STATES",
    "STATE_COLORS",
    "Cell",
    "Chart",
    "Point",
    "bar_chart",
    "bars",
    "fmt_number",
    "heartbeat",
    "nice_max",
    "timeline",
    "trend",
]
