"""Jinja2 rendering shared by the core and the feature pages.

Autoescape is on for every template (an asset called ``<script>`` must render as text).
Feature packages add their template folders through ``Feature.templates``.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_context, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from itops import __version__, formats, messages
from itops.config_types import PerLanguage, text_for
from itops.i18n import (
    format_day,
    format_local,
    format_short_day,
    label,
    summary,
    translator,
)
from itops.messages import RAW, Summary

# Polish names of the roles (translated at render like every other label).
ROLE_NAMES = {
    "admin": "administrator",
    "it_officer": "informatyk",
    "auditor": "audytor",
    "monitoring_officer": "osoba upoważniona do monitoringu wg §82",
}

CORE_TEMPLATES = Path(__file__).parent / "templates"


def make_environment(extra_dirs: list[Path]) -> Environment:
    loader = ChoiceLoader([FileSystemLoader(str(p)) for p in [CORE_TEMPLATES, *extra_dirs]])
    env = Environment(loader=loader, autoescape=select_autoescape(default=True), auto_reload=False)
    env.globals["version"] = __version__
    env.globals["role_names"] = ROLE_NAMES
    env.filters["label"] = _label_filter
    env.filters["date"] = _date_filter
    env.filters["summary"] = _summary_filter
    env.filters["num"] = _num_filter
    env.filters["pct"] = _pct_filter
    env.filters["target"] = _target_filter
    env.filters["money"] = _money_filter
    env.filters["text"] = _text_filter
    return env


@pass_context
def _text_filter(context: Any, value: str | PerLanguage) -> str:
    """``{{ window_name|text }}``: a config text in the page's language (``text_for``)."""
    return text_for(value, str(context["lang"]))


@pass_context
def _summary_filter(context: Any, value: object) -> str:
    """A result's summary in the page's language: a ``Summary`` through its text table; a
    plain string (rows stored before message codes) through the remaining patterns."""
    lang = str(context["lang"])
    if isinstance(value, Summary):
        if value.code == RAW:
            return summary(str(value.params.get("text") or ""), lang)
        return messages.render(value, lang)
    found = messages.from_stored("" if value is None else str(value))
    if found.code != RAW:  # a stored Summary (a text column holding codes)
        return messages.render(found, lang)
    return summary("" if value is None else str(value), lang)


@pass_context
def _num_filter(context: Any, value: float | None, digits: int = 1) -> str:
    """``{{ x|num(1) }}``: "7,5" on a Polish page, "7.5" in English (the one formatter)."""
    return "—" if value is None else formats.number(value, str(context["lang"]), digits)


@pass_context
def _pct_filter(context: Any, ratio: float | None, digits: int = 2, floor: bool = False) -> str:
    """``{{ share|pct(3, true) }}``: a ratio as "99,344%"; ``floor`` rounds down (an
    availability under 100% never shows as 100%)."""
    if ratio is None:
        return "—"
    return formats.percent(ratio, str(context["lang"]), digits, floor=floor)


@pass_context
def _target_filter(context: Any, ratio: float) -> str:
    """A KPI target ratio with the digits it has: 0.1 → "10%"."""
    return formats.percent_g(ratio, str(context["lang"]))


@pass_context
def _money_filter(context: Any, amount: float | None) -> str:
    """``790,00 zł``."""
    return "—" if amount is None else formats.money(amount, str(context["lang"]))


@pass_context
def _date_filter(context: Any, value: object) -> str:
    """A calendar day as the office writes it: "05.02.2026" (Polish), "05/02/2026" (English)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return str(context["local"](value, "short"))
    if isinstance(value, date):
        return format_short_day(value, str(context["lang"]))
    return str(value)


@pass_context
def _label_filter(context: Any, key: object, namespace: str | None = None) -> str:
    """``{{ a.status|label("asset_status") }}``: a stored key as words in the page's language."""
    return str(context["_"](label(key, namespace)))


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """The Polish (or English) error page with ``message`` and ``status``."""
    return render(request, "error.html", {"message": message, "status": status}, status)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render ``template`` with the request's user, language, CSRF token and helpers."""
    from itops.web.security import csrf_token, current_user, may_open

    ctx = request.app.state.ctx
    has_session = "session" in request.scope  # not yet, for errors caught outside it
    lang = request.app.state.lang(request) if has_session else ctx.settings.web.language
    tz = ctx.settings.office.timezone
    user = current_user(request) if has_session else None
    values: dict[str, Any] = {
        "request": request,
        "user": user,
        "lang": lang,
        "_": translator(lang),
        "office": ctx.settings.office,
        "csrf_token": csrf_token(request) if has_session else "",
        "refresh_seconds": max(1, round(ctx.settings.web.refresh_interval.total_seconds())),
        "nav": [
            n
            for n in request.app.state.nav
            if user and user.role in n.roles and may_open(request.app, n.path, user.role)
        ],
        # a link only to a page the user may open (the route's own roles decide)
        "may": lambda path: may_open(request.app, str(path), user.role if user else None),
        "local": lambda dt, fmt="medium": format_local(dt, tz, lang, fmt),
        "day": lambda d, fmt="EEEE, d MMMM y": format_day(d, lang, fmt),
    }
    values.update(context or {})
    html = request.app.state.jinja.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code)
