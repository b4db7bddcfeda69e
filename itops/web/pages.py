"""The core's own pages: Pulpit (home), Kalendarz pracy urzędu, Użytkownicy (admin)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from itops import auth, i18n
from itops.auth import ADMIN, AUDITOR, MIN_PASSWORD_LENGTH, ROLES
from itops.calendar import WEEKDAYS
from itops.context import AppContext
from itops.db.models import AuditLog, User
from itops.db.session import read_scope, session_scope
from itops.i18n import translator
from itops.messages import Summary
from itops.plugins import Panel, Problem, Tile, configured_checks, features
from itops.status import ServiceTime, Status
from itops.web import forms, throttle
from itops.web.security import current_user, requires, submitted_form
from itops.web.templating import ROLE_NAMES, render

logger = logging.getLogger(__name__)

STATUS_NAMES = {
    Status.OK: "działa",
    Status.WARNING: "ostrzeżenie",
    Status.CRITICAL: "awaria",
    Status.UNKNOWN: "stan nieznany",
}
WEEKDAY_NAMES = ("poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela")
LOGIN_RE = re.compile(r"^[A-Za-z0-9._]{1,64}$")


@dataclass(frozen=True)
class BoardRow:
    """One configured check on the status board (``status`` None before its first run)."""

    name: str
    unit: str
    kind: str
    status: Status | None
    since: datetime | None
    checked_at: datetime | None
    measured: ServiceTime | None  # the service's time the probe measured, by its name
    summary: Summary | None

    @property
    def css(self) -> str:
        return "status-none" if self.status is None else f"status-{int(self.status)}"

    @property
    def label(self) -> str:
        return "brak danych" if self.status is None else STATUS_NAMES[self.status]


def status_board(ctx: AppContext) -> list[BoardRow]:
    """Every configured check with its live state, worst first, then by name."""
    states = ctx.state.checks()
    units = ctx.settings.unit_names()
    rows: list[BoardRow] = []
    for check in configured_checks(ctx.settings):
        state = states.get(check.name)
        last = state.last if state else None
        rows.append(
            BoardRow(
                name=check.name,
                unit=units.get(check.unit, check.unit),
                kind=check.kind,
                status=last.status if last else None,
                since=state.since if state else None,
                checked_at=last.started_at if last else None,
                measured=last.service_time() if last else None,
                summary=last.summary if last else None,
            )
        )
    order = {None: -1, Status.OK: 0, Status.WARNING: 1, Status.UNKNOWN: 2, Status.CRITICAL: 3}
    return sorted(rows, key=lambda r: (-order[r.status], r.name))


def feature_tiles(ctx: AppContext) -> list[Tile]:
    """Tiles of every feature; one failing feature must not take the home page down."""
    tiles: list[Tile] = []
    for feat in features():
        if feat.tiles is None:
            continue
        try:
            tiles.extend(feat.tiles(ctx))
        except Exception:
            logger.exception("tiles of feature %s failed", feat.name)
            detail = "Błąd odczytu danych (szczegóły w dzienniku)."
            tiles.append(Tile(feat.name, "—", detail, ok=False))
    return tiles


def feature_problems(ctx: AppContext) -> list[Problem]:
    """Every feature's active problems, worst first; a failing feature is a problem too."""
    found: list[Problem] = []
    for feat in features():
        if feat.problems is None:
            continue
        try:
            found.extend(feat.problems(ctx))
        except Exception:
            logger.exception("problems of feature %s failed", feat.name)
            found.append(Problem(Status.UNKNOWN, feat.name, "", "/", None, "Błąd odczytu danych."))
    order = {Status.OK: 0, Status.WARNING: 1, Status.UNKNOWN: 2, Status.CRITICAL: 3}
    return sorted(found, key=lambda p: (-order[p.status], p.what, p.name))


def feature_panels(ctx: AppContext, lang: str) -> list[Panel]:
    panels: list[Panel] = []
    for feat in features():
        if feat.panels is None:
            continue
        try:
            panels.extend(feat.panels(ctx, lang))
        except Exception:
            logger.exception("panels of feature %s failed", feat.name)
    return panels


@requires(*ROLES)
def home(request: Request) -> Response:
    """Pulpit: status board, tiles, active problems and this week's office hours."""
    ctx: AppContext = request.app.state.ctx
    cal = ctx.settings.calendar()
    today = ctx.clock.now().astimezone(cal.tz).date()
    monday = today - timedelta(days=today.weekday())
    board = status_board(ctx)
    problems = [r for r in board if r.status not in (None, Status.OK)]
    user = current_user(request)
    return render(
        request,
        "home.html",
        {
            "board": board,
            "problems": problems,
            "other_problems": [
                p
                for p in feature_problems(ctx)
                if not p.roles or (user is not None and user.role in p.roles)
            ],
            "status_names": STATUS_NAMES,
            "tiles": feature_tiles(ctx),
            "panels": feature_panels(ctx, request.app.state.lang(request)),
            "week": cal.days(monday, monday + timedelta(days=7)),
            "today": today,
            "warnings": ctx.settings.warnings(),
            "now": ctx.clock.now(),
        },
    )


