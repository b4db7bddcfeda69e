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
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from markupsafe import Markup

FONT = "DejaVu Sans, sans-serif"

# Cell states of a heartbeat bar; the colours have at least 3:1 contrast against white
# (WCAG 1.4.11 non-text contrast) and the shapes differ too (see heartbeat()).
STATE_COLORS = {
    "ok": "#1b6e20",
    "warning": "#9a6700",
    "critical": "#a31515",
    "unknown": "#4a4a4a",
    "none": "#767676",
}
STATES = tuple(STATE_COLORS)


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


@dataclass(frozen=True)
class Chart:
    """One chart: the SVG and its figures as a table (caption, column names, rows)."""

    svg: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def table(self) -> str:
        head = "".join(f'<th scope="col">{escape(c)}</th>' for c in self.columns)
        body = "".join(
            "<tr>"
            + "".join(
                (f'<th scope="row">{escape(v)}</th>' if i == 0 else f"<td>{escape(v)}</td>")
                for i, v in enumerate(row)
            )
            + "</tr>"
            for row in self.rows
        )
        return (
            f"<table><caption>{escape(self.caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    def html(self, table_label: str) -> Markup:
        """``<figure>`` with the SVG and, folded under it, the table (``table_label``)."""
        # Every text in svg and table went through escape() above or in the builders.
        return Markup(  # noqa: S704
            f'<figure class="chart"><div class="chart-svg">{self.svg}</div>'
            f'<details class="chart-table"><summary>{escape(table_label)}</summary>'
            f'<div class="scroll">{self.table()}</div></details></figure>'
        )


def _open(chart_id: str, width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{_attr(chart_id)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-labelledby="{_attr(chart_id)}-t" font-family="{FONT}" font-size="11">',
        f'<title id="{_attr(chart_id)}-t">{escape(title)}</title>',
    ]


def _heading(x: int, title: str) -> str:
    return f'<text x="{x}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>'


def nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    while step > value:
        step /= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def fmt_number(value: float, decimal: str = ",", digits: int = 1) -> str:
    """``12`` → "12", ``12.25`` → "12,3" (``digits`` after the separator, trailing 0 kept)."""
    text = f"{value:.0f}" if value == int(value) else f"{value:.{digits}f}"
    return text.replace(".", decimal)


# --- bars ----------------------------------------------------------------------------------


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
    left, right, upper, lower = 52, 10, 34, 34
    plot_w, plot_h = width - left - right, height - upper - lower
    high = top if top is not None else nice_max(max(values, default=0.0))
    span = (high - floor) or 1.0
    parts = _open(chart_id, width, height, title)
    parts.append(_heading(left, title))
    for i in range(5):
        tick = floor + span * i / 4
        y = upper + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="#c8c8c8" stroke-width="0.5"/>'
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">'
            f"{escape(fmt_number(tick, decimal, 2 if span < 5 else 1))}</text>"
        )
    slot = plot_w / max(1, len(values))
    bar_w = slot * 0.64
    base = upper + plot_h
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + slot * i + (slot - bar_w) / 2
        h = plot_h * (min(max(value, floor), high) - floor) / span
        y = base - h
        mid = x + bar_w / 2
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'fill="{color}"><title>{escape(label)}: {escape(shown[i])}'
            f"{(' — ' + escape(foot[i])) if foot[i] else ''}</title></rect>"
            f'<text class="bar-value" x="{mid:.1f}" y="{y - 4:.1f}" text-anchor="middle">'
            f"{escape(shown[i])}</text>"
            f'<text class="bar-label" x="{mid:.1f}" y="{base + 14:.1f}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
        if foot[i]:
            parts.append(
                f'<text class="bar-note" x="{mid:.1f}" y="{base + 27:.1f}" '
                f'text-anchor="middle" fill="#4a4a4a">{escape(foot[i])}</text>'
            )
    if target is not None and floor <= target[0] <= high:
        ty = base - plot_h * (target[0] - floor) / span
        parts.append(
            f'<line class="target" x1="{left}" y1="{ty:.1f}" x2="{width - right}" '
            f'y2="{ty:.1f}" stroke="#a31515" stroke-width="1.5" stroke-dasharray="6 3"/>'
            f'<text x="{width - right}" y="{ty - 3:.1f}" text-anchor="end" fill="#a31515">'
            f"{escape(target[1])}</text>"
        )
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" '
        f'stroke="#333" stroke-width="1"/>'
    )
    if unit:
        parts.append(f'<text x="{left}" y="27" fill="#4a4a4a">{escape(unit)}</text>')
    parts.append("</svg>")
    rows = tuple(
        (label, shown[i], *((foot[i],) if notes is not None else ()))
        for i, label in enumerate(labels)
    )
    width_needed = 3 if notes is not None else 2
    cols = (*columns, *([""] * (width_needed - len(columns))))[:width_needed]
    return Chart("".join(parts), title, tuple(cols), rows)


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
    parts = _open(chart_id, width, height, title)
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
    left, right, upper, lower = 52, 10, 30, 44 if legend else 30
    plot_w, plot_h = width - left - right, height - upper - lower
    span_x = (end - start) or 1.0
    high = nice_max(max((p.high if p.high is not None else p.mid for p in points), default=0.0))

    def px(x: float) -> float:
        return left + plot_w * (min(max(x, start), end) - start) / span_x

    def py(v: float) -> float:
        return upper + plot_h - plot_h * min(max(v, 0.0), high) / high

    parts = _open(chart_id, width, height, title)
    parts.append(
        f'<defs><pattern id="{_attr(chart_id)}-h" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#fbe4e4"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#a31515" stroke-width="2"/></pattern></defs>'
    )
    parts.append(_heading(left, title))
    for a, b in marked:
        parts.append(
            f'<rect class="marked" x="{px(a):.1f}" y="{upper}" width="{px(b) - px(a):.1f}" '
            f'height="{plot_h}" fill="#e3edf7"/>'
        )
    for a, b in shaded:
        parts.append(
            f'<rect class="shaded" x="{px(a):.1f}" y="{upper}" '
            f'width="{max(1.0, px(b) - px(a)):.1f}" height="{plot_h}" '
            f'fill="url(#{_attr(chart_id)}-h)" opacity="0.8"/>'
        )
    for i in range(5):
        tick = high * i / 4
        y = py(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="#c8c8c8" stroke-width="0.5"/>'
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">'
            f"{escape(fmt_number(tick, decimal))}</text>"
        )
    base = upper + plot_h
    for x, text in ticks:
        parts.append(
            f'<line x1="{px(x):.1f}" y1="{base}" x2="{px(x):.1f}" y2="{base + 4}" stroke="#333"/>'
            f'<text x="{px(x):.1f}" y="{base + 15}" text-anchor="middle">{escape(text)}</text>'
        )
    for run in _runs(sorted(points, key=lambda p: p.x), max_step):
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
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" '
        f'stroke="#333" stroke-width="1"/>'
    )
    if unit:
        parts.append(f'<text x="{left}" y="26" fill="#4a4a4a">{escape(unit)}</text>')
    swatches = [
        f'<line x1="0" y1="-4" x2="14" y2="-4" stroke="{color}" stroke-width="2"/>',
        f'<rect y="-9" width="14" height="9" fill="{color}" fill-opacity="0.18"/>',
        '<rect y="-9" width="14" height="9" fill="#e3edf7" stroke="#767676" stroke-width="0.5"/>',
        f'<rect y="-9" width="14" height="9" fill="url(#{_attr(chart_id)}-h)"/>',
    ]
    x = left
    for i, name in enumerate(legend[:4]):
        parts.append(
            f'<g class="legend" transform="translate({x},{height - 6})">{swatches[i]}'
            f'<text x="18" y="0">{escape(name)}</text></g>'
        )
        x += 30 + 7 * len(name)
    parts.append("</svg>")
    rows = tuple((p.label, *value_text[i]) for i, p in enumerate(points))
    return Chart("".join(parts), title, columns, rows)


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
    parts = _open(chart_id, width, height, title)
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
