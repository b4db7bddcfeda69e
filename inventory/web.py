"""Dashboard pages: "Ewidencja sprzętu", "Protokoły napraw", "Pracownicy i karta obiegowa".

Auditors read everything; IT officers and admins write. Every write is one
transaction through ``ledger``/``clearance``; bad input re-renders the form with the
reason and writes nothing. Templates receive plain dataclasses or dicts, never ORM rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from inventory import clearance, ledger
from inventory.config import ASSET_CATEGORIES
from inventory.kpi import purchases_kpi, repairs_kpi
from inventory.location import join_location
from inventory.models import (
    ASSET_STATUSES,
    PROTOCOL_KINDS,
    Asset,
    AssetEvent,
    Clearance,
    Consumable,
    EmployeeProfile,
    Loan,
    RepairProtocol,
    Training,
    TrainingParticipant,
)
from itops.auth import ADMIN, AUDITOR, IT_OFFICER
from itops.context import AppContext
from itops.db.models import Employee
from itops.db.session import read_scope, session_scope
from itops.errors import ValidationError
from itops.web.security import current_user, requires
from itops.web.templating import render

READ = (ADMIN, IT_OFFICER, AUDITOR)
WRITE = (ADMIN, IT_OFFICER)


def _ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def _tz(ctx: AppContext) -> ZoneInfo:
    return ZoneInfo(ctx.settings.office.timezone)


def _actor(request: Request) -> str:
    user = current_user(request)
    return user.login if user else ""


def _can_write(request: Request) -> bool:
    user = current_user(request)
    return bool(user and user.role in WRITE)


async def _db(ctx: AppContext, fn: Callable[[Session], Any]) -> Any:
    """A write transaction in a worker thread."""
    def run() -> Any:
        with session_scope(ctx.sessions) as db:
            return fn(db)

    return await run_in_threadpool(run)


async def _read(ctx: AppContext, fn: Callable[[Session], Any]) -> Any:
    """A read transaction (never waits for the write lock) in a worker thread."""
    def run() -> Any:
        with read_scope(ctx.sessions) as db:
            return fn(db)

    return await run_in_threadpool(run)


def _opt_date(value: str, name: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f'{name}: "{value}" is not a date (YYYY-MM-DD)') from None


def _opt_decimal(value: str, name: str) -> Decimal | None:
    value = value.strip().replace(",", ".")
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValidationError(f'{name}: "{value}" is not a number') from None


@dataclass(frozen=True)
class AssetRow:
    id: int
    inventory_no: str | None
    category: str
    manufacturer: str
    model: str
    serial: str | None
    hardware_uuid: str | None
    purchase_date: date | None
    purchase_document: str
    supplier: str
    price: Decimal | None
    warranty_end: date | None
    building: str
    room: str
    holder: str
    unit_id: str
    status: str
    retired_date: date | None
    hostname: str | None
    confirmed: bool
    last_seen: datetime | None
    os: str

    @property
    def location(self) -> str:
        return join_location(self.building, self.room)


def _row(a: Asset, holders: dict[int, str]) -> AssetRow:
    facts = json.loads(a.facts or "{}")
    os_name = ((facts.get("report") or {}).get("os") or {}).get("pretty", "")
    holder = holders.get(a.holder_id, "") if a.holder_id else a.holder_text
    return AssetRow(
        a.id, a.inventory_no, a.category, a.manufacturer, a.model, a.serial, a.hardware_uuid,
        a.purchase_date, a.purchase_document, a.supplier, a.price, a.warranty_end, a.building,
        a.room, holder, a.unit_id, a.status, a.retired_date, a.hostname, a.confirmed,
        a.last_seen, os_name,
    )


def _holders(db: Session) -> dict[int, str]:
    return {e.id: f"{e.full_name} ({e.code})" for e in db.scalars(select(Employee))}


@requires(*READ)
async def asset_list(request: Request) -> Response:
    imported = request.query_params.get("imported", "")
    updated = request.query_params.get("updated", "")
    done = (int(imported), int(updated or 0)) if imported.isdigit() and updated.isdigit() else None
    return render(request, "inventory_list.html", {
        **await _list_context(request), "imported": done})


async def _list_context(request: Request) -> dict[str, Any]:
    ctx = _ctx(request)
    q = request.query_params.get("q", "").strip()
    category = request.query_params.get("category", "")
    status = request.query_params.get("status", "")
    unit = request.query_params.get("unit", "")
    unsupported = request.query_params.get("unsupported") == "1"

    def load(db: Session) -> dict[str, Any]:
        from inventory.public import os_support_status

        stmt = select(Asset).order_by(Asset.inventory_no)
        if q:
            like = f"%{q}%"
            stmt = stmt.where(or_(Asset.inventory_no.ilike(like), Asset.serial.ilike(like),
                                  Asset.model.ilike(like), Asset.manufacturer.ilike(like),
                                  Asset.hostname.ilike(like), Asset.building.ilike(like),
                                  Asset.room.ilike(like),
                                  Asset.holder_text.ilike(like)))
        if category in ASSET_CATEGORIES:
            stmt = stmt.where(Asset.category == category)
        if status in ASSET_STATUSES:
            stmt = stmt.where(Asset.status == status)
        if unit in ctx.settings.unit_names():
            stmt = stmt.where(Asset.unit_id == unit)
        holders = _holders(db)
        rows = [_row(a, holders) for a in db.scalars(stmt.limit(2000))]
        today = ctx.clock.now().astimezone(_tz(ctx)).date()
        eos = os_support_status(db, ctx.settings, today)
        if unsupported:
            bad = {s.hostname for s in eos if s.supported is False}
            rows = [r for r in rows if r.hostname in bad]
        return {
            "assets": [r for r in rows if r.confirmed],
            "discovered": [r for r in rows if not r.confirmed],
            "unsupported": [s for s in eos if s.supported is False],
            "low_stock": ledger.low_stock(db),
            "overdue": ledger.overdue_loans(db, today),
        }

    data = await _read(ctx, load)
    return {
        **data, "q": q, "category": category, "status": status, "unit": unit,
        "units": ctx.settings.unit_names(),
        "categories": ASSET_CATEGORIES, "statuses": ASSET_STATUSES,
        "can_write": _can_write(request), "import_problems": None, "imported": None,
        "import_max_mib": IMPORT_MAX_BYTES // (1024 * 1024),
    }


# A 10,000-row inventory is about 2 MB; anything far larger is not an inventory file.
# The core's body-size middleware enforces it (inventory.plugin's body_limits).
IMPORT_MAX_BYTES = 8 * 1024 * 1024
_ROW_RE = re.compile(r"^row (\d+)(?: \(([^)]*)\))?: (.*)$", re.DOTALL)


def import_problem_rows(problems: list[str]) -> list[dict[str, str]]:
    """Split the importer's "row N (INV): reason" lines so the page can name each row."""
    rows = []
    for line in problems:
        match = _ROW_RE.match(line)
        if match:
            rows.append({"row": match.group(1), "number": match.group(2) or "",
                         "reason": match.group(3)})
        else:
            rows.append({"row": "", "number": "", "reason": line})
    return rows


