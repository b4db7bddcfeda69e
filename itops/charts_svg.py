"""The parts every chart of :mod:`itops.charts` is drawn from: the :class:`Chart` (SVG and
its table), the ``<svg>`` opening, the heading, the value grid, the axis line and numbers.

Callers use :mod:`itops.charts`, which re-exports what is public here; the chart builders
(``itops.charts``, ``itops.charts_bars``) share these so a grid or a heading looks the same
on every chart.
"""

from __future__ import annotations

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


def attr(text: str) -> str:
    """``text`` escaped for a double-quoted attribute."""
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


def svg_open(chart_id: str, width: int, height: int, title: str) -> list[str]:
    """The ``<svg>`` start tag and its ``<title>``: the first parts of every chart."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{attr(chart_id)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-labelledby="{attr(chart_id)}-t" font-family="{FONT}" font-size="11">',
        f'<title id="{attr(chart_id)}-t">{escape(title)}</title>',
    ]


def heading(x: int, title: str) -> str:
    return f'<text x="{x}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>'


def value_grid(
    left: int, right: float, ys: list[tuple[float, float]], decimal: str, digits: int = 1
) -> list[str]:
    """Horizontal grid lines from ``left`` to ``right``, one per (value, y), labelled."""
    return [
        f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" '
        f'stroke="#c8c8c8" stroke-width="0.5"/>'
        f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">'
        f"{escape(fmt_number(tick, decimal, digits))}</text>"
        for tick, y in ys
    ]


def axis_line(left: int, right: float, base: float) -> str:
    return (
        f'<line x1="{left}" y1="{base}" x2="{right}" y2="{base}" stroke="#333" stroke-width="1"/>'
    )


def unit_label(left: int, y: int, unit: str) -> list[str]:
    """The unit written above the value axis, nothing without one."""
    return [f'<text x="{left}" y="{y}" fill="#4a4a4a">{escape(unit)}</text>'] if unit else []


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
