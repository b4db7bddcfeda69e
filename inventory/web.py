"""Dashboard pages "Ewidencja sprzętu" and "Protokoły napraw", and the inventory's routes.

Only HTTP here: read the form, call the domain modules (``assets``, ``repairs``,
``stock``; people, clearance and stock pages are in ``web_people``), render. Auditors
read everything; IT officers and admins write. Every write is one transaction; bad
input re-renders the form with the reason and writes nothing. Templates receive plain
dataclasses or dicts, never ORM rows.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from inventory import assets, repairs, stock, updates, web_list, web_people, web_software
from inventory.config import ASSET_CATEGORIES, INVENTORY
from inventory.kpi import purchases_kpi, repairs_kpi
from inventory.ledger import AssetInput
from inventory.models import ASSET_STATUSES, PROTOCOL_KINDS
from inventory.web_common import (
    READ,
    WRITE,
    actor_of,
    can_write,
    ctx_of,
    form_id,
    opt_date,
    opt_decimal,
    opt_hours,
    run_db,
    run_read,
    tz_of,
)
from itops.config import Settings
from itops.context import AppContext
from itops.errors import ValidationError
from itops.web import forms
from itops.web.security import requires
from itops.web.templating import render


def _asset_input(form: Any, inventory_no: str | None = None) -> AssetInput:
    def get(name: str) -> str:
        return str(form.get(name, "")).strip()

    return AssetInput(
        inventory_no=inventory_no if inventory_no is not None else get("inventory_no"),
        category=get("category"),
        manufacturer=get("manufacturer"),
        model=get("model"),
        serial=get("serial") or None,
        hardware_uuid=get("hardware_uuid") or None,
        purchase_date=opt_date(get("purchase_date"), "purchase_date"),
        purchase_document=get("purchase_document"),
        supplier=get("supplier"),
        price=opt_decimal(get("price"), "price"),
        warranty_end=opt_date(get("warranty_end"), "warranty_end"),
        building=get("building"),
        room=get("room"),
        holder=get("holder"),
        unit_id=get("unit_id") or "office",
        status=get("status") or "in_use",
        retired_date=opt_date(get("retired_date"), "retired_date"),
        hostname=get("hostname") or None,
    )


def _form_context(request: Request, error: str | None = None, **extra: Any) -> dict[str, Any]:
    ctx = ctx_of(request)
    return {
        "categories": ASSET_CATEGORIES,
        "statuses": ASSET_STATUSES,
        "units": ctx.settings.unit_names(),
        "error": error,
        **extra,
    }


@requires(*WRITE)
async def asset_new_form(request: Request) -> Response:
    return render(request, "inventory_asset_new.html", _form_context(request, asset=None))


@requires(*WRITE)
async def asset_new(request: Request) -> Response:
    ctx = ctx_of(request)
    form = await request.form()
    try:
        data = _asset_input(form)
        asset_id = await run_db(
            ctx,
            lambda db: assets.create_asset(
                db, data, tz_of(ctx), ctx.clock.now(), actor_of(request)
            ),
        )
    except ValidationError as exc:
        return render(
            request,
            "inventory_asset_new.html",
            _form_context(request, str(exc), asset=dict(form)),
            400,
        )
    return RedirectResponse(f"/inventory/asset/{asset_id}", status_code=303)


def _asset_page(
    db: Session, asset_id: int, settings: Settings, now: datetime
) -> dict[str, Any] | None:
    page = assets.asset_page(db, asset_id)
    if page is None:
        return None
    return {
        "updates": updates.asset_state(db, settings, asset_id, now),
        "asset": page.asset,
        "form": asdict(page.asset),
        "events": page.events,
        "protocols": page.protocols,
        "loans": page.loans,
        "facts": page.facts,
    }


@requires(*READ)
async def asset_page(request: Request) -> Response:
    ctx = ctx_of(request)
    asset_id = int(request.path_params["asset_id"])
    now = ctx.clock.now()
    data = await run_read(ctx, lambda db: _asset_page(db, asset_id, ctx.settings, now))
    if data is None:
        return render(
            request, "error.html", {"message": "Nie ma takiego sprzętu.", "status": 404}, 404
        )
    return render(
        request,
        "inventory_asset.html",
        _form_context(request, **data, can_write=can_write(request)),
    )


@requires(*WRITE)
async def asset_action(request: Request) -> Response:
    """Edit, confirm a discovered asset, retire, lend, or take a loan back."""
    ctx = ctx_of(request)
    asset_id = int(request.path_params["asset_id"])
    action = request.path_params["action"]
    form = await request.form()
    actor, now, tz = actor_of(request), ctx.clock.now(), tz_of(ctx)

    def act(db: Session) -> None:
        if action == "edit":
            assets.edit_asset(db, asset_id, _asset_input(form), tz, now, actor)
        elif action == "confirm":
            assets.confirm_asset(
                db,
                asset_id,
                str(form.get("inventory_no", "")),
                opt_date(str(form.get("purchase_date", "")), "purchase_date"),
                tz,
                now,
                actor,
            )
        elif action == "lend":
            day = opt_date(str(form.get("lent_on", "")), "lent_on") or now.astimezone(tz).date()
            stock.lend(
                db,
                asset_id,
                str(form.get("borrower", "")),
                str(form.get("address", "")),
                str(form.get("agreement", "")),
                day,
                opt_date(str(form.get("expected_return", "")), "expected_return"),
                tz,
                now,
                actor,
            )
        elif action == "loan-return":
            loan_id = form_id(form, "loan_id")
            stock.return_loan(db, asset_id, loan_id, now.astimezone(tz).date(), tz, now, actor)
        else:
            raise ValidationError(f"unknown action {action}")

    try:
        await run_db(ctx, act)
    except ValidationError as exc:
        data = await run_read(ctx, lambda db: _asset_page(db, asset_id, ctx.settings, now))
        if data is None:
            return render(request, "error.html", {"message": str(exc), "status": 404}, 404)
        return render(
            request,
            "inventory_asset.html",
            _form_context(request, str(exc), **data, can_write=True),
            400,
        )
    return RedirectResponse(f"/inventory/asset/{asset_id}", status_code=303)


def _repairs_page(db: Session) -> dict[str, Any]:
    return {
        "protocols": repairs.recent_protocols(db),
        "candidates": repairs.repair_candidates(db),
        "stock": stock.stock_names(db),
    }


@requires(*READ)
async def repairs_page(request: Request) -> Response:
    ctx = ctx_of(request)
    data = await run_read(ctx, _repairs_page)
    return render(
        request,
        "inventory_repairs.html",
        {
            **data,
            "kinds": PROTOCOL_KINDS,
            "can_write": can_write(request),
            "form": dict(request.query_params),
            "error": None,
        },
    )


@requires(*WRITE)
async def repairs_action(request: Request) -> Response:
    ctx = ctx_of(request)
    form = await request.form()
    action = request.path_params["action"]
    actor, now, tz = actor_of(request), ctx.clock.now(), tz_of(ctx)

    def act(db: Session) -> None:
        if action == "dismiss":
            repairs.dismiss_candidate(
                db,
                form_id(form, "event_id"),
                forms.field(form, "reason", forms.Note, ""),
                now,
                actor,
            )
            return
        day = opt_date(str(form.get("date", "")), "date")
        if day is None:
            raise ValidationError("date is required")
        downtime = opt_hours(str(form.get("downtime_hours", "")), "downtime_hours")
        taken = []
        part = str(form.get("stock_item", "")).strip()
        if part:
            taken.append((part, forms.field(form, "stock_qty", forms.Count, 0)))
        candidate = forms.field(form, "candidate_event_id", forms.Id)
        repairs.add_protocol(
            db,
            repairs.ProtocolInput(
                number=str(form.get("number", "")).strip(),
                repaired_on=day,
                inventory_no=str(form.get("inventory_no", "")).strip(),
                kind=str(form.get("kind", "")),
                description=str(form.get("description", "")),
                parts=str(form.get("parts", "")),
                technician=str(form.get("technician", "")),
                cost=opt_decimal(str(form.get("cost", "")), "cost"),
                downtime_hours=downtime,
            ),
            tz,
            now,
            actor,
            taken,
            candidate,
        )

    try:
        await run_db(ctx, act)
    except ValidationError as exc:
        data = await run_read(ctx, _repairs_page)
        return render(
            request,
            "inventory_repairs.html",
            {
                **data,
                "kinds": PROTOCOL_KINDS,
                "can_write": True,
                "form": dict(form),
                "error": str(exc),
            },
            400,
        )
    return RedirectResponse("/inventory/repairs", status_code=303)


@requires(*READ)
async def kpi_page(request: Request) -> Response:
    ctx = ctx_of(request)
    this_year = ctx.clock.now().astimezone(tz_of(ctx)).year
    try:
        year = forms.query(request, "year", forms.Year, this_year)
    except forms.FormError as exc:
        return render(request, "error.html", {"message": str(exc), "status": 400}, 400)
    rep, pur = await run_read(
        ctx, lambda db: (repairs_kpi(db, ctx.settings, year), purchases_kpi(db, ctx.settings, year))
    )
    today = ctx.clock.now().astimezone(tz_of(ctx)).date()
    as_of = today if year >= today.year else None  # a year in progress says so
    return render(
        request, "inventory_kpi.html", {"year": year, "rep": rep, "pur": pur, "as_of": as_of}
    )


@requires(*READ)
async def updates_page(request: Request) -> Response:
    """Computers by update risk (end of support, security updates waiting, reboot, silent)."""
    ctx = ctx_of(request)
    now = ctx.clock.now()
    states = await run_read(ctx, lambda db: updates.fleet(db, ctx.settings, now))
    return render(
        request,
        "inventory_updates.html",
        {
            "states": states,
            "counts": updates.risk_counts(states),
            "max_days": ctx.settings.section(INVENTORY).security_update_max_days,
        },
    )


def routes(ctx: AppContext) -> list[BaseRoute]:
    return [
        Route("/inventory", web_list.asset_list),
        Route("/inventory/import", web_list.asset_import, methods=["POST"]),
        Route("/inventory/new", asset_new_form, methods=["GET"]),
        Route("/inventory/new", asset_new, methods=["POST"]),
        Route("/inventory/asset/{asset_id:id}", asset_page),
        Route("/inventory/asset/{asset_id:id}/{action}", asset_action, methods=["POST"]),
        Route("/inventory/repairs", repairs_page),
        Route("/inventory/repairs/{action}", repairs_action, methods=["POST"]),
        Route("/inventory/kpi", kpi_page),
        Route("/inventory/updates", updates_page),
        Route("/inventory/software", web_software.software_page),
        Route("/inventory/licences", web_software.licence_add, methods=["POST"]),
        Route("/inventory/employees", web_people.employees_page),
        Route("/inventory/employees/{action}", web_people.employees_action, methods=["POST"]),
        Route("/inventory/employees/{employee_id:id}", web_people.employee_page),
        Route(
            "/inventory/employees/{employee_id:id}/{action}",
            web_people.employee_action,
            methods=["POST"],
        ),
        Route("/inventory/clearance/{clearance_id:id}/{doc}", web_people.clearance_document),
        Route("/inventory/stock", web_people.stock_page),
        Route("/inventory/loans", web_people.stock_page),
        Route("/inventory/stock", web_people.stock_action, methods=["POST"]),
        Route("/inventory/stock/fit", web_people.stock_fit_action, methods=["POST"]),
    ]