@requires(*WRITE)
async def asset_import(request: Request) -> Response:
    """The CLI's ``inventory import`` from the dashboard: the whole file or nothing."""
    from inventory.importers import CsvRejected, import_inventory

    ctx = _ctx(request)
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
            result = await _db(ctx, lambda db: import_inventory(
                db, raw, _tz(ctx), ctx.clock.now(), _actor(request), update=update))
        except CsvRejected as exc:
            problems = exc.problems
        else:
            return RedirectResponse(
                f"/inventory?imported={result.created}&updated={result.updated}",
                status_code=303)
    context = await _list_context(request)
    context["import_problems"] = import_problem_rows(problems)
    return render(request, "inventory_list.html", context, 400)


def _asset_input(form: Any, inventory_no: str | None = None) -> ledger.AssetInput:
    def get(name: str) -> str:
        return str(form.get(name, "")).strip()

    return ledger.AssetInput(
        inventory_no=inventory_no if inventory_no is not None else get("inventory_no"),
        category=get("category"), manufacturer=get("manufacturer"), model=get("model"),
        serial=get("serial") or None, hardware_uuid=get("hardware_uuid") or None,
        purchase_date=_opt_date(get("purchase_date"), "purchase_date"),
        purchase_document=get("purchase_document"), supplier=get("supplier"),
        price=_opt_decimal(get("price"), "price"),
        warranty_end=_opt_date(get("warranty_end"), "warranty_end"),
        building=get("building"), room=get("room"), holder=get("holder"),
        unit_id=get("unit_id") or "office",
        status=get("status") or "in_use",
        retired_date=_opt_date(get("retired_date"), "retired_date"),
        hostname=get("hostname") or None,
    )


