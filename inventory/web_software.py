"""Dashboard page "Oprogramowanie i licencje": software search and the licences ledger.

Only HTTP here: the work is in ``inventory.software``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from inventory import software
from inventory.web_common import READ, WRITE, can_write, ctx_of, opt_date, run_db, run_read, tz_of
from itops.errors import ValidationError
from itops.messages import Summary
from itops.web.forms import FormError, Line, query
from itops.web.security import requires
from itops.web.templating import render


def _page(db: Session, name: str, version: str, today: date) -> dict[str, Any]:
    found: list[software.Installation] = []
    error: Summary | None = None
    if name.strip():
        try:
            found = software.search(db, name, version)
        except ValidationError as exc:
            error = exc.summary()
    return {
        "q": name,
        "version": version,
        "found": found,
        "hosts": len({f.host for f in found}),
        "limit": software.MAX_RESULTS,
        "licences": software.licence_rows(db, today),
        "warning_days": software.EXPIRY_WARNING_DAYS,
        "error": error,
    }


@requires(*READ)
async def software_page(request: Request) -> Response:
    ctx = ctx_of(request)
    refused: Summary | None = None
    try:  # typed: a NUL reached PostgreSQL's LIKE and gave a 500 (issue 14.4)
        name = query(request, "q", Line, "")
        version = query(request, "version", Line, "")
    except FormError as exc:
        name, version, refused = "", "", exc.summary()
    today = ctx.clock.now().astimezone(tz_of(ctx)).date()
    data = await run_read(ctx, lambda db: _page(db, name, version, today))
    data["error"] = refused or data["error"]
    status = 400 if data["error"] else 200
    return render(
        request, "inventory_software.html", {**data, "can_write": can_write(request)}, status
    )


@requires(*WRITE)
async def licence_add(request: Request) -> Response:
    ctx = ctx_of(request)
    form = await request.form()
    try:
        seats_text = str(form.get("seats", "")).strip()
        if not seats_text.isdigit():
            raise ValidationError.of(Summary("software.seats_whole"))
        expires = opt_date(str(form.get("expires_on", "")), "expires_on")
        await run_db(
            ctx,
            lambda db: software.add_licence(
                db,
                str(form.get("product", "")),
                str(form.get("match", "")),
                int(seats_text),
                str(form.get("document", "")),
                expires,
                str(form.get("note", "")),
            ),
        )
    except ValidationError as exc:
        today = ctx.clock.now().astimezone(tz_of(ctx)).date()
        data = await run_read(ctx, lambda db: _page(db, "", "", today))
        return render(
            request,
            "inventory_software.html",
            {**data, "can_write": True, "error": exc.summary()},
            400,
        )
    return RedirectResponse("/inventory/software#licences", status_code=303)
