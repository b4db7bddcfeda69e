"""``/systemy/{name}``: one system's page, and ``/systemy/awarie/{id}``: one outage's
reclassification form.

The page shows the live state, the last stored results and the last 30 working days as
heartbeat cells, response times (24 h / 7 d / 30 d) with outages and working hours, KPI 1
per month of this year (the figures of ``itops availability --check NAME`` for the month),
the outages in working hours (paged) and, for tls/http checks, the certificate's expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from checks.availability.figures import CheckAvailability, OutageEntry
from checks.availability.history import (
    Latency,
    OutageSpan,
    StoredResult,
    last_results,
    last_working_days,
    latencies,
    months_of_year,
    next_maintenance,
    outage_spans,
    slice_figures,
)
from checks.config import CHECKS, CheckConfig
from itops import formats
from itops.auth import ADMIN, IT_OFFICER, ROLES
from itops.charts import Cell, Chart, Point, bars, fmt_number, heartbeat, timeline
from itops.context import AppContext
from itops.db.session import read_scope
from itops.i18n import translator
from itops.status import SERVICE_TIMES, ProbeResult, Status
from itops.web.security import current_user, requires
from itops.web.templating import render

EDITORS = (ADMIN, IT_OFFICER)
PAGE = 20
RANGES = {"24h": (timedelta(hours=24), False), "7d": (timedelta(days=7), False)}
RANGES["30d"] = (timedelta(days=30), True)
MONTHS = {
    "pl": ("sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
STATE_KEYS = {
    Status.OK: "ok",
    Status.WARNING: "warning",
    Status.CRITICAL: "critical",
    Status.UNKNOWN: "unknown",
}
STATE_WORDS = {
    "ok": "działa",
    "warning": "ostrzeżenie",
    "critical": "awaria",
    "unknown": "stan nieznany",
    "none": "brak danych",
}


def _config(ctx: AppContext, name: str) -> CheckConfig | None:
    return next((c for c in ctx.settings.section(CHECKS) if c.name == name), None)


def _pct(value: float | None, decimal: str, digits: int = 2) -> str:
    """Through the one formatter, rounded down (99,96% never shows as 100%); None (nothing
    watched) is "brak danych"."""
    return formats.percent(value, "en" if decimal == "." else "pl", digits, floor=True)


def _minutes(seconds: float, decimal: str) -> str:
    return fmt_number(round(seconds / 60, 1), decimal) + " min"


@dataclass(frozen=True)
class _Words:
    lang: str
    tz: ZoneInfo

    @property
    def decimal(self) -> str:
        return "." if self.lang == "en" else ","

    def _(self, text: str) -> str:
        return translator(self.lang)(text)

    def at(self, value: datetime, fmt: str) -> str:
        """A moment in office time by the one formatter: ``fmt`` is one of its names
        ("short", "day", "weekday", "day_month", "day_month_time", "time")."""
        return formats.moment(value, self.tz.key, self.lang, fmt)


def heartbeat_results(results: list[StoredResult], w: _Words) -> Chart:
    cells = [
        Cell(
            STATE_KEYS[r.status],
            w.at(r.at, "short"),
            w._(STATE_WORDS[STATE_KEYS[r.status]]),
        )
        for r in results
    ]
    return heartbeat(
        cells,
        title=w._("Ostatnie zapisane wyniki sprawdzeń"),
        chart_id="hb-results",
        columns=(w._("Czas"), w._("Stan")),
        first_label=cells[0].label if cells else "",
        last_label=cells[-1].label if cells else "",
    )


def day_state(fig: CheckAvailability) -> str:
    """A working day's cell: no measurement at all, downtime (over 1 % → critical), or OK."""
    if fig.working_seconds <= 0 or fig.coverage <= 0 or fig.availability is None:
        return "unknown" if fig.working_seconds > 0 else "none"
    if fig.downtime_seconds > 0:
        return "critical" if fig.availability < 0.99 else "warning"
    return "ok" if fig.unknown_seconds <= 0 else "unknown"