def _form_context(request: Request, error: str | None = None, **extra: Any) -> dict[str, Any]:
    ctx = _ctx(request)
    return {"categories": ASSET_CATEGORIES, "statuses": ASSET_STATUSES,
            "units": ctx.settings.unit_names(), "error": error, **extra}


@requires(*WRITE)
async def asset_new_form(request: Request) -> Response:
    return render(request, "inventory_asset_new.html", _form_context(request, asset=None))


@requires(*WRITE)
async def asset_new(request: Request) -> Response:
    ctx = _ctx(request)
    form = await request.form()
    try:
        data = _asset_input(form)
        asset_id = await _db(ctx, lambda db: ledger.create_asset(
            db, data, _tz(ctx), ctx.clock.now(), _actor(request)).id)
    except ValidationError as exc:
        return render(request, "inventory_asset_new.html",
                      _form_context(request, str(exc), asset=dict(form)), 400)
    return RedirectResponse(f"/inventory/asset/{asset_id}", status_code=303)


def _asset_page(db: Session, ctx: AppContext, asset_id: int) -> dict[str, Any] | None:
    a = db.get(Asset, asset_id)
    if a is None:
        return None
    events = [
        {"id": e.id, "kind": e.kind, "at": e.at, "actor": e.actor,
         "detail": json.loads(e.detail), "document_sha256": e.document_sha256}
        for e in db.scalars(select(AssetEvent).where(AssetEvent.asset_id == a.id)
                            .order_by(AssetEvent.at, AssetEvent.id))
    ]
    protocols = [
        {"number": p.number, "date": p.repaired_on, "kind": p.kind, "description": p.description}
        for p in db.scalars(select(RepairProtocol).where(RepairProtocol.asset_id == a.id)
                            .order_by(RepairProtocol.repaired_on))
    ]
    loans = [
        {"id": lo.id, "borrower": lo.borrower_name, "agreement": lo.agreement_no,
         "lent_on": lo.lent_on, "expected_return": lo.expected_return,
         "returned_on": lo.returned_on}
        for lo in db.scalars(select(Loan).where(Loan.asset_id == a.id).order_by(Loan.lent_on))
    ]
    row = _row(a, _holders(db))
    facts = json.loads(a.facts or "{}").get("report")
    return {"asset": row, "form": asdict(row), "events": events, "protocols": protocols,
            "loans": loans, "facts": facts}


@requires(*READ)
async def asset_page(request: Request) -> Response:
    ctx = _ctx(request)
    asset_id = int(request.path_params["asset_id"])
    data = await _read(ctx, lambda db: _asset_page(db, ctx, asset_id))
    if data is None:
        return render(request, "error.html", {"message": "Nie ma takiego sprzętu.",
                                              "status": 404}, 404)
    return render(request, "inventory_asset.html", _form_context(
        request, **data, can_write=_can_write(request)))


