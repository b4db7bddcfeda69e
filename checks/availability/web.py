"""The "Systemy" pages: status board and the outage list with the reclassify form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
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
    from checks.availability.models import Outage, OutageReclassification

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
    """This year's outages, newest first, 50 a page, filtered by a text (system, cause or
    note) and a system; each row links to its one-outage form (issue 13: the page was
    10,800 px oldest first with a form on every row)."""
    ctx: AppContext = request.app.state.ctx
    from checks.availability.entry import list_outages

    refused: Summary | None = None
    try:  # typed like every query parameter: a NUL must not reach the page (issue 14.4)
        q = str(forms.query(request, "q", forms.Line, "")).strip()
    except forms.FormError as exc:
        q, refused = "", exc.summary()
    system = request.query_params.get("system", "")
    names = [c.name for c in ctx.settings.section(CHECKS)]
    if system not in names:
        system = ""
    tz = ZoneInfo(ctx.settings.office.timezone)
    year = ctx.clock.now().astimezone(tz).year
    report = SERVICE.of(ctx).current_year()
    working = {o.id: o.working_seconds for o in report.outages}
    translate = translator(request.app.state.lang(request))
    with read_scope(ctx.sessions) as db:
        found = [
            (o, cause, history)
            for o, cause, history in list_outages(
                db, date(year, 1, 1), date(year + 1, 1, 1), tz, system or None
            )
            if _matches(q, o.check_name, cause, o.note, translate)
        ]
    found.sort(key=lambda row: (row[0].start, row[0].id), reverse=True)
    page = paging.page_of(request, len(found), {"q": q, "system": system})
    rows = [
        _outage_row(o, cause, history, working)
        for o, cause, history in found[page.offset : page.offset + page.size]
    ]
    user = current_user(request)
    return render(
        request,
        "awarie.html",
        {
            "rows": rows,
            "page": page,
            "q": q,
            "system": system,
            "systems": names,
            "query_error": refused,
            "causes": CAUSE_LABELS,
            "can_edit": user is not None and user.role in EDITORS,
            "error": request.query_params.get("error"),
        },
        status_code=400 if refused else 200,
    )


def _matches(
    q: str, check: str, cause: str, note: str | None, translate: Callable[[str], str]
) -> bool:
    """Whether ``q`` is in the system's name, the cause (its words in Polish and in the
    page's language, or its key) or the note, ignoring case."""
    if not q:
        return True
    label = CAUSE_LABELS.get(cause, cause)
    words = (check, cause, label, translate(label), note or "")
    needle = q.casefold()
    return any(needle in w.casefold() for w in words)


def _outage_row(
    o: Outage, cause: str, history: list[OutageReclassification], working: dict[int, float]
) -> dict[str, Any]:
    return {
        "id": o.id,
        "check": o.check_name,
        "start": o.start,
        "end": o.end,
        "cause": cause,
        "original": o.cause,
        "note": o.note,
        "working_minutes": working.get(o.id, 0.0) / 60,
        "changes": len(history),
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