@dataclass(frozen=True)
class UnitCalendar:
    """What the calendar page shows for the office or one unit."""

    id: str
    name: str
    hours: list[tuple[str, str]]
    holidays: list[tuple[date, str]]
    extra_days_off: list[date]
    extra_working_days: list[date]
    saturday_warnings: list[tuple[date, str]]


def unit_calendar(ctx: AppContext, unit: str, name: str, year: int) -> UnitCalendar:
    sched = ctx.settings.schedule(unit)
    cal = ctx.settings.calendar(unit)
    hours = [
        (
            WEEKDAY_NAMES[i],
            ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in sched.hours.get(i, ())),
        )
        for i in range(len(WEEKDAYS))
    ]
    holidays = [
        (d.day, d.holiday)
        for d in cal.days(date(year, 1, 1), date(year + 1, 1, 1))
        if d.holiday is not None
    ]
    return UnitCalendar(
        id=unit,
        name=name,
        hours=hours,
        holidays=holidays,
        extra_days_off=sorted(d for d in sched.extra_days_off if d.year == year),
        extra_working_days=sorted(d for d in sched.extra_working_days if d.year == year),
        saturday_warnings=cal.saturday_holidays_without_day_off([year]),
    )


@requires(*ROLES)
def calendar_page(request: Request) -> Response:
    """Kalendarz pracy urzędu: hours, holidays and days off of the office and its units."""
    ctx: AppContext = request.app.state.ctx
    this_year = ctx.clock.now().astimezone(ctx.settings.calendar().tz).year
    try:
        year = int(request.query_params.get("year", this_year))
    except ValueError:
        year = this_year
    year = min(max(year, 2000), 2100)
    units = [
        unit_calendar(ctx, unit_id, name, year)
        for unit_id, name in ctx.settings.unit_names().items()
    ]
    return render(request, "calendar.html", {"year": year, "units": units})


# --- Użytkownicy (admin) -------------------------------------------------------------------


def _users(ctx: AppContext) -> list[dict[str, Any]]:
    now = ctx.clock.now()
    with read_scope(ctx.sessions) as db:
        rows = db.scalars(select(User).order_by(User.login)).all()
        locked = {
            u.login
            for u in rows
            if throttle.locked(db, [throttle.login_key(u.login)], now) is not None
        }
        return [
            {
                "login": u.login,
                "full_name": u.full_name,
                "role": u.role,
                "disabled": u.disabled,
                "created_at": u.created_at,
                "locked": u.login in locked,
            }
            for u in rows
        ]


def _users_page(
    request: Request,
    status: int = 200,
    errors: list[str] | None = None,
    form: dict[str, str] | None = None,
    done: str | None = None,
) -> Response:
    ctx: AppContext = request.app.state.ctx
    return render(
        request,
        "users.html",
        {
            "users": _users(ctx),
            "roles": ROLES,
            "role_names": ROLE_NAMES,
            "errors": errors or [],
            "form": form or {},
            "done": done or request.query_params.get("done"),
            "min_password": MIN_PASSWORD_LENGTH,
        },
        status,
    )


@requires(ADMIN)
def users_page(request: Request) -> Response:
    return _users_page(request)


@requires(ADMIN)
def user_add(request: Request) -> Response:
    """Add a user; every problem is named, nothing is written unless all is well."""
    ctx: AppContext = request.app.state.ctx
    admin = current_user(request)
    form = submitted_form(request)
    login = str(form.get("login", "")).strip()
    full_name = str(form.get("full_name", "")).strip()[:200]
    role = str(form.get("role", ""))
    password = str(form.get("password", ""))
    errors: list[str] = []
    if not LOGIN_RE.match(login):
        errors.append("Login: od 1 do 64 liter, cyfr, kropek lub podkreśleń.")
    if role not in ROLES:
        errors.append("Rola: wybierz jedną z listy.")
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.append(f"Hasło: co najmniej {MIN_PASSWORD_LENGTH} znaków.")
    if not errors:
        with session_scope(ctx.sessions) as db:
            if auth.get_user(db, login) is not None:
                errors.append(f"Login: użytkownik „{login}” już istnieje.")
            else:
                now = ctx.clock.now()
                auth.add_user(db, login, role, password, now, full_name)
                auth.audit(
                    db,
                    now,
                    admin.login if admin else None,
                    "user_added",
                    f"{login} role={role}",
                    _remote(request),
                )
    if errors:
        kept = {"login": login, "full_name": full_name, "role": role}
        return _users_page(request, 400, errors, kept)
    return RedirectResponse("/admin/users?done=added", status_code=303)