@requires(*WRITE)
async def asset_action(request: Request) -> Response:
    """Edit, confirm a discovered asset, retire, lend, or take a loan back."""
    ctx = _ctx(request)
    asset_id = int(request.path_params["asset_id"])
    action = request.path_params["action"]
    form = await request.form()
    actor, now, tz = _actor(request), ctx.clock.now(), _tz(ctx)

    def act(db: Session) -> None:
        a = db.get(Asset, asset_id)
        if a is None:
            raise ValidationError(f"no asset #{asset_id}")
        if action == "edit":
            ledger.update_asset(db, a, _asset_input(form, a.inventory_no), tz, now, actor)
        elif action == "confirm":
            number = str(form.get("inventory_no", "")).strip()
            if not number:
                raise ValidationError("give the inventory number")
            if db.scalar(select(Asset.id).where(Asset.inventory_no == number)):
                raise ValidationError(f'inventory number "{number}" already exists')
            a.inventory_no, a.confirmed = number, True
            ledger.record(db, a, "confirmed", now, now, actor, {"inventory_no": number})
            bought = _opt_date(str(form.get("purchase_date", "")), "purchase_date")
            if bought:
                a.purchase_date = bought
                ledger.record(db, a, "purchased", ledger.local_midnight(bought, tz), now, actor)
        elif action == "lend":
            day = _opt_date(str(form.get("lent_on", "")), "lent_on") or now.astimezone(tz).date()
            ledger.lend(db, a, str(form.get("borrower", "")), str(form.get("address", "")),
                        str(form.get("agreement", "")), day,
                        _opt_date(str(form.get("expected_return", "")), "expected_return"),
                        tz, now, actor)
        elif action == "loan-return":
            loan = db.get(Loan, int(str(form.get("loan_id", "0")) or 0))
            if loan is None or loan.asset_id != a.id:
                raise ValidationError("no such loan")
            ledger.return_loan(db, loan, now.astimezone(tz).date(), tz, now, actor)
        else:
            raise ValidationError(f"unknown action {action}")

    try:
        await _db(ctx, act)
    except ValidationError as exc:
        data = await _read(ctx, lambda db: _asset_page(db, ctx, asset_id))
        if data is None:
            return render(request, "error.html", {"message": str(exc), "status": 404}, 404)
        return render(request, "inventory_asset.html", _form_context(
            request, str(exc), **data, can_write=True), 400)
    return RedirectResponse(f"/inventory/asset/{asset_id}", status_code=303)


def _repairs_page(db: Session) -> dict[str, Any]:
    rows = db.execute(
        select(RepairProtocol, Asset.inventory_no)
        .join(Asset, Asset.id == RepairProtocol.asset_id)
        .order_by(RepairProtocol.repaired_on.desc(), RepairProtocol.number)
        .limit(1000)
    ).all()
    return {
        "protocols": [
            {"number": p.number, "date": p.repaired_on, "inventory_no": no, "kind": p.kind,
             "description": p.description, "technician": p.technician, "cost": p.cost,
             "downtime": p.downtime_hours, "asset_id": p.asset_id}
            for p, no in rows
        ],
        "candidates": ledger.repair_candidates(db),
        "stock": [c.name for c in db.scalars(select(Consumable).order_by(Consumable.name))],
    }


@requires(*READ)
async def repairs_page(request: Request) -> Response:
    ctx = _ctx(request)
    data = await _read(ctx, _repairs_page)
    return render(request, "inventory_repairs.html", {
        **data, "kinds": PROTOCOL_KINDS, "can_write": _can_write(request),
        "form": dict(request.query_params), "error": None})


@requires(*WRITE)
async def repairs_action(request: Request) -> Response:
    ctx = _ctx(request)
    form = await request.form()
    action = request.path_params["action"]
    actor, now, tz = _actor(request), ctx.clock.now(), _tz(ctx)

    def act(db: Session) -> None:
        if action == "dismiss":
            ledger.dismiss_candidate(db, int(str(form.get("event_id", "0"))),
                                     str(form.get("reason", "")), now, actor)
            return
        day = _opt_date(str(form.get("date", "")), "date")
        if day is None:
            raise ValidationError("date is required")
        downtime = _opt_decimal(str(form.get("downtime_hours", "")), "downtime_hours")
        stock = []
        part, qty = str(form.get("stock_item", "")).strip(), str(form.get("stock_qty", ""))
        if part:
            stock.append((part, int(qty) if qty.isdigit() else 0))
        candidate = str(form.get("candidate_event_id", ""))
        ledger.add_protocol(
            db,
            ledger.ProtocolInput(
                number=str(form.get("number", "")).strip(), repaired_on=day,
                inventory_no=str(form.get("inventory_no", "")).strip(),
                kind=str(form.get("kind", "")), description=str(form.get("description", "")),
                parts=str(form.get("parts", "")), technician=str(form.get("technician", "")),
                cost=_opt_decimal(str(form.get("cost", "")), "cost"),
                downtime_hours=float(downtime) if downtime is not None else None,
            ),
            tz, now, actor, stock, int(candidate) if candidate.isdigit() else None,
        )

    try:
        await _db(ctx, act)
    except ValidationError as exc:
        data = await _read(ctx, _repairs_page)
        return render(request, "inventory_repairs.html", {
            **data, "kinds": PROTOCOL_KINDS, "can_write": True, "form": dict(form),
            "error": str(exc)}, 400)
    return RedirectResponse("/inventory/repairs", status_code=303)