def day_text(fig: CheckAvailability, w: _Words) -> str:
    text = (
        f"{_pct(fig.availability, w.decimal, 1)} {w._('czasu pracy')}, "
        f"{w._('przestoje')} {_minutes(fig.downtime_seconds, w.decimal)}"
    )
    if fig.unknown_seconds > 0:
        text += f", {w._('bez pomiaru')} {_minutes(fig.unknown_seconds, w.decimal)}"
    return text


def heartbeat_days(days: list[date], figures: list[CheckAvailability], w: _Words) -> Chart:
    cells = [
        Cell(day_state(f), w.at(_noon(d, w.tz), "weekday"), day_text(f, w))
        for d, f in zip(days, figures, strict=True)
    ]
    return heartbeat(
        cells,
        title=w._("Ostatnie 30 dni roboczych: dostępność w godzinach pracy"),
        chart_id="hb-days",
        columns=(w._("Dzień"), w._("Dostępność w godzinach pracy")),
        first_label=cells[0].label if cells else "",
        last_label=cells[-1].label if cells else "",
    )


def _noon(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=tz)


def month_chart(
    months: list[tuple[date, date]], figures: list[CheckAvailability], target: float, w: _Words
) -> Chart:
    known = [f.availability * 100 for f in figures if f.availability is not None]
    low = min(known, default=100.0)
    floor = 0.0
    for candidate in (99.9, 99.5, 99.0, 98.0, 95.0, 90.0, 80.0, 50.0):
        if low >= candidate + (100 - candidate) * 0.1 or low >= candidate and candidate < 99.9:
            floor = candidate
            break
    floor = min(floor, target * 100)
    # a month nobody watched has no bar (its text says "brak danych"), never a full one
    values = [floor if f.availability is None else f.availability * 100 for f in figures]
    return bars(
        [MONTHS["en" if w.lang == "en" else "pl"][m[0].month - 1] for m in months],
        values,
        title=w._("Dostępność w godzinach pracy wg miesięcy (bieżący rok)"),
        chart_id="months",
        columns=(w._("Miesiąc"), w._("Dostępność"), w._("Przestoje w godzinach pracy")),
        unit=f"{w._('% czasu pracy; oś od')} {formats.percent_g(floor / 100, w.lang)}",
        decimal=w.decimal,
        texts=[_pct(f.availability, w.decimal) for f in figures],
        notes=[_minutes(f.downtime_seconds, w.decimal) for f in figures],
        floor=floor,
        top=100.0,
        target=(target * 100, f"{w._('cel')} {formats.percent_g(target, w.lang)}"),
    )


# The time each kind's probe measures of the service (itops.status.SERVICE_TIMES); a kind
# not here measures none (disk, backup, host reports …) and gets no response-time chart.
KIND_SERVICE_TIME = {
    "http": "ttfb_seconds",
    "icmp": "rtt_avg_ms",
    "tcp": "connect_seconds",
    "tls": "handshake_seconds",
    "dns": "resolve_seconds",
}


def service_time_name(kind: str) -> str | None:
    """The Polish name of the time a ``kind`` check measures ("czas do pierwszego bajtu
    HTTP"), None when it measures none."""
    measurement = KIND_SERVICE_TIME.get(kind)
    return next((label for name, _, label in SERVICE_TIMES if name == measurement), None)


def response_chart(
    key: str,
    points: list[Latency],
    outages: list[OutageSpan],
    working: list[tuple[datetime, datetime]],
    start: datetime,
    end: datetime,
    w: _Words,
    measured: str,
) -> Chart:
    """What the probes measured (``measured``: its Polish name), min/avg/p95 in ms."""
    by_day = RANGES[key][1]
    ticks = _ticks(key, start, end, w)
    ms = [(p.low, p.mean, p.p95) for p in points]
    name = w._(measured)
    label_pattern = "day" if by_day else "day_month_time"
    names = {"24h": "24 h", "7d": "7 dni", "30d": "30 dni"}
    return timeline(
        [
            Point(p.start.timestamp(), m[1], m[0], m[2], w.at(p.start, label_pattern))
            for p, m in zip(points, ms, strict=True)
        ],
        title=f"{name[:1].upper()}{name[1:]}, {w._(names[key])}",
        chart_id=f"rt-{key}",
        start=start.timestamp(),
        end=end.timestamp(),
        ticks=ticks,
        columns=(w._("Od"), "min (ms)", w._("średnio") + " (ms)", "p95 (ms)", w._("Próby")),
        value_text=[
            (*(fmt_number(round(v, 1), w.decimal) for v in m), str(p.count))
            for p, m in zip(points, ms, strict=True)
        ],
        shaded=[
            (o.start.timestamp(), (o.end or end).timestamp())
            for o in outages
            if o.cause != "false_alarm"
        ],
        marked=[(a.timestamp(), b.timestamp()) for a, b in working],
        legend=[w._("średnio"), "min–p95", w._("godziny pracy"), w._("przerwa")],
        unit="ms",
        decimal=w.decimal,
        max_step=(86400 if by_day else 3600) * 1.5,
    )


