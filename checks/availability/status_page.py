"""``/status`` and ``/status.json``: the public status page for residents (no login).

Off by default (``[status_page] enabled``). It shows only what the configuration names as
public: each service's public name, its state in words, the last ``days`` days as one cell
per day (availability around the clock: a resident uses the BIP at night too), planned
maintenance ahead and the IT officer's note on an ongoing outage. Nothing internal is
read into the view: no check name, host, port, unit, probe summary, outage note or
maintenance window name (a test reads the page and the JSON for every one of them).

Days before a service's first stored measurement are "no data", never "available".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from checks.availability.config import STATUS_PAGE, StatusPage
from checks.availability.figures import AvailabilityReport, CheckAvailability
from checks.availability.history import (
    first_data,
    load_period,
    slice_reports,
    upcoming_maintenance,
)
from checks.config import CHECKS, CheckConfig
from itops import auth, formats
from itops.auth import ADMIN, IT_OFFICER
from itops.charts import Cell, Chart, fmt_number, heartbeat
from itops.context import AppContext
from itops.db.session import read_scope, session_scope
from itops.i18n import translator
from itops.status import Status
from itops.web import forms
from itops.web.security import current_user, requires, submitted_form
from itops.web.templating import render

EDITORS = (ADMIN, IT_OFFICER)

# The public state of a service, in words (the page translates them; JSON keeps the key).
STATE_WORDS = {
    "ok": "działa",
    "warning": "utrudnienia",
    "critical": "awaria",
    "maintenance": "prace planowe",
    "unknown": "stan nieznany",
    "none": "brak danych",
}
_LIVE = {
    Status.OK: "ok",
    Status.WARNING: "warning",
    Status.CRITICAL: "critical",
    Status.UNKNOWN: "unknown",
}
# a heartbeat cell knows five states; "maintenance" is drawn as unknown-height, in words
_CELL = {"maintenance": "unknown"}


@dataclass(frozen=True)
class PublicDay:
    """One local day of a service, around the clock (``availability`` None: no data)."""

    day: date
    state: str
    availability: float | None
    downtime_seconds: float
    planned_seconds: float
    unknown_seconds: float


@dataclass(frozen=True)
class PublicNote:
    """The officer's note on an ongoing outage, and since when the outage lasts."""

    since: datetime
    at: datetime
    text: str


@dataclass(frozen=True)
class PublicService:
    name: str
    state: str
    since: datetime | None
    days: list[PublicDay]
    availability: float | None  # over the days with data
    coverage: float | None
    notes: list[PublicNote]


@dataclass(frozen=True)
class PublicMaintenance:
    start: datetime
    end: datetime
    services: list[str]


@dataclass(frozen=True)
class StatusView:
    title: str
    updated: datetime
    services: list[PublicService]
    maintenance: list[PublicMaintenance]


def _configs(ctx: AppContext, page: StatusPage) -> list[tuple[str, CheckConfig]]:
    by_name = {c.name: c for c in ctx.settings.section(CHECKS)}
    return [(s.name, by_name[s.check]) for s in page.services if s.check in by_name]


def day_state(fig: CheckAvailability, measured: bool) -> str:
    """A day's cell: no data before the first measurement or with no coverage at all,
    downtime (over 1 % of the day → critical), wholly planned, unknown time, or OK."""
    if not measured or fig.working_seconds <= 0:
        return "none"
    if fig.coverage <= 0 or fig.availability is None:
        return "unknown"
    if fig.downtime_seconds > 0:
        return "critical" if fig.availability < 0.99 else "warning"
    if fig.unknown_seconds > 0:
        return "unknown"
    if fig.excluded_seconds > 0:
        return "maintenance"
    return "ok"


def build_status(ctx: AppContext, page: StatusPage) -> StatusView:
    """Everything the page and the JSON show, from public names, states and intervals."""
    tz = ZoneInfo(ctx.settings.office.timezone)
    now = ctx.clock.now().astimezone(UTC)
    today = now.astimezone(tz).date()
    days = [today - timedelta(days=n) for n in range(page.days - 1, -1, -1)]
    slices = [(d, d + timedelta(days=1)) for d in days]
    shown = _configs(ctx, page)
    names = [c.name for _, c in shown]
    live = ctx.state.checks()
    with read_scope(ctx.sessions) as db:
        period = load_period(db, ctx.settings, slices, now, names, around_the_clock=True)
        reports = slice_reports(period, slices) if names else []
        since = first_data(db, names)
        windows = {
            c.name: upcoming_maintenance(
                db, ctx.settings, c.name, c.unit, now, page.maintenance_days
            )
            for _, c in shown
        }
        notes = _ongoing_notes(db, names)
    services: list[PublicService] = []
    for public, cfg in shown:
        cells = _day_cells(cfg.name, slices, reports, since.get(cfg.name), tz)
        state_now = live.get(cfg.name)
        key = "none" if state_now is None else _LIVE[state_now.last.status]
        in_window = any(w.start <= now for w in windows[cfg.name])
        if in_window and key not in ("ok", "none"):
            key = "maintenance"
        availability, coverage = _overall(cfg.name, cells, reports)
        services.append(
            PublicService(
                name=public,
                state=key,
                since=state_now.since if state_now else None,
                days=cells,
                availability=availability,
                coverage=coverage,
                notes=notes.get(cfg.name, []),
            )
        )
    grouped: dict[tuple[datetime, datetime], list[str]] = {}
    for public, cfg in shown:
        for window in windows[cfg.name]:
            grouped.setdefault((window.start, window.end), []).append(public)
    maintenance = [PublicMaintenance(a, b, s) for (a, b), s in sorted(grouped.items())]
    return StatusView(page.title, now, services, maintenance)


