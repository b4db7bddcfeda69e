"""The "Systemy" pages: status board and the outage list with the reclassify form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from checks.availability.service import SERVICE
from checks.availability.texts import CAUSE_LABELS
from checks.config import CHECKS
from itops import auth
from itops.auth import ADMIN, IT_OFFICER, ROLES
from itops.context import AppContext
from itops.db.session import read_scope, session_scope
from itops.errors import ValidationError
from itops.i18n import translator
from itops.messages import Summary
from itops.web import forms, paging
from itops.web.security import current_user, requires, submitted_form
from itops.web.templating import render

if TYPE_CHECKING:
    from checks.availability.outage_list import Filters, Listed

EDITORS = (ADMIN, IT_OFFICER)


@requires(*ROLES)
def board(request: Request) -> Response:
    ctx: AppContext = request.app.state.ctx
    report = SERVICE.of(ctx).current_year()
    figures = {c.name: c for c in report.checks}
    live = ctx.state.checks()
    open_outages = SERVICE.of(ctx).tracker.open_outages()
    rows = []
    for cfg in ctx.settings.section(CHECKS):
        state = live.get(cfg.name)
        rows.append(
            {
                "name": cfg.name,
                "kind": cfg.kind,
                "status": int(state.last.status) if state else None,
                "status_name": state.last.status.name if state else None,
                "summary": state.last.summary if state else None,
                "since": state.since if state else None,
                "measured": state.last.service_time() if state else None,
                "figure": figures.get(cfg.name),
                "outage_since": open_outages.get(cfg.name),
            }
        )
    return render(request, "systemy.html", {"rows": rows, "report": report})


@requires(*ROLES)
def outage_list(request: Request) -> Response:
    """One year's outages (``rok``, default this year), newest first, 50 a page, filtered
    by a text (system, cause or note) and a system; each row links to its one-outage form
    (issue 13: the page was 10,800 px oldest first with a form on every row). The
    database filters, counts and pages (``outage_list``): no year is computed here."""
    ctx: AppContext = request.app.state.ctx
    from checks.availability import outage_list as listing

    now = ctx.clock.now()
    today = now.astimezone(ZoneInfo(ctx.settings.office.timezone)).date()
    this_year = today.year
    names = [c.name for c in ctx.settings.section(CHECKS)]
    translate = translator(request.app.state.lang(request))
    with read_scope(ctx.sessions) as db:
        offered = listing.years(db, this_year, ZoneInfo(ctx.settings.office.timezone))
        wanted, refused = _filters(request, names, this_year, translate)
        missing = wanted.year if wanted.year not in offered else None
        if missing is not None:  # a year itops has nothing of: this year's list, and why
            wanted = listing.Filters(this_year, wanted.q, wanted.system, translate)
        total = listing.count(db, ctx.settings, wanted)
        keep = {"rok": str(wanted.year) if wanted.year != this_year else ""}
        page = paging.page_of(request, total, {**keep, "q": wanted.q, "system": wanted.system})
        found = listing.page(db, ctx.settings, wanted, page.offset, page.size, now)
    user = current_user(request)
    return render(
        request,
        "awarie.html",
        {
            "rows": [_outage_row(item) for item in found],
            "page": page,
            "q": wanted.q,
            "system": wanted.system,
            "systems": names,
            "year": wanted.year,
            "years": offered,
            "as_of": today if wanted.year == this_year else None,  # a year in progress
            "year_missing": missing,
            "query_error": refused,
            "causes": CAUSE_LABELS,
            "can_edit": user is not None and user.role in EDITORS,
            "error": request.query_params.get("error"),
        },
        status_code=400 if refused else 404 if missing is not None else 200,
    )


def _filters(
    request: Request, names: list[str], this_year: int, translate: Callable[[str], str]
) -> tuple[Filters, Summary | None]:
    """The list's filters from the query string; a malformed ``q`` or ``rok`` is dropped
    and named (a NUL must not reach the page, issue 14.4)."""
    from checks.availability.outage_list import Filters as ListFilters

    refused: Summary | None = None
    try:
        q = str(forms.query(request, "q", forms.Line, "")).strip()
    except forms.FormError as exc:
        q, refused = "", exc.summary()
    try:
        year = int(forms.query(request, "rok", forms.Year, this_year))
    except forms.FormError as exc:
        year, refused = this_year, refused or exc.summary()
    system = request.query_params.get("system", "")
    return ListFilters(year, q, system if system in names else "", translate), refused


def _outage_row(item: Listed) -> dict[str, Any]:
    o = item.outage
    return {
        "id": o.id,
        "check": o.check_name,
        "start": o.start,
        "end": o.end,
        "cause": item.cause,
        "original": o.cause,
        "note": o.note,
        "working_minutes": item.working_seconds / 60,
        "changes": item.changes,
    }


@requires(*EDITORS)
def outage_reclassify(request: Request) -> Response:
    ctx: AppContext = request.app.state.ctx
    from checks.availability.entry import reclassify

    user = current_user(request)
    assert user is not None  # noqa: S101 - requires() guarantees a user
    form = submitted_form(request)
    try:
        outage_id = int(request.path_params["outage_id"])
        with session_scope(ctx.sessions) as db:
            record = reclassify(
                db,
                outage_id,
                str(form.get("cause", "")),
                user.login,
                forms.field(form, "reason", forms.Note, ""),
                ctx.clock.now(),
            )
            auth.audit(
                db,
                ctx.clock.now(),
                user.login,
                "outage_reclassified",
                f"#{outage_id} {record.from_cause}→{record.to_cause}: {record.reason}",
            )
    except (ValidationError, ValueError) as exc:
        return render(request, "error.html", {"message": str(exc), "status": 400}, status_code=400)
    SERVICE.of(ctx).refresh_year()
    back = str(form.get("wroc", ""))
    # Only a system's own page: an open redirect would send the officer anywhere.
    if not (back.startswith("/systemy/") and back[9:] in _check_names(ctx)):
        back = "/systemy/awarie"
    return RedirectResponse(back, status_code=303)


def _check_names(ctx: AppContext) -> set[str]:
    from urllib.parse import quote

    return {quote(c.name) for c in ctx.settings.section(CHECKS)} | {
        c.name for c in ctx.settings.section(CHECKS)
    }


def routes() -> Sequence[BaseRoute]:
    from checks.availability.status_page import note_submit, status_html, status_json
    from checks.availability.system_web import outage_form, system_page

    return [
        Route("/status", status_html, methods=["GET"]),
        Route("/status.json", status_json, methods=["GET"]),
        Route("/systemy/awarie/{outage_id:id}/komunikat", note_submit, methods=["POST"]),
        Route("/systemy", board, methods=["GET"]),
        Route("/systemy/awarie", outage_list, methods=["GET"]),
        Route("/systemy/awarie/{outage_id:id}/przyczyna", outage_reclassify, methods=["POST"]),
        Route("/systemy/awarie/{outage_id:id}", outage_form, methods=["GET"]),
        Route("/systemy/{name}", system_page, methods=["GET"]),
    ]