def _change_user(request: Request, action: str) -> Response:
    """Role change, disable or enable of another user, audited with the admin's login."""
    ctx: AppContext = request.app.state.ctx
    admin = current_user(request)
    login = request.path_params["login"]
    form = submitted_form(request)
    if admin is not None and admin.login == login and action != "unlock":
        return _users_page(request, 400, ["Nie można zmienić własnego konta."])
    now = ctx.clock.now()
    role = str(form.get("role", ""))
    if action == "role" and role not in ROLES:
        return _users_page(request, 400, ["Rola: wybierz jedną z listy."])
    with session_scope(ctx.sessions) as db:
        user = auth.get_user(db, login)
        if user is not None:
            if action == "role":
                detail = f"{login} role {user.role} -> {role}"
                user.role = role
            elif action == "disable":
                user.disabled, detail = True, login
            elif action == "enable":
                user.disabled, detail = False, login
            else:
                throttle.clear(db, throttle.login_key(login))
                detail = login
            auth.audit(
                db, now, admin.login if admin else None, f"user_{action}", detail, _remote(request)
            )
    if user is None:  # rendered after the transaction: SQLite allows one writer at a time
        return _users_page(request, 404, [f"Nie ma użytkownika „{login}”."])
    return RedirectResponse(f"/admin/users?done={action}", status_code=303)


@requires(ADMIN)
def user_role(request: Request) -> Response:
    return _change_user(request, "role")


@requires(ADMIN)
def user_disable(request: Request) -> Response:
    return _change_user(request, "disable")


@requires(ADMIN)
def user_enable(request: Request) -> Response:
    return _change_user(request, "enable")


@requires(ADMIN)
def user_unlock(request: Request) -> Response:
    return _change_user(request, "unlock")


# --- Dziennik zdarzeń (admin, auditor) ------------------------------------------------------

AUDIT_ACTIONS = {
    "login": "logowanie",
    "login_failed": "nieudane logowanie",
    "login_refused_locked": "logowanie odrzucone (blokada)",
    "lockout": "blokada po nieudanych logowaniach",
    "logout": "wylogowanie",
    "user_added": "dodanie użytkownika",
    "user_role": "zmiana roli",
    "user_disable": "wyłączenie użytkownika",
    "user_disabled": "wyłączenie użytkownika",
    "user_enable": "włączenie użytkownika",
    "user_enabled": "włączenie użytkownika",
    "user_unlock": "zdjęcie blokady",
    "password_changed": "zmiana hasła",
}
AUDIT_PAGE = 100
_ROLE_SET = re.compile(r"\brole=(\w+)")
_ROLE_CHANGE = re.compile(r"\brole (\w+) -> (\w+)")
_KEY_CHANGE = re.compile(r"\b([a-z]+(?:_[a-z]+)*)→([a-z]+(?:_[a-z]+)*)\b")


def readable_detail(detail: str, translate: Callable[[str], str]) -> str:
    """An audit row's detail with stored keys (roles, outage causes) as words.

    The row itself stays as written; only its display is translated.
    """

    def role(key: str) -> str:
        return translate(ROLE_NAMES.get(key, key))

    detail = _ROLE_SET.sub(lambda m: f"{translate('rola')}: {role(m[1])}", detail)
    detail = _ROLE_CHANGE.sub(lambda m: f"{translate('rola')}: {role(m[1])} → {role(m[2])}", detail)
    return _KEY_CHANGE.sub(
        lambda m: (
            f"{translate(i18n.label(m[1], 'cause'))} → {translate(i18n.label(m[2], 'cause'))}"
        ),
        detail,
    )


@requires(ADMIN, AUDITOR)
def audit_page(request: Request) -> Response:
    """Dziennik zdarzeń: the newest audit-log rows, one page at a time (read-only)."""
    ctx: AppContext = request.app.state.ctx
    translate = translator(request.app.state.lang(request))
    try:
        before = forms.query(request, "before", forms.Id)
    except forms.FormError as exc:
        return render(request, "error.html", {"message": str(exc), "status": 400}, 400)
    query = select(AuditLog).order_by(AuditLog.id.desc()).limit(AUDIT_PAGE + 1)
    if before is not None:
        query = query.where(AuditLog.id < before)
    with read_scope(ctx.sessions) as db:
        rows = [
            {
                "id": r.id,
                "at": r.at,
                "actor": r.actor,
                "action": r.action,
                "label": AUDIT_ACTIONS.get(r.action) or i18n.label(r.action, "audit"),
                "detail": readable_detail(r.detail or "", translate),
                "remote_addr": r.remote_addr,
            }
            for r in db.scalars(query)
        ]
    more = len(rows) > AUDIT_PAGE
    rows = rows[:AUDIT_PAGE]
    return render(request, "audit.html", {"rows": rows, "more": more})


def _remote(request: Request) -> str | None:
    return request.client.host if request.client else None


__all__ = ["calendar_page", "home", "status_board", "users_page"]