def _ongoing_notes(db: Session, names: list[str]) -> dict[str, list[PublicNote]]:
    """Per check, the newest non-empty public note of each ongoing outage (oldest outage
    first); outages reclassified as false alarms have none."""
    from checks.availability.kpi import effective_causes
    from checks.availability.models import Outage, OutagePublicNote

    if not names:
        return {}
    open_rows = db.execute(
        select(Outage.id, Outage.check_name, Outage.start)
        .where(Outage.check_name.in_(names), Outage.end.is_(None))
        .order_by(Outage.start)
    ).all()
    causes = effective_causes(db, [r[0] for r in open_rows])
    ids = [r[0] for r in open_rows if causes.get(r[0]) != "false_alarm"]
    newest: dict[int, tuple[datetime, str]] = {}
    if ids:
        for outage_id, at, text in db.execute(
            select(OutagePublicNote.outage_id, OutagePublicNote.at, OutagePublicNote.text)
            .where(OutagePublicNote.outage_id.in_(ids))
            .order_by(OutagePublicNote.at, OutagePublicNote.id)
        ):
            newest[outage_id] = (at, text)
    notes: dict[str, list[PublicNote]] = {}
    for oid, name, start in open_rows:
        if oid in newest and newest[oid][1]:
            notes.setdefault(name, []).append(PublicNote(start, *newest[oid]))
    return notes


def _day_cells(
    name: str,
    slices: list[tuple[date, date]],
    reports: list[AvailabilityReport],
    first: datetime | None,
    tz: ZoneInfo,
) -> list[PublicDay]:
    """One cell per day; days before the check's first measurement are "no data"."""
    cells: list[PublicDay] = []
    for (lo, hi), report in zip(slices, reports, strict=True):
        fig = report.check(name)
        measured = first is not None and first < _midnight(hi, tz)
        state = day_state(fig, measured)
        cells.append(
            PublicDay(
                lo,
                state,
                None if state == "none" else fig.availability,
                fig.downtime_seconds if state != "none" else 0.0,
                fig.excluded_seconds if state != "none" else 0.0,
                fig.unknown_seconds if state != "none" else 0.0,
            )
        )
    return cells


def _overall(
    name: str, cells: list[PublicDay], reports: list[AvailabilityReport]
) -> tuple[float | None, float | None]:
    """Availability and coverage over the days with data."""
    measured_days = [
        r.check(name) for c, r in zip(cells, reports, strict=True) if c.state != "none"
    ]
    base = sum(f.working_seconds - f.excluded_seconds for f in measured_days)
    down = sum(f.downtime_seconds for f in measured_days)
    work = sum(f.working_seconds for f in measured_days)
    unknown = sum(f.unknown_seconds for f in measured_days)
    # with nothing measured the ratio would only restate the recorded outages
    availability = None if base <= 0 or unknown >= work else max(0.0, (base - down) / base)
    return availability, None if work <= 0 else 1.0 - unknown / work


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def _minutes(seconds: float, lang: str) -> str:
    return fmt_number(round(seconds / 60, 1), "." if lang == "en" else ",") + " min"


def day_text(d: PublicDay, lang: str) -> str:
    """A cell's text alternative: the figures in words (colour is never the only signal)."""
    _ = translator(lang)
    if d.availability is None:
        return _("brak danych")
    text = f"{_(STATE_WORDS[d.state])}, {formats.percent(d.availability, lang, 2, floor=True)}"
    text += f" {_('doby')}, {_('przerwy')} {_minutes(d.downtime_seconds, lang)}"
    if d.planned_seconds > 0:
        text += f", {_('prace planowe')} {_minutes(d.planned_seconds, lang)}"
    if d.unknown_seconds > 0:
        text += f", {_('bez pomiaru')} {_minutes(d.unknown_seconds, lang)}"
    return text


def day_chart(service: PublicService, index: int, lang: str, tz: ZoneInfo) -> Chart:
    _ = translator(lang)

    def label(day: date) -> str:
        return formats.day(day, lang)

    cells = [
        Cell(_CELL.get(d.state, d.state), label(d.day), day_text(d, lang)) for d in service.days
    ]
    return heartbeat(
        cells,
        title=f"{service.name}: {_('ostatnie dni')} ({len(cells)})",
        chart_id=f"status-days-{index}",
        columns=(_("Dzień"), _("Stan")),
        first_label=cells[0].label if cells else "",
        last_label=cells[-1].label if cells else "",
    )