def _ticks(key: str, start: datetime, end: datetime, w: _Words) -> list[tuple[float, str]]:
    """Local 00/03/06… o'clock for 24 h, local midnights for 7 d (every 5th for 30 d)."""
    out: list[tuple[float, str]] = []
    cursor = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    midnights = 0
    while cursor < end:
        local = cursor.astimezone(w.tz)
        if cursor >= start and local.minute == 0:
            if key == "24h" and local.hour % 3 == 0:
                out.append((cursor.timestamp(), w.at(cursor, "time")))
            elif key != "24h" and local.hour == 0:
                if key == "7d" or midnights % 5 == 0:
                    out.append(
                        (
                            cursor.timestamp(),
                            w.at(cursor, "weekday" if key == "7d" else "day_month"),
                        )
                    )
                midnights += 1
        cursor += timedelta(hours=1)
    return out


@requires(*ROLES)
def system_page(request: Request) -> Response:
    ctx: AppContext = request.app.state.ctx
    name = request.path_params["name"]
    cfg = _config(ctx, name)
    if cfg is None:
        return render(
            request,
            "error.html",
            {"message": "Nie ma takiego systemu.", "status": 404},
            status_code=404,
        )
    return render(request, "system.html", system_context(request, ctx, cfg))


def system_context(request: Request, ctx: AppContext, cfg: CheckConfig) -> dict[str, Any]:
    """The page's figures: the header (state, certificate, year), the charts and a page
    of outages; each part from its own helper."""
    from checks.availability.service import SERVICE
    from checks.availability.status_page import open_notes, public_name
    from checks.availability.texts import CAUSE_LABELS

    w = _Words(request.app.state.lang(request), ZoneInfo(ctx.settings.office.timezone))
    now = ctx.clock.now().astimezone(UTC)
    key = request.query_params.get("zakres", "24h")
    key = key if key in RANGES else "24h"
    report = SERVICE.of(ctx).current_year()
    state = ctx.state.checks().get(cfg.name)
    last = state.last if state else None
    user = current_user(request)
    shown_as = public_name(ctx, cfg.name)
    year = report.check(cfg.name) if any(c.name == cfg.name for c in report.checks) else None
    return {
        "cfg": cfg,
        "unit_name": ctx.settings.unit_names().get(cfg.unit, cfg.unit),
        "state": state,
        "status_key": STATE_KEYS[last.status] if last else "none",
        "state_words": STATE_WORDS,
        "year": year,
        "now": now,
        "range_key": key,
        "ranges": {"24h": "24 h", "7d": "7 dni", "30d": "30 dni"},
        **_charts(ctx, cfg, key, now, report.office.target, w),
        **_outage_page(request, [o for o in report.outages if o.check == cfg.name]),
        **_certificate(cfg, last, now),
        "causes": CAUSE_LABELS,
        "can_edit": user is not None and user.role in EDITORS,
        "decimal": w.decimal,
        "public_name": shown_as,
        "open_notes": open_notes(ctx, cfg.name) if shown_as else [],
    }


