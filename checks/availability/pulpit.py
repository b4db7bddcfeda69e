"""KPI 1 on the Pulpit: the tile's year-to-date trend and the office's 30-working-day strip.

The trend's bar for a month is the office figure from 1 January to that month's end (the
last bar is the tile's value); the strip's cell for a day is the office figure of that
working day (union of the KPI checks' downtime), both from KPI 1's own ``evaluate``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from checks.availability.evaluate import ratio
from checks.availability.figures import AvailabilityReport, OfficeAvailability
from checks.availability.history import first_data, last_working_days, load_period, slice_reports
from checks.availability.service import outage_stamp
from checks.availability.system_web import MONTHS, _minutes, _pct, _Words
from itops.charts import Cell, Chart, heartbeat, trend
from itops.config import OFFICE_UNIT
from itops.context import AppContext
from itops.db.session import read_scope
from itops.plugins import Panel
from itops.services import Service


class _StripCache:
    """The last strip drawn: (language, when, panel, the settings it was drawn with, the
    outages' fingerprint it was drawn with)."""

    def __init__(self) -> None:
        self.last: tuple[str, datetime, Panel, object, tuple[object, ...]] | None = None


STRIP: Service[_StripCache] = Service("checks.availability.office_strip", lambda ctx: _StripCache())
STRIP_SECONDS = 60  # the Pulpit refreshes itself; the strip changes by the minute at most
FLOORS = (99.9, 99.5, 99.0, 98.0, 95.0, 90.0, 80.0, 50.0, 0.0)


def year_to_date(report: AvailabilityReport, today: date) -> list[tuple[date, float]]:
    """(month, office availability from 1 January to that month's end) per month begun
    by ``today``."""
    out: list[tuple[date, float]] = []
    w = x = d = 0.0
    for month in (m for m in report.months if m.month <= today):
        w, x, d = w + month.working_seconds, x + month.excluded_seconds, d + month.downtime_seconds
        if w > 0:  # months before anything was watched have no figure, not 100 %
            out.append((month.month, ratio(w, x, d)))
    return out


def kpi1_trend(report: AvailabilityReport, lang: str, today: date) -> Chart:
    w = _Words(lang, ZoneInfo("UTC"))
    points = year_to_date(report, today)
    values = [v * 100 for _, v in points]
    low = min([*values, report.office.target * 100], default=100.0)
    floor = next(f for f in FLOORS if low >= f)
    names = MONTHS["en" if lang == "en" else "pl"]
    return trend(
        [names[m.month - 1] for m, _ in points],
        values,
        title=w._("Dostępność od początku roku na koniec każdego miesiąca"),
        chart_id="trend-kpi1",
        columns=(w._("Miesiąc"), w._("Od początku roku")),
        texts=[_pct(v, w.decimal, 3) for _, v in points],
        floor=floor,
        top=100.0,
        target=report.office.target * 100,
        decimal=w.decimal,
    )


def office_day_state(office: OfficeAvailability, unknown: float, measured: bool) -> str:
    if not measured or office.working_seconds <= 0 or office.availability is None:
        return "none"
    if office.downtime_seconds > 0:
        return "critical" if office.availability < 0.99 else "warning"
    return "unknown" if unknown > 0 else "ok"


def office_strip(ctx: AppContext, lang: str) -> Panel:
    """The office's last 30 working days (cached for a minute per language, and drawn
    again at once when the outages changed: their fingerprint, as the year's figures)."""
    now = ctx.clock.now().astimezone(UTC)
    cache = STRIP.of(ctx)
    cached = cache.last
    with read_scope(ctx.sessions) as db:
        stamp = outage_stamp(db)
    if (
        cached is not None
        and cached[0] == lang
        and timedelta(0) <= now - cached[1] < timedelta(seconds=STRIP_SECONDS)
        and cached[3] is ctx.settings
        and cached[4] == stamp
    ):
        return cached[2]
    tz = ZoneInfo(ctx.settings.office.timezone)
    w = _Words(lang, tz)
    days = last_working_days(ctx.settings, OFFICE_UNIT, now.astimezone(tz).date(), 30)
    slices = [(d, d + timedelta(days=1)) for d in days]
    with read_scope(ctx.sessions) as db:
        period = load_period(db, ctx.settings, slices, now) if slices else None
        kpi = [c.name for c in period.checks if c.kpi] if period else []
        since = min(first_data(db, kpi).values(), default=None)
    reports = slice_reports(period, slices)
    cells: list[Cell] = []
    for (lo, hi), report in zip(slices, reports, strict=True):
        office = report.office
        unknown = max(
            (
                c.unknown_seconds
                for c in report.checks
                if c.counts_for_kpi and c.unit == office.unit
            ),
            default=0.0,
        )
        end = datetime(hi.year, hi.month, hi.day, tzinfo=tz)
        state = office_day_state(office, unknown, since is not None and since < end)
        if state == "none":
            text = w._("brak danych")
        else:
            text = (
                f"{_pct(office.availability, w.decimal, 1)} {w._('czasu pracy')}, "
                f"{w._('przestoje')} {_minutes(office.downtime_seconds, w.decimal)}"
            )
            if unknown > 0:
                text += f", {w._('bez pomiaru')} {_minutes(unknown, w.decimal)}"
        noon = datetime(lo.year, lo.month, lo.day, 12, tzinfo=tz)
        cells.append(Cell(state, w.at(noon, "weekday"), text))
    chart = heartbeat(
        cells,
        title=w._("Urząd: ostatnie 30 dni roboczych, dostępność w godzinach pracy"),
        chart_id="office-days",
        columns=(w._("Dzień"), w._("Dostępność w godzinach pracy")),
        first_label=cells[0].label if cells else "",
        last_label=cells[-1].label if cells else "",
    )
    panel = Panel(
        "Dostępność urzędu w godzinach pracy: ostatnie 30 dni roboczych",
        chart,
        "/systemy",
        "Jedna komórka na dzień roboczy: suma przestojów systemów liczonych do wskaźnika 1. "
        "Wysokość: pełna — bez przestojów, ¾ — przestoje do 1% czasu pracy, ½ — więcej, "
        "¼ — bez pomiaru lub brak danych.",
    )
    cache.last = (lang, now, panel, ctx.settings, stamp)
    return panel