def _page(ctx: AppContext) -> StatusPage | None:
    page = ctx.settings.section(STATUS_PAGE)
    return page if page.enabled else None


def _not_found(request: Request) -> Response:
    return render(request, "error.html", {"message": "Nie ma takiej strony.", "status": 404}, 404)


def status_html(request: Request) -> Response:
    ctx: AppContext = request.app.state.ctx
    page = _page(ctx)
    if page is None:
        return _not_found(request)
    view = build_status(ctx, page)
    lang = request.app.state.lang(request)
    tz = ZoneInfo(ctx.settings.office.timezone)
    charts = [day_chart(s, i, lang, tz) for i, s in enumerate(view.services)]
    return render(
        request,
        "status.html",
        {
            "view": view,
            "rows": list(zip(view.services, charts, strict=True)),
            "state_words": STATE_WORDS,
        },
    )


def status_json(request: Request) -> Response:
    """The same figures for the office's own website; states as keys, notes in Polish."""
    ctx: AppContext = request.app.state.ctx
    page = _page(ctx)
    if page is None:
        return JSONResponse({"error": "not found"}, 404)
    view = build_status(ctx, page)
    return JSONResponse(status_document(view))


def status_document(view: StatusView) -> dict[str, Any]:
    def moment(value: datetime | None) -> str | None:
        return None if value is None else value.astimezone(UTC).isoformat()

    return {
        "title": view.title,
        "updated": moment(view.updated),
        "services": [
            {
                "name": s.name,
                "state": s.state,
                "state_text": STATE_WORDS[s.state],
                "since": moment(s.since),
                "availability": s.availability,
                "coverage": s.coverage,
                "notes": [
                    {"text": n.text, "at": moment(n.at), "outage_since": moment(n.since)}
                    for n in s.notes
                ],
                "days": [
                    {
                        "date": d.day.isoformat(),
                        "state": d.state,
                        "availability": d.availability,
                        "downtime_minutes": round(d.downtime_seconds / 60, 1),
                        "planned_minutes": round(d.planned_seconds / 60, 1),
                        "unknown_minutes": round(d.unknown_seconds / 60, 1),
                    }
                    for d in s.days
                ],
            }
            for s in view.services
        ],
        "maintenance": [
            {"start": moment(m.start), "end": moment(m.end), "services": m.services}
            for m in view.maintenance
        ],
    }


def public_name(ctx: AppContext, check: str) -> str | None:
    """The check's name on the enabled status page (None: not shown there)."""
    page = _page(ctx)
    if page is None:
        return None
    return next((s.name for s in page.services if s.check == check), None)


def open_notes(ctx: AppContext, check: str) -> list[dict[str, Any]]:
    """The check's ongoing outages with their current public note (for the system page)."""
    from checks.availability.models import Outage, OutagePublicNote

    with read_scope(ctx.sessions) as db:
        rows = db.execute(
            select(Outage.id, Outage.start)
            .where(Outage.check_name == check, Outage.end.is_(None))
            .order_by(Outage.start)
        ).all()
        out: list[dict[str, Any]] = []
        for outage_id, start in rows:
            note = db.execute(
                select(OutagePublicNote.text, OutagePublicNote.at, OutagePublicNote.actor)
                .where(OutagePublicNote.outage_id == outage_id)
                .order_by(OutagePublicNote.at.desc(), OutagePublicNote.id.desc())
                .limit(1)
            ).first()
            out.append(
                {
                    "id": outage_id,
                    "start": start,
                    "text": note[0] if note else "",
                    "at": note[1] if note else None,
                    "actor": note[2] if note else None,
                }
            )
    return out


@requires(*EDITORS)
def note_submit(request: Request) -> Response:
    """Write (or, empty, withdraw) the public note of one ongoing outage; audited."""
    from checks.availability.models import Outage, OutagePublicNote

    ctx: AppContext = request.app.state.ctx
    user = current_user(request)
    assert user is not None  # noqa: S101 - requires() guarantees a user
    outage_id = int(request.path_params["outage_id"])
    form = submitted_form(request)
    try:
        text = forms.field(form, "text", forms.Notice, "")
    except forms.FormError as exc:
        return render(request, "error.html", {"message": str(exc), "status": 400}, 400)
    now = ctx.clock.now()
    problem: tuple[int, str] | None = None
    with session_scope(ctx.sessions) as db:
        row = db.get(Outage, outage_id)
        if row is None:
            problem = (404, "Nie ma takiej awarii.")
        elif row.end is not None:
            problem = (400, "Ta awaria już się skończyła: komunikat dotyczy trwających awarii.")
        elif public_name(ctx, row.check_name) is None:
            problem = (400, "Tego systemu nie ma na stronie statusu.")
        else:
            check = row.check_name
            db.add(OutagePublicNote(outage_id=outage_id, at=now, actor=user.login, text=text))
            auth.audit(db, now, user.login, "status_note", f"#{outage_id} {check}: {text}")
    if problem is not None:
        return render(
            request, "error.html", {"message": problem[1], "status": problem[0]}, problem[0]
        )
    from urllib.parse import quote

    return RedirectResponse(f"/systemy/{quote(check)}#status-note-h", status_code=303)