@requires(*READ)
async def kpi_page(request: Request) -> Response:
    ctx = _ctx(request)
    this_year = ctx.clock.now().astimezone(_tz(ctx)).year
    year_text = request.query_params.get("year", str(this_year))
    year = int(year_text) if year_text.isdigit() and 1990 < int(year_text) < 2200 else this_year
    rep, pur = await _read(ctx, lambda db: (repairs_kpi(db, ctx.settings, year),
                                          purchases_kpi(db, ctx.settings, year)))
    return render(request, "inventory_kpi.html", {"year": year, "rep": rep, "pur": pur})


def _employees_page(db: Session, today: date) -> dict[str, Any]:
    from inventory.public import training_counts

    emps = db.scalars(select(Employee).order_by(Employee.full_name)).all()
    notices = {p.employee_id: p.monitoring_notice_on for p in db.scalars(select(EmployeeProfile))}
    trainings = db.scalars(select(Training).order_by(Training.held_on.desc()).limit(200)).all()
    counts: dict[int, int] = {}
    for tp in db.scalars(select(TrainingParticipant)):
        counts[tp.training_id] = counts.get(tp.training_id, 0) + 1
    return {
        "employees": [
            {"id": e.id, "code": e.code, "full_name": e.full_name, "unit_id": e.unit_id,
             "position": e.position, "hired_on": e.hired_on, "left_on": e.left_on,
             "notice": notices.get(e.id)}
            for e in emps
        ],
        "trainings": [
            {"date": t.held_on, "topic": t.topic, "trainer": t.trainer, "kind": t.kind,
             "participants": counts.get(t.id, 0)}
            for t in trainings
        ],
        "training_counts": training_counts(db, today.year),
    }


@requires(*READ)
async def employees_page(request: Request) -> Response:
    ctx = _ctx(request)
    today = ctx.clock.now().astimezone(_tz(ctx)).date()
    data = await _read(ctx, lambda db: _employees_page(db, today))
    return render(request, "inventory_employees.html", {
        **data, "units": ctx.settings.unit_names(), "can_write": _can_write(request),
        "error": None})


def add_employee(
    db: Session, code: str, full_name: str, unit_id: str = "office", position: str = "",
    hired_on: date | None = None, left_on: date | None = None, notice_on: date | None = None,
) -> Employee:
    """Add an employee (core table) and the inventory's profile row."""
    code, full_name = code.strip(), full_name.strip()
    if not code or not full_name:
        raise ValidationError("code and full name are required")
    if db.scalar(select(Employee.id).where(Employee.code == code)):
        raise ValidationError(f'employee code "{code}" already exists')
    emp = Employee(code=code, full_name=full_name, unit_id=unit_id, position=position,
                   hired_on=hired_on, left_on=left_on)
    db.add(emp)
    db.flush()
    db.add(EmployeeProfile(employee_id=emp.id, monitoring_notice_on=notice_on))
    return emp


def add_training(
    db: Session, held_on: date, topic: str, trainer: str, kind: str, participants: list[str]
) -> Training:
    if not topic.strip():
        raise ValidationError("the topic is empty")
    if kind not in ("group", "individual"):
        raise ValidationError('kind must be "group" or "individual"')
    training = Training(held_on=held_on, topic=topic.strip(), trainer=trainer.strip(), kind=kind)
    db.add(training)
    db.flush()
    for who in {p.strip() for p in participants if p.strip()}:
        emp = clearance.find_employee(db, who)
        db.add(TrainingParticipant(training_id=training.id, employee_id=emp.id))
    return training


