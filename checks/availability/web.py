"""The "Systemy" pages: status board and the outage list with the reclassify form."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING
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
from itops.web import forms
from itops.web.security import current_user, requires, submitted_form
from itops.web.templating import render

if TYPE_CHECKING:
    pass

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
    ctx: AppContext = request.app.state.ctx
    from checks.availability.entry import list_outages

    tz = ZoneInfo(ctx.settings.office.timezone)
    year = ctx.clock.now().astimezone(tz).year
    report = SERVICE.of(ctx).current_year()
    working = {o.id: o.working_seconds for o in report.outages}
    with read_scope(ctx.sessions) as db:
        rows = [
            {
                "id": o.id,
                "check": o.check_name,
                "start": o.start,
                "end": o.end,
                "cause": cause,
                "original": o.cause,
                "note": o.note,
                "working_minutes": working.get(o.id, 0.0) / 60,
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
            for o, cause, history in list_outages(db, date(year, 1, 1), date(year + 1, 1, 1), tz)
        ]
    user = current_user(request)
    return render(
        request,
        "awarie.html",
        {
            "rows": rows,
            "causes": CAUSE_LABELS,
            "can_edit": user is not None and user.role in EDITORS,
            "error": request.query_params.get("error"),
        },
    )


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
