"""The SVG chart module: what each chart shows (values, labels, title, table alternative)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from itops.charts import Cell, Point, bar_chart, bars, heartbeat, nice_max, timeline, trend

SVG = "{http://www.w3.org/2000/svg}"


def _tree(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to read it back


def _texts(svg: str, css: str | None = None) -> list[str]:
    root = _tree(svg)
    return [
        "".join(t.itertext())
        for t in root.iter(f"{SVG}text")
        if css is None or t.get("class") == css
    ]


def test_bars_write_every_value_label_and_note_and_name_the_chart() -> None:
    chart = bars(
        ["sty", "lut", "mar"],
        [99.5, 100.0, 98.25],
        title="Dostępność „BIP” wg miesięcy",
        chart_id="m",
        columns=("Miesiąc", "Dostępność"),
        texts=["99,50 %", "100,00 %", "98,25 %"],
        notes=["12 min", "0 min", "37 min"],
        floor=98.0,
        top=100.0,
        target=(99.5, "cel 99,5 %"),
    )
    root = _tree(chart.svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "m-t"
    assert root.find(f"{SVG}title").text == "Dostępność „BIP” wg miesięcy"  # type: ignore[union-attr]
    assert _texts(chart.svg, "bar-value") == ["99,50 %", "100,00 %", "98,25 %"]
    assert _texts(chart.svg, "bar-label") == ["sty", "lut", "mar"]
    assert _texts(chart.svg, "bar-note") == ["12 min", "0 min", "37 min"]
    assert "cel 99,5 %" in _texts(chart.svg)
    assert "98" in _texts(chart.svg)  # the axis floor is labelled, not hidden
    heights = [float(r.get("height", "0")) for r in root.iter(f"{SVG}rect")]
    assert heights[1] > heights[0] > heights[2] > 0  # 100 % tallest, 98.25 % lowest
    assert chart.rows == (
        ("sty", "99,50 %", "12 min"),
        ("lut", "100,00 %", "0 min"),
        ("mar", "98,25 %", "37 min"),
    )
    table = chart.table()
    assert "<caption>Dostępność „BIP” wg miesięcy</caption>" in table
    assert '<th scope="row">mar</th><td>98,25 %</td><td>37 min</td>' in table


def test_bar_heights_are_proportional_from_zero() -> None:
    chart = bars(["a", "b"], [5.0, 10.0], title="t", chart_id="p", top=10.0)
    rects = [r for r in _tree(chart.svg).iter(f"{SVG}rect") if r.get("class") == "bar"]
    h = [float(r.get("height", "0")) for r in rects]
    assert h[1] == pytest.approx(2 * h[0], rel=0.01)


def test_chart_text_is_escaped() -> None:
    chart = bars(["<script>"], [1.0], title='a "b" <c>', chart_id="x<y")
    assert "<script>" not in chart.svg and "<script>" not in chart.table()
    _tree(chart.svg)  # still well-formed XML
    assert 'id="x&lt;y"' in chart.svg


def test_bars_refuse_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="as many labels"):
        bars(["a"], [1.0, 2.0], title="t", chart_id="c")


def test_report_bar_chart_is_a_bare_svg_with_the_values() -> None:
    svg = bar_chart(["sty", "lut"], [12.5, 0.0], title="Niedostępność", unit="minuty")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert _texts(svg, "bar-value") == ["12,5", "0"]
    assert "minuty" in _texts(svg)
    assert svg == bar_chart(["sty", "lut"], [12.5, 0.0], title="Niedostępność", unit="minuty")


def test_nice_max() -> None:
    assert [nice_max(v) for v in (0, 0.3, 7, 12, 99.9, 101)] == [1.0, 0.5, 10, 20, 100, 200]


def test_timeline_draws_band_line_outages_and_working_hours_and_breaks_at_gaps() -> None:
    points = [
        Point(0, 10, 5, 20, "00:00"),
        Point(3600, 12, 6, 30, "01:00"),
        Point(7200, 11, 5, 25, "02:00"),
        # two hours without data, then one more point: a new run
        Point(18000, 40, 30, 80, "05:00"),
    ]
    chart = timeline(
        points,
        title="Czas odpowiedzi, 24 h",
        chart_id="rt",
        start=0,
        end=21600,
        ticks=[(0, "00:00"), (10800, "03:00")],
        columns=("Godzina", "min", "średnio", "p95"),
        value_text=[("5", "10", "20"), ("6", "12", "30"), ("5", "11", "25"), ("30", "40", "80")],
        shaded=[(3600, 5400)],
        marked=[(0, 7200)],
        legend=["średnio", "min–p95", "godziny pracy", "awaria"],
        unit="ms",
        max_step=3600,
    )
    root = _tree(chart.svg)
    classes = [e.get("class") for e in root.iter()]
    assert classes.count("shaded") == 1 and classes.count("marked") == 1
    assert classes.count("line") == 1 and classes.count("dot") == 1  # the gap breaks the line
    assert classes.count("band") == 1
    texts = _texts(chart.svg)
    assert {"00:00", "03:00", "ms", "awaria", "godziny pracy", "100"} <= set(texts)
    line = next(e for e in root.iter() if e.get("class") == "line")
    assert len(line.get("points", "").split()) == 3
    assert chart.rows[3] == ("05:00", "30", "40", "80")


def test_timeline_axis_covers_the_highest_p95() -> None:
    chart = timeline(
        [Point(0, 10, 5, 230, "a"), Point(1, 11, 5, 240, "b")],
        title="t",
        chart_id="ax",
        start=0,
        end=1,
        ticks=[],
        columns=("x", "v"),
        value_text=[("10",), ("11",)],
    )
    assert "500" in _texts(chart.svg)


def test_heartbeat_cells_tell_the_state_by_height_and_words_not_only_colour() -> None:
    cells = [
        Cell("ok", "10:00", "działa"),
        Cell("warning", "10:01", "ostrzeżenie"),
        Cell("critical", "10:02", "awaria"),
        Cell("unknown", "10:03", "stan nieznany"),
        Cell("none", "10:04", "brak danych"),
    ]
    chart = heartbeat(
        cells, title="Ostatnie wyniki", chart_id="hb", columns=("Czas", "Stan"), first_label="10:00"
    )
    root = _tree(chart.svg)
    rects = [r for r in root.iter(f"{SVG}rect")]
    heights = [float(r.get("height", "0")) for r in rects]
    assert heights[0] > heights[1] > heights[2] > heights[3] == heights[4]
    assert rects[4].get("fill") == "#ffffff"  # no data: an outline, unlike unknown
    titles = ["".join(r.itertext()) for r in rects]
    assert titles == [
        "10:00: działa",
        "10:01: ostrzeżenie",
        "10:02: awaria",
        "10:03: stan nieznany",
        "10:04: brak danych",
    ]
    assert chart.rows[2] == ("10:02", "awaria")
    html = chart.html("Tabela")
    assert re.search(r"<details[^>]*><summary>Tabela</summary>", html)


def test_heartbeat_refuses_an_unknown_state() -> None:
    with pytest.raises(ValueError, match="unknown state"):
        heartbeat([Cell("green", "a", "b")], title="t", chart_id="c", columns=("a", "b"))


def test_trend_bars_rise_from_the_written_floor_to_their_values_with_target_and_last_text() -> None:
    chart = trend(
        ["sty", "lut", "mar"],
        [100.0, 99.75, 99.5],
        title="Od początku roku",
        chart_id="t",
        columns=("Miesiąc", "Od początku roku"),
        texts=["100,000%", "99,750%", "99,500%"],
        floor=99.0,
        top=100.0,
        target=100.0,
    )
    root = _tree(chart.svg)
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    heights = [float(r.get("height", "0")) for r in rects]
    assert heights[0] == pytest.approx(2 * heights[2]) and heights[1] == pytest.approx(
        1.5 * heights[2]
    )
    assert ["".join(r.itertext()) for r in rects] == [
        "sty: 100,000%",
        "lut: 99,750%",
        "mar: 99,500%",
    ]
    assert "mar: 99,500%" in _texts(chart.svg, "trend-last") and "≥ 99" in _texts(chart.svg)
    assert any(e.get("class") == "target" for e in root.iter())
    assert chart.rows == (("sty", "100,000%"), ("lut", "99,750%"), ("mar", "99,500%"))
    with pytest.raises(ValueError):
        trend(["a"], [1.0, 2.0], title="x", chart_id="x", columns=("a", "b"), texts=["1"])


def test_a_time_label_at_the_right_edge_ends_at_its_tick_instead_of_being_cut_off() -> None:
    chart = timeline(
        [Point(0, 1.0, label="a"), Point(100, 2.0, label="b")],
        title="Rozmiar kopii w czasie",
        chart_id="edge",
        start=0,
        end=100,
        ticks=[(0, "29.11.2026 21:27"), (50, "połowa"), (100, "02.12.2026 21:27")],
        columns=("Kiedy", "MiB"),
        value_text=[("1",), ("2",)],
    )
    anchors = re.findall(r'text-anchor="(\w+)">(29\.11|połowa|02\.12)', chart.svg)
    assert anchors == [("middle", "29.11"), ("middle", "połowa"), ("end", "02.12")]


def _value_lines(svg: str) -> list[list[str]]:
    return [
        [span.text or "" for span in t.iter(f"{SVG}tspan")]
        for t in _tree(svg).iter(f"{SVG}text")
        if t.get("class") == "bar-value"
    ]


def test_a_months_text_wider_than_its_bar_breaks_into_lines_that_fit() -> None:
    """12 months of "brak danych" ran into each other on a new system's page (issue 13)."""
    from itops.charts_bars import CHAR_WIDTH

    chart = bars(
        [f"m{i}" for i in range(12)],
        [99.9] * 11 + [100.0],
        title="Dostępność wg miesięcy",
        chart_id="nodata",
        texts=["brak danych"] * 11 + ["100,00%"],
        floor=99.9,
        top=100.0,
    )
    slot = (640 - 52 - 10) / 12
    lines = _value_lines(chart.svg)
    assert lines[0] == ["brak ", "danych"] and lines[-1] == ["100,00%"]
    words = [line.strip() for month in lines for line in month]
    assert all(len(w) * CHAR_WIDTH <= slot - 4 or " " not in w for w in words)
    assert _texts(chart.svg, "bar-value")[0] == "brak danych"  # read as one text


def test_the_target_label_sits_in_the_head_clear_of_a_bar_that_reaches_the_target() -> None:
    chart = bars(
        ["sty", "lut"],
        [99.95, 100.0],
        title="Dostępność",
        chart_id="t",
        texts=["99,95%", "100,00%"],
        floor=99.9,
        top=100.0,
        target=(100.0, "cel 100%"),
    )
    root = _tree(chart.svg)
    label = next(t for t in root.iter(f"{SVG}text") if t.get("class") == "target-label")
    assert label.text == "cel 100%"
    top_value = min(float(t.get("y", "0")) for t in root.iter(f"{SVG}tspan"))
    assert float(label.get("y", "0")) < top_value - 8  # above the highest value, not on it