@requires(*WRITE)
async def employees_action(request: Request) -> Response:
    ctx = _ctx(request)
    form = await request.form()
    action = request.path_params["action"]

    def get(name: str) -> str:
        return str(form.get(name, "")).strip()

    def act(db: Session) -> None:
        if action == "add":
            unit = get("unit_id") or "office"
            if unit not in ctx.settings.unit_names():
                raise ValidationError(f'unknown unit "{unit}"')
            add_employee(db, get("code"), get("full_name"), unit, get("position"),
                         _opt_date(get("hired_on"), "hired_on"),
                         _opt_date(get("left_on"), "left_on"),
                         _opt_date(get("notice_on"), "notice_on"))
        elif action == "training":
            day = _opt_date(get("date"), "date")
            if day is None:
                raise ValidationError("date is required")
            add_training(db, day, get("topic"), get("trainer"), get("kind") or "group",
                         get("participants").replace(";", ",").split(","))
        else:
            raise ValidationError(f"unknown action {action}")

    try:
        await _db(ctx, act)
    except ValidationError as exc:
        today = ctx.clock.now().astimezone(_tz(ctx)).date()
        data = await _read(ctx, lambda db: _employees_page(db, today))
        return render(request, "inventory_employees.html", {
            **data, "units": ctx.settings.unit_names(), "can_write": True,
            "error": str(exc)}, 400)
    return RedirectResponse("/inventory/employees", status_code=303)


def _employee_page(db: Session, employee_id: int) -> dict[str, Any]:
    st = clearance.status(db, employee_id)
    signed = [
        {"id": c.id, "signed_at": c.signed_at, "signed_by": c.signed_by,
         "card_sha256": c.card_sha256, "protocol_sha256": c.protocol_sha256}
        for c in db.scalars(select(Clearance).where(Clearance.employee_id == employee_id)
                            .order_by(Clearance.id))
    ]
    return {"st": st, "signed": signed}


@requires(*READ)
async def employee_page(request: Request) -> Response:
    ctx = _ctx(request)
    employee_id = int(request.path_params["employee_id"])
    try:
        data = await _read(ctx, lambda db: _employee_page(db, employee_id))
    except ValidationError as exc:
        return render(request, "error.html", {"message": str(exc), "status": 404}, 404)
    return render(request, "inventory_employee.html", {**data, "can_write": _can_write(request),
                                             "error": None})


@requires(*WRITE)
async def employee_action(request: Request) -> Response:
    ctx = _ctx(request)
    employee_id = int(request.path_params["employee_id"])
    action = request.path_params["action"]
    form = await request.form()
    actor, now = _actor(request), ctx.clock.now()
    today = now.astimezone(_tz(ctx)).date()

    def act(db: Session) -> None:
        if action == "return":
            clearance.mark_returned(db, employee_id, int(str(form.get("asset_id", "0"))),
                                    now, actor)
        elif action == "revoke":
            clearance.revoke_permission(db, employee_id,
                                        int(str(form.get("permission_id", "0"))), today)
        elif action == "grant":
            clearance.grant_permission(
                db, employee_id, str(form.get("system", "")),
                _opt_date(str(form.get("granted_on", "")), "granted_on") or today)
        elif action == "sign":
            clearance.sign_off(db, employee_id, ctx.settings, now, actor)
        else:
            raise ValidationError(f"unknown action {action}")

    try:
        await _db(ctx, act)
    except ValidationError as exc:
        try:
            data = await _read(ctx, lambda db: _employee_page(db, employee_id))
        except ValidationError as missing:  # no such employee: nothing to show the form on
            return render(request, "error.html", {"message": str(missing), "status": 404}, 404)
        return render(request, "inventory_employee.html", {**data, "can_write": True,
                                                 "error": str(exc)}, 400)
    return RedirectResponse(f"/inventory/employees/{employee_id}", status_code=303)


@requires(*READ)
async def clearance_document(request: Request) -> Response:
    ctx = _ctx(request)
    cid = int(request.path_params["clearance_id"])
    doc = request.path_params["doc"]
    row = await _read(ctx, lambda db: db.get(Clearance, cid))
    if row is None or doc not in ("card", "protocol", "card.pdf", "protocol.pdf"):
        return render(request, "error.html", {"message": "Nie ma takiego dokumentu.",
                                              "status": 404}, 404)
    html = row.card_html if doc.startswith("card") else row.protocol_html
    if doc.endswith(".pdf"):
        pdf = await run_in_threadpool(clearance.render_pdf, html)
        return Response(pdf, media_type="application/pdf")
    return HTMLResponse(html)