def _charts(
    ctx: AppContext, cfg: CheckConfig, key: str, now: datetime, target: float, w: _Words
) -> dict[str, Any]:
    """Heartbeat cells, the service-time chart of the range and the month bars."""
    range_start = now - RANGES[key][0]
    today = now.astimezone(w.tz).date()
    days = last_working_days(ctx.settings, cfg.unit, today, 30)
    months = months_of_year(today.year, today)
    measured = service_time_name(cfg.kind)
    with read_scope(ctx.sessions) as db:
        slices = [*months, *((d, d + timedelta(days=1)) for d in days)]
        figures = slice_figures(db, ctx.settings, cfg.name, slices, now)
        results = last_results(db, cfg.name, 90)
        points = latencies(db, cfg.name, range_start, now, w.tz, RANGES[key][1]) if measured else []
        spans = outage_spans(db, cfg.name, range_start, now)
        planned = next_maintenance(db, ctx.settings, cfg.name, cfg.unit, now)
    month_figs, day_figs = figures[: len(months)], figures[len(months) :]
    working = [
        (i.start, i.end)
        for i in ctx.settings.calendar(cfg.unit).working_intervals(range_start, now)
    ]
    response = None
    if measured is not None:
        response = response_chart(key, points, spans, working, range_start, now, w, measured)
    return {
        "planned": planned,
        "hb_results": heartbeat_results(results, w),
        "hb_days": heartbeat_days(days, day_figs, w),
        "measured": measured,
        "response": response,
        "months": month_chart(months, month_figs, target, w),
        "month_rows": list(zip(months, month_figs, strict=True)),
    }


def _outage_page(request: Request, outages: list[OutageEntry]) -> dict[str, Any]:
    """The system's outages this year, newest first, ``PAGE`` a page (``strona``)."""
    outages = sorted(outages, key=lambda o: o.start, reverse=True)
    try:
        page = max(1, int(request.query_params.get("strona", "1")))
    except ValueError:
        page = 1
    pages = max(1, -(-len(outages) // PAGE))
    page = min(page, pages)
    return {
        "outages": outages[(page - 1) * PAGE : page * PAGE],
        "outage_count": len(outages),
        "page": page,
        "pages": pages,
    }


def _certificate(cfg: CheckConfig, last: ProbeResult | None, now: datetime) -> dict[str, Any]:
    """For tls/http checks: the certificate's expiry and the whole days left."""
    stamp = last.value("cert_not_after") if last and cfg.kind in ("tls", "http") else None
    if stamp is None:
        return {"cert_until": None, "cert_days": None}
    until = datetime.fromtimestamp(stamp, UTC)
    return {"cert_until": until, "cert_days": int((until - now).total_seconds() // 86400)}


@requires(*EDITORS)
def outage_form(request: Request) -> Response:
    """One outage with its history and the reclassification form (POST to ``…/przyczyna``)."""
    from checks.availability.entry import list_outages
    from checks.availability.models import Outage
    from checks.availability.service import SERVICE
    from checks.availability.texts import CAUSE_LABELS

    ctx: AppContext = request.app.state.ctx
    tz = ZoneInfo(ctx.settings.office.timezone)
    outage_id = int(request.path_params["outage_id"])
    with read_scope(ctx.sessions) as db:
        row = db.get(Outage, outage_id)
        if row is None:
            found = None
        else:
            lo = row.start.astimezone(tz).date()
            hi = (row.end or ctx.clock.now()).astimezone(tz).date() + timedelta(days=1)
            found = next(
                (
                    {
                        "id": o.id,
                        "check": o.check_name,
                        "start": o.start,
                        "end": o.end,
                        "cause": cause,
                        "original": o.cause,
                        "note": o.note,
                        "history": [
                            {
                                "at": r.at,
                                "actor": r.actor,
                                "from": r.from_cause,
                                "to": r.to_cause,
                                "reason": r.reason,
                            }
                            for r in history
                        ],
                    }
                    for o, cause, history in list_outages(db, lo, hi, tz, row.check_name)
                    if o.id == outage_id
                ),
                None,
            )
    if found is None:
        return render(
            request, "error.html", {"message": "Nie ma takiej awarii.", "status": 404}, 404
        )
    working = {o.id: o.working_seconds for o in SERVICE.of(ctx).current_year().outages}
    minutes = working.get(outage_id, 0.0) / 60
    # back to the list the officer came from ("Awarie" links with ?z=awarie), else the
    # system's page
    back = "/systemy/awarie" if request.query_params.get("z") == "awarie" else ""
    return render(
        request,
        "outage_form.html",
        {"o": found, "minutes": minutes, "causes": CAUSE_LABELS, "back": back},
    )
