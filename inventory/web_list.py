"""The "Ewidencja sprzętu" list (``/inventory``) and its CSV import.

Why paged: the list of a whole office was 18,600 px (issue 13). It shows 50 assets a
page, newest purchase first, searchable by inventory number, name (maker, model),
holder, location, serial and host, filtered by category, state and unit; the page links
keep the filters. ``q`` goes through the typed form layer (a NUL once reached
PostgreSQL's LIKE and gave a 500, issue 14.4).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from inventory import assets, stock
from inventory.config import ASSET_CATEGORIES
from inventory.models import ASSET_STATUSES
from inventory.web_common import READ, WRITE, actor_of, can_write, ctx_of, run_db, run_read, tz_of
from itops.messages import Summary
from itops.web import forms, paging
from itops.web.security import requires
from itops.web.templating import render

# A 10,000-row inventory is about 2 MB; anything far larger is not an inventory file.
# The core's body-size middleware enforces it (inventory.plugin's body_limits).
IMPORT_MAX_BYTES = 8 * 1024 * 1024
_ROW_RE = re.compile(r"^row (\d+)(?: \(([^)]*)\))?: (.*)$", re.DOTALL)
DISCOVERED_SHOWN = 200  # agent-found hosts waiting for confirmation: a short list


@requires(*READ)
async def asset_list(request: Request) -> Response:
    imported = request.query_params.get("imported", "")
    updated = request.query_params.get("updated", "")
    done = (int(imported), int(updated or 0)) if imported.isdigit() and updated.isdigit() else None
    context = await _list_context(request)
    status = 400 if context["query_error"] else 200
    return render(request, "inventory_list.html", {**context, "imported": done}, status)


async def _list_context(request: Request) -> dict[str, Any]:
    ctx = ctx_of(request)
    refused: Summary | None = None
    try:
        q = str(forms.query(request, "q", forms.Line, "")).strip()
    except forms.FormError as exc:
        q, refused = "", exc.summary()
    category = request.query_params.get("category", "")
    status = request.query_params.get("status", "")
    unit = request.query_params.get("unit", "")
    if unit not in ctx.settings.unit_names():
        unit = ""
    unsupported = request.query_params.get("unsupported") == "1"
    keep = {"q": q, "category": category, "status": status, "unit": unit}
    keep["unsupported"] = "1" if unsupported else ""
    wanted = paging.requested(request)

    def load(db: Session) -> dict[str, Any]:
        from inventory.public import os_support_status

        today = ctx.clock.now().astimezone(tz_of(ctx)).date()
        eos = os_support_status(db, ctx.settings, today)
        bad: set[str] | None = None
        if unsupported:
            bad = {s.hostname for s in eos if s.supported is False and s.hostname}
        filters = (q, category, status, unit or None, bad)
        size = paging.PAGE_SIZE
        found = assets.page_assets(db, *filters, offset=(wanted - 1) * size, limit=size)
        if found.total and not found.rows:  # past the last page: show the last one
            last = -(-found.total // size)
            found = assets.page_assets(db, *filters, offset=(last - 1) * size, limit=size)
        return {
            "found": found,
            "discovered": assets.page_assets(
                db, *filters, limit=DISCOVERED_SHOWN, confirmed=False
            ).rows,
            "unsupported": [s for s in eos if s.supported is False],
            "low_stock": stock.low_stock(db),
            "overdue": stock.overdue_loans(db, today),
        }

    data = await run_read(ctx, load)
    found = data.pop("found")
    return {
        **data,
        "assets": found.rows,
        "page": paging.page_of(request, found.total, keep),
        "q": q,
        "query_error": refused,
        "category": category,
        "status": status,
        "unit": unit,
        "units": ctx.settings.unit_names(),
        "categories": ASSET_CATEGORIES,
        "statuses": ASSET_STATUSES,
        "can_write": can_write(request),
        "import_problems": None,
        "imported": None,
        "import_max_mib": IMPORT_MAX_BYTES // (1024 * 1024),
    }


def import_problem_rows(problems: list[str]) -> list[dict[str, str]]:
    """Split the importer's "row N (INV): reason" lines so the page can name each row."""
    rows = []
    for line in problems:
        match = _ROW_RE.match(line)
        if match:
            rows.append(
                {"row": match.group(1), "number": match.group(2) or "", "reason": match.group(3)}
            )
        else:
            rows.append({"row": "", "number": "", "reason": line})
    return rows


@requires(*WRITE)
async def asset_import(request: Request) -> Response:
    """The CLI's ``inventory import`` from the dashboard: the whole file or nothing."""
    from inventory.importers import CsvRejected, import_inventory

    ctx = ctx_of(request)
    form = await request.form()
    upload = form.get("file")
    update = form.get("update") == "1"
    try:
        raw = await upload.read() if isinstance(upload, UploadFile) else b""
    finally:
        await form.close()  # the upload is spooled to a temporary file
    problems: list[str]
    if not raw:
        problems = ["Wybierz plik CSV."]
    else:
        try:
            result = await run_db(
                ctx,
                lambda db: import_inventory(
                    db, raw, tz_of(ctx), ctx.clock.now(), actor_of(request), update=update
                ),
            )
        except CsvRejected as exc:
            problems = exc.problems
        else:
            return RedirectResponse(
                f"/inventory?imported={result.created}&updated={result.updated}", status_code=303
            )
    context = await _list_context(request)
    context["import_problems"] = import_problem_rows(problems)
    return render(request, "inventory_list.html", context, 400)