def _stock_loans(db: Session, today: date) -> dict[str, Any]:
    loans = db.execute(
        select(Loan, Asset.inventory_no).join(Asset, Asset.id == Loan.asset_id)
        .where(Loan.returned_on.is_(None)).order_by(Loan.expected_return)
    ).all()
    return {
        "stock": [{"id": c.id, "name": c.name, "kind": c.kind, "quantity": c.quantity,
                   "min_level": c.min_level}
                  for c in db.scalars(select(Consumable).order_by(Consumable.name))],
        "loans": [{"asset_id": lo.asset_id, "inventory_no": no, "borrower": lo.borrower_name,
                   "address": lo.borrower_address, "agreement": lo.agreement_no,
                   "lent_on": lo.lent_on, "expected_return": lo.expected_return,
                   "overdue": lo.expected_return is not None and lo.expected_return < today}
                  for lo, no in loans],
    }


@requires(*READ)
async def stock_page(request: Request) -> Response:
    ctx = _ctx(request)
    today = ctx.clock.now().astimezone(_tz(ctx)).date()
    data = await _read(ctx, lambda db: _stock_loans(db, today))
    return render(request, "inventory_stock.html", {**data, "can_write": _can_write(request),
                                          "error": None})


def set_stock(db: Session, name: str, kind: str, quantity: int, min_level: int) -> None:
    if not name.strip() or quantity < 0 or min_level < 0:
        raise ValidationError("give a name and non-negative quantity and minimum")
    item = db.scalar(select(Consumable).where(Consumable.name == name.strip()))
    if item is None:
        db.add(Consumable(name=name.strip(), kind=kind or "other", quantity=quantity,
                          min_level=min_level))
    else:
        item.quantity, item.min_level = quantity, min_level


@requires(*WRITE)
async def stock_action(request: Request) -> Response:
    ctx = _ctx(request)
    form = await request.form()

    def num(name: str) -> int:
        text = str(form.get(name, "")).strip()
        if not text.isdigit():
            raise ValidationError(f"{name}: give a whole number")
        return int(text)

    try:
        await _db(ctx, lambda db: set_stock(db, str(form.get("name", "")),
                                            str(form.get("kind", "")), num("quantity"),
                                            num("min_level")))
    except ValidationError as exc:
        today = ctx.clock.now().astimezone(_tz(ctx)).date()
        data = await _read(ctx, lambda db: _stock_loans(db, today))
        return render(request, "inventory_stock.html",
                      {**data, "can_write": True, "error": str(exc)}, 400)
    return RedirectResponse("/inventory/stock", status_code=303)


def routes(ctx: AppContext) -> list[BaseRoute]:
    return [
        Route("/inventory", asset_list),
        Route("/inventory/import", asset_import, methods=["POST"]),
        Route("/inventory/new", asset_new_form, methods=["GET"]),
        Route("/inventory/new", asset_new, methods=["POST"]),
        Route("/inventory/asset/{asset_id:int}", asset_page),
        Route("/inventory/asset/{asset_id:int}/{action}", asset_action, methods=["POST"]),
        Route("/inventory/repairs", repairs_page),
        Route("/inventory/repairs/{action}", repairs_action, methods=["POST"]),
        Route("/inventory/kpi", kpi_page),
        Route("/inventory/employees", employees_page),
        Route("/inventory/employees/{action}", employees_action, methods=["POST"]),
        Route("/inventory/employees/{employee_id:int}", employee_page),
        Route("/inventory/employees/{employee_id:int}/{action}", employee_action,
              methods=["POST"]),
        Route("/inventory/clearance/{clearance_id:int}/{doc}", clearance_document),
        Route("/inventory/stock", stock_page),
        Route("/inventory/loans", stock_page),
        Route("/inventory/stock", stock_action, methods=["POST"]),
    ]
