"""Dashboard pages "Pracownicy i karta obiegowa" and "Magazyn" (stock and loans).

Only HTTP here: the work is in ``people``, ``clearance`` and ``stock``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from inventory import clearance, people, stock, toner
from inventory.config import INVENTORY
from inventory.register.public import EMPLOYEE_MONITORING, NOTICE_ROLES, NoticeInput
from inventory.web_common import (
    READ,
    WRITE,
    actor_of,
    can_write,
    ctx_of,
    form_id,
    opt_date,
    run_db,
    run_read,
    tz_of,
)
from itops.errors import PermissionDenied, ValidationError
from itops.web import forms
from itops.web.security import current_user, requires
from itops.web.templating import render


def _employees_page(db: Session, today: date) -> dict[str, Any]:
    from inventory.public import training_counts

    return {
        "employees": people.employee_rows(db),
        "trainings": people.recent_trainings(db),
        "training_counts": training_counts(db, today.year),
    }


@requires(*READ)
async def employees_page(request: Request) -> Response:
    ctx = ctx_of(request)
    today = ctx.clock.now().astimezone(tz_of(ctx)).date()
    data = await run_read(ctx, lambda db: _employees_page(db, today))
    return render(
        request,
        "inventory_employees.html",
        {
            **data,
            **_notice_form(request),
            "units": ctx.settings.unit_names(),
            "can_write": can_write(request),
            "error": None,
        },
    )


def _notice_form(request: Request) -> dict[str, Any]:
    """The notice date of the add form: a §82 register entry, so only for the roles the
    register lets record one (an IT officer records it on the register's page instead)."""
    user = current_user(request)
    return {
        "can_record_notice": bool(user and user.role in NOTICE_ROLES),
        "policy_version": ctx_of(request).settings.section(EMPLOYEE_MONITORING).policy_version,
    }


@requires(*WRITE)
async def employees_action(request: Request) -> Response:
    ctx = ctx_of(request)
    form = await request.form()
    action = request.path_params["action"]

    def get(name: str) -> str:
        return str(form.get(name, "")).strip()

    def act(db: Session) -> None:
        if action == "add":
            unit = get("unit_id") or "office"
            if unit not in ctx.settings.unit_names():
                raise ValidationError(f'unknown unit "{unit}"')
            received = opt_date(get("notice_on"), "notice_on")
            notice = (
                None
                if received is None
                else NoticeInput(
                    received, actor_of(request), ctx.clock.now(), get("policy_version")
                )
            )
            people.add_employee(
                db,
                get("code"),
                get("full_name"),
                unit,
                get("position"),
                opt_date(get("hired_on"), "hired_on"),
                opt_date(get("left_on"), "left_on"),
                notice=notice,
                settings=ctx.settings,
            )
        elif action == "training":
            day = opt_date(get("date"), "date")
            if day is None:
                raise ValidationError("date is required")
            people.add_training(
                db,
                day,
                get("topic"),
                get("trainer"),
                get("kind") or "group",
                get("participants").replace(";", ",").split(","),
            )
        else:
            raise ValidationError(f"unknown action {action}")

    try:
        await run_db(ctx, act)
    except (ValidationError, PermissionDenied) as exc:
        today = ctx.clock.now().astimezone(tz_of(ctx)).date()
        data = await run_read(ctx, lambda db: _employees_page(db, today))
        return render(
            request,
            "inventory_employees.html",
            {
                **data,
                **_notice_form(request),
                "units": ctx.settings.unit_names(),
                "can_write": True,
                "error": exc.summary(),
            },
            403 if isinstance(exc, PermissionDenied) else 400,
        )
    return RedirectResponse("/inventory/employees", status_code=303)


def _employee_page(db: Session, employee_id: int) -> dict[str, Any]:
    st = clearance.status(db, employee_id)
    return {"st": st, "signed": clearance.signed_clearances(db, employee_id)}


@requires(*READ)
async def employee_page(request: Request) -> Response:
    ctx = ctx_of(request)
    employee_id = int(request.path_params["employee_id"])
    try:
        data = await run_read(ctx, lambda db: _employee_page(db, employee_id))
    except ValidationError as exc:
        return render(request, "error.html", {"message": str(exc), "status": 404}, 404)
    return render(
        request, "inventory_employee.html", {**data, "can_write": can_write(request), "error": None}
    )


@requires(*WRITE)
async def employee_action(request: Request) -> Response:
    ctx = ctx_of(request)
    employee_id = int(request.path_params["employee_id"])
    action = request.path_params["action"]
    form = await request.form()
    actor, now = actor_of(request), ctx.clock.now()
    today = now.astimezone(tz_of(ctx)).date()

    def act(db: Session) -> None:
        if action == "return":
            clearance.mark_returned(db, employee_id, form_id(form, "asset_id"), now, actor)
        elif action == "revoke":
            clearance.revoke_permission(db, employee_id, form_id(form, "permission_id"), today)
        elif action == "grant":
            clearance.grant_permission(
                db,
                employee_id,
                str(form.get("system", "")),
                opt_date(str(form.get("granted_on", "")), "granted_on") or today,
            )
        elif action == "sign":
            clearance.sign_off(db, employee_id, ctx.settings, now, actor)
        else:
            raise ValidationError(f"unknown action {action}")

    try:
        await run_db(ctx, act)
    except ValidationError as exc:
        try:
            data = await run_read(ctx, lambda db: _employee_page(db, employee_id))
        except ValidationError as missing:  # no such employee: nothing to show the form on
            return render(request, "error.html", {"message": str(missing), "status": 404}, 404)
        return render(
            request, "inventory_employee.html", {**data, "can_write": True, "error": str(exc)}, 400
        )
    return RedirectResponse(f"/inventory/employees/{employee_id}", status_code=303)


@requires(*READ)
async def clearance_document(request: Request) -> Response:
    ctx = ctx_of(request)
    cid = int(request.path_params["clearance_id"])
    doc = request.path_params["doc"]
    row = await run_read(ctx, lambda db: clearance.signed_clearance(db, cid))
    if row is None or doc not in ("card", "protocol", "card.pdf", "protocol.pdf"):
        return render(
            request, "error.html", {"message": "Nie ma takiego dokumentu.", "status": 404}, 404
        )
    html = row.card_html if doc.startswith("card") else row.protocol_html
    if doc.endswith(".pdf"):
        pdf = await run_in_threadpool(clearance.render_pdf, html)
        return Response(pdf, media_type="application/pdf")
    return HTMLResponse(html)


def _stock_loans(db: Session, today: date, order_percent: float) -> dict[str, Any]:
    return {
        "stock": stock.stock_items(db),
        "loans": stock.open_loans(db, today),
        "shortages": toner.shortages(db, order_percent),
        "supplies": toner.supply_rows(db, order_percent),
        "fits": toner.fits(db),
        "movements": toner.movements(db),
        "order_percent": order_percent,
    }


def _order_percent(request: Request) -> float:
    return ctx_of(request).settings.section(INVENTORY).toner_order_percent


@requires(*READ)
async def stock_page(request: Request) -> Response:
    ctx = ctx_of(request)
    today = ctx.clock.now().astimezone(tz_of(ctx)).date()
    order = _order_percent(request)
    data = await run_read(ctx, lambda db: _stock_loans(db, today, order))
    return render(
        request, "inventory_stock.html", {**data, "can_write": can_write(request), "error": None}
    )


@requires(*WRITE)
async def stock_action(request: Request) -> Response:
    ctx = ctx_of(request)
    form = await request.form()

    def num(name: str) -> int:
        value = forms.field(form, name, forms.Count)
        if value is None:
            raise forms.FormError(name, "podaj liczbę całkowitą")
        return cast(int, value)

    now, actor = ctx.clock.now(), actor_of(request)
    try:
        await run_db(
            ctx,
            lambda db: stock.set_stock(
                db,
                str(form.get("name", "")),
                str(form.get("kind", "")),
                num("quantity"),
                num("min_level"),
                now,
                actor,
            ),
        )
    except ValidationError as exc:
        return await _stock_error(request, str(exc))
    return RedirectResponse("/inventory/stock", status_code=303)


async def _stock_error(request: Request, error: str) -> Response:
    ctx = ctx_of(request)
    today = ctx.clock.now().astimezone(tz_of(ctx)).date()
    order = _order_percent(request)
    data = await run_read(ctx, lambda db: _stock_loans(db, today, order))
    return render(request, "inventory_stock.html", {**data, "can_write": True, "error": error}, 400)


@requires(*WRITE)
async def stock_fit_action(request: Request) -> Response:
    """Say which printers a stock item fits (model and/or a fragment of the supply name)."""
    ctx = ctx_of(request)
    form = await request.form()
    try:
        await run_db(
            ctx,
            lambda db: toner.add_fit(
                db,
                str(form.get("item", "")),
                str(form.get("printer_model", "")),
                str(form.get("supply_match", "")),
            ),
        )
    except ValidationError as exc:
        return await _stock_error(request, str(exc))
    return RedirectResponse("/inventory/stock", status_code=303)
