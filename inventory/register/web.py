"""Dashboard pages and JSON API of the §82 register.

Every endpoint is wrapped in ``requires(...)`` with the roles of ``service``; every read
(page, export, API) is written to the register's read log before the data is sent.
Forms and the API accept only the metadata fields: a file upload or an unknown field
(``attachment``, ``content`` …) is refused with nothing written.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, cast
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from inventory.register import export, queries, service
from inventory.register.config import EMPLOYEE_MONITORING
from inventory.register.jobs import make_anchor
from inventory.register.models import JUSTIFICATION_LEN, OUTCOME_LEN, RESOURCE_LEN
from inventory.register.verification import verify_settings
from itops.context import AppContext
from itops.db.session import read_scope, session_scope
from itops.errors import ItopsError, PermissionDenied, ValidationError
from itops.web import forms
from itops.web.security import current_user, requires, submitted_body, submitted_form
from itops.web.templating import render as core_render


def render(request: Request, template: str, values: dict[str, Any], status: int = 200) -> Response:
    """The core renderer plus the Polish labels of the register's codes."""
    return core_render(request, template, {"labels": service.LABELS, **values}, status)


def _ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def _tz(request: Request) -> ZoneInfo:
    return ZoneInfo(_ctx(request).settings.office.timezone)


def _login(request: Request) -> str:
    user = current_user(request)
    assert user is not None  # noqa: S101 - requires() let only logged-in users through
    return user.login


def _log(request: Request, channel: str, view: str, detail: str = "") -> None:
    ctx = _ctx(request)
    with session_scope(ctx.sessions) as db:
        queries.log_read(
            db,
            ctx.clock.now(),
            _login(request),
            channel,
            view,
            detail,
            request.client.host if request.client else None,
        )


def _period(request: Request) -> tuple[date, date]:
    """``?from=&to=`` (local dates); default: the current calendar year up to today."""
    today = _ctx(request).clock.now().astimezone(_tz(request)).date()
    try:
        first = date.fromisoformat(request.query_params.get("from") or f"{today.year}-01-01")
        last = date.fromisoformat(request.query_params.get("to") or today.isoformat())
    except ValueError:
        raise ValidationError("from/to must be dates YYYY-MM-DD") from None
    if last < first:
        raise ValidationError('"to" is before "from"')
    return first, last


def _form(request: Request) -> FormData:
    form = submitted_form(request)
    if any(isinstance(v, UploadFile) for _, v in form.multi_items()):
        raise ValidationError("the register keeps metadata only: attachments are refused")
    return form


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


def _sane(value: datetime, name: str, now: datetime) -> datetime:
    """An act's time between 1990 and a day after now (year 1 or 9999 cannot be stored
    or converted to the office's zone)."""
    try:
        if EARLIEST <= value <= now + timedelta(days=1):
            value.astimezone(UTC)
            return value
    except OverflowError:
        pass
    raise ValidationError(f"{name}: a date and time between 1990 and today")


def _local_time(value: str, name: str, tz: ZoneInfo, now: datetime | None = None) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{name}: not a date and time") from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    return _sane(parsed, name, now) if now is not None else parsed


def _status(exc: ItopsError) -> int:
    return 403 if isinstance(exc, PermissionDenied) else 400


# ---------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------


def _index(request: Request, error: str | None = None, status: int = 200) -> Response:
    ctx = _ctx(request)
    tz = _tz(request)
    try:
        first, last = _period(request)
    except ValidationError as exc:
        first, last = date(ctx.clock.now().year, 1, 1), ctx.clock.now().date()
        error, status = str(exc), 400
    _log(request, "web", "index", f"from={first} to={last}")
    with read_scope(ctx.sessions) as db:
        rows = queries.entry_rows(db, tz, first, last)
        verification = verify_settings(db, ctx.settings, ctx.clock.now())
        employees = [(e.code, e.full_name) for e in queries.employees(db)]
    now_local = ctx.clock.now().astimezone(tz).replace(second=0, microsecond=0, tzinfo=None)
    return render(
        request,
        "register_index.html",
        {
            "rows": rows,
            "verification": verification,
            "first": first,
            "last": last,
            "employees": employees,
            "scopes": service.SCOPES,
            "purposes": service.PURPOSES,
            "can_act": current_user(request).role in service.ACT_ROLES,  # type: ignore[union-attr]
            "error": error,
            "ok": request.query_params.get("ok"),
            "default_end": now_local.isoformat(timespec="minutes"),
            "default_start": (now_local - timedelta(hours=1)).isoformat(timespec="minutes"),
        },
        status,
    )


@requires(*service.READ_ROLES)
def index(request: Request) -> Response:
    return _index(request)


def _authorised(request: Request, error: str | None = None, status: int = 200) -> Response:
    ctx = _ctx(request)
    _log(request, "web", "authorised")
    with read_scope(ctx.sessions) as db:
        people = queries.authorised_persons(db, ctx.clock.now(), _tz(request))
    return render(
        request,
        "register_authorised.html",
        {
            "people": people,
            "scopes": service.SCOPES,
            "error": error,
            "ok": request.query_params.get("ok"),
            "can_grant": current_user(request).role in service.GRANT_ROLES,  # type: ignore[union-attr]
            "today": ctx.clock.now().astimezone(_tz(request)).date(),
        },
        status,
    )


@requires(*service.AUTHORISED_LIST_ROLES)
def authorised(request: Request) -> Response:
    return _authorised(request)


def _notices(request: Request, error: str | None = None, status: int = 200) -> Response:
    ctx = _ctx(request)
    missing = request.query_params.get("missing") == "1"
    _log(request, "web", "notices", f"missing={missing}")
    today = ctx.clock.now().astimezone(_tz(request)).date()
    with read_scope(ctx.sessions) as db:
        rows = queries.employee_notices(db, today)
    if missing:
        rows = [r for r in rows if r.received_on is None]
    return render(
        request,
        "register_notices.html",
        {
            "rows": rows,
            "missing": missing,
            "error": error,
            "today": today,
            "ok": request.query_params.get("ok"),
            "can_record": current_user(request).role in service.NOTICE_ROLES,  # type: ignore[union-attr]
            "policy_version": ctx.settings.section(EMPLOYEE_MONITORING).policy_version,
        },
        status,
    )


@requires(*service.NOTICE_READ_ROLES)
def notices(request: Request) -> Response:
    return _notices(request)


# ---------------------------------------------------------------------------------------
# Form posts
# ---------------------------------------------------------------------------------------


@requires(*service.GRANT_ROLES)
def grant(request: Request) -> Response:
    ctx = _ctx(request)
    try:
        form = _form(request)
        scopes = form.getlist("scope")
        valid_to = _field(form, "valid_to")
        with session_scope(ctx.sessions) as db:
            entry = service.grant(
                db,
                ctx.clock.now(),
                _login(request),
                _field(form, "login"),
                [s for s in scopes if isinstance(s, str)],
                _date(_field(form, "valid_from"), "valid_from"),
                _date(valid_to, "valid_to") if valid_to else None,
            )
            seq = entry.seq
    except ItopsError as exc:
        return _authorised(request, str(exc), _status(exc))
    return RedirectResponse(f"/register/authorised?ok={seq}", status_code=303)


@requires(*service.GRANT_ROLES)
def revoke(request: Request) -> Response:
    ctx = _ctx(request)
    try:
        form = _form(request)
        seq = forms.field(form, "seq", forms.Id)
        if seq is None:
            raise ValidationError("choose the authorisation to revoke")
        with session_scope(ctx.sessions) as db:
            entry = service.revoke(
                db, ctx.clock.now(), _login(request), seq, _field(form, "reason")
            )
            seq = entry.seq
    except ItopsError as exc:
        return _authorised(request, str(exc), _status(exc))
    return RedirectResponse(f"/register/authorised?ok={seq}", status_code=303)


@requires(*service.NOTICE_ROLES)
def notice(request: Request) -> Response:
    ctx = _ctx(request)
    try:
        form = _form(request)
        with session_scope(ctx.sessions) as db:
            entry = service.record_notice(
                db,
                ctx.clock.now(),
                _login(request),
                _field(form, "employee"),
                _date(_field(form, "received_on"), "received_on"),
                _field(form, "policy_version")
                or ctx.settings.section(EMPLOYEE_MONITORING).policy_version,
                _corrects(form),
                _field(form, "reason") or None,
                _tz(request),
            )
            seq = entry.seq
    except ItopsError as exc:
        return _notices(request, str(exc), _status(exc))
    return RedirectResponse(f"/register/notices?ok={seq}", status_code=303)


@requires(*service.ACT_ROLES)
def act(request: Request) -> Response:
    ctx = _ctx(request)
    tz = _tz(request)
    try:
        form = _form(request)
        data = service.ActInput(
            employee=_field(form, "employee"),
            resource=_field(form, "resource"),
            scopes=[s for s in form.getlist("scope") if isinstance(s, str)],
            purpose=_field(form, "purpose"),
            justification=_field(form, "justification"),
            start=_local_time(_field(form, "start"), "start", tz, ctx.clock.now()),
            end=_local_time(_field(form, "end"), "end", tz, ctx.clock.now()),
            outcome=_field(form, "outcome"),
        )
        with session_scope(ctx.sessions) as db:
            seq = service.record_act(
                db,
                ctx.clock.now(),
                tz,
                _login(request),
                data,
                _corrects(form),
                _field(form, "reason") or None,
            ).seq
    except ItopsError as exc:
        return _index(request, str(exc), _status(exc))
    return RedirectResponse(f"/register?ok={seq}", status_code=303)


def _corrects(form: FormData) -> int | None:
    """The optional "corrects entry no." field of the forms."""
    return cast(int | None, forms.field(form, "corrects", forms.Id))


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{name}: not a date YYYY-MM-DD") from None


# ---------------------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------------------


def _export(request: Request, fmt: str) -> Response:
    ctx = _ctx(request)
    try:
        first, last = _period(request)
    except ValidationError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    _log(request, "web", f"export.{fmt}", f"from={first} to={last}")
    if fmt == "pdf":
        with session_scope(ctx.sessions) as db:
            export.sign_for_print(db, ctx.settings, ctx.clock.now())
    with read_scope(ctx.sessions) as db:
        data = export.collect(
            db,
            ctx.settings.office.name,
            _tz(request),
            first,
            last,
            ctx.clock.now(),
            ctx.settings.section(EMPLOYEE_MONITORING).retention_years,
            ctx.settings,
        )
    name = f"rejestr-82-{first}-{last}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(export.to_csv(data), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(export.to_pdf(data), media_type="application/pdf", headers=headers)


@requires(*service.READ_ROLES)
def export_csv(request: Request) -> Response:
    return _export(request, "csv")


@requires(*service.READ_ROLES)
def export_pdf(request: Request) -> Response:
    return _export(request, "pdf")


# ---------------------------------------------------------------------------------------
# JSON API
# ---------------------------------------------------------------------------------------


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@requires(*service.READ_ROLES)
def api_entries(request: Request) -> Response:
    try:
        first, last = _period(request)
    except ValidationError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    _log(request, "api", "entries", f"from={first} to={last}")
    with read_scope(_ctx(request).sessions) as db:
        rows = queries.entry_rows(db, _tz(request), first, last)
    return JSONResponse({"entries": [{k: _json(v) for k, v in r.__dict__.items()} for r in rows]})


@requires(*service.AUTHORISED_LIST_ROLES)
def anchor(request: Request) -> Response:
    """The head anchor as a file to keep outside this machine (as ``itops register anchor``)."""
    ctx = _ctx(request)
    _log(request, "web", "anchor")
    try:
        made = make_anchor(ctx)  # a threadpool endpoint: may wait for the TSA
    except ItopsError as exc:
        return JSONResponse({"error": str(exc)}, status_code=409)
    current = made.anchor
    if current is None and made.verification.head_seq is not None:
        return JSONResponse({"error": made.verification.describe()}, status_code=409)
    if current is None:
        return JSONResponse({"error": "the register is empty: nothing to anchor"}, 404)
    stamp = current.anchored_at.strftime("%Y%m%dT%H%M%SZ")
    return Response(
        current.dumps() + "\n",
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="rejestr-82-kotwica-{stamp}.json"'},
    )


@requires(*service.AUTHORISED_LIST_ROLES)
def api_verify(request: Request) -> Response:
    _log(request, "api", "verify")
    ctx = _ctx(request)
    with read_scope(ctx.sessions) as db:
        result = verify_settings(db, ctx.settings, ctx.clock.now())
    return JSONResponse(
        {
            "ok": result.ok,
            "count": result.count,
            "head_seq": result.head_seq,
            "head_hash": result.head_hash,
            "broken_seq": result.broken_seq,
            "problem": result.problem,
            "problems": list(result.problems),
            "notes": list(result.notes),
        },
        status_code=200 if result.ok else 409,
    )


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


Short = Annotated[str, Field(max_length=64), AfterValidator(_no_nul)]
Resource = Annotated[str, Field(max_length=RESOURCE_LEN), AfterValidator(_no_nul)]
Justification = Annotated[str, Field(max_length=JUSTIFICATION_LEN), AfterValidator(_no_nul)]
Outcome = Annotated[str, Field(max_length=OUTCOME_LEN), AfterValidator(_no_nul)]


class ActIn(BaseModel):
    """The API's act: metadata fields only, each bounded; any other field is refused."""

    model_config = ConfigDict(extra="forbid")

    employee: Short
    resource: Resource
    scopes: Annotated[list[Short], Field(max_length=16)]
    purpose: Short
    justification: Justification
    start: datetime
    end: datetime
    outcome: Outcome


def _refused_fields(exc: PydanticValidationError) -> JSONResponse:
    fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()})
    problems = [
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: "
        f"{str(e['msg']).removeprefix('Value error, ')}"
        for e in exc.errors(include_url=False, include_input=False)
    ][:20]
    return JSONResponse(
        {
            "error": f"the register accepts only its metadata fields; refused: {', '.join(fields)}",
            "fields": fields,
            "problems": problems,
        },
        status_code=422,
    )


@requires(*service.ACT_ROLES)
def api_act(request: Request) -> Response:
    """Record an act; 201 only after its commit, 4xx with the reason otherwise."""
    ctx = _ctx(request)
    tz = _tz(request)
    now = ctx.clock.now()
    try:
        body = ActIn.model_validate_json(submitted_body(request))
    except PydanticValidationError as exc:
        return _refused_fields(exc)
    try:
        start = _sane(
            body.start if body.start.tzinfo else body.start.replace(tzinfo=tz), "start", now
        )
        end = _sane(body.end if body.end.tzinfo else body.end.replace(tzinfo=tz), "end", now)
    except ValidationError as exc:
        field = str(exc).split(":", 1)[0]
        return JSONResponse({"error": str(exc), "fields": [field]}, status_code=422)
    data = service.ActInput(
        body.employee,
        body.resource,
        body.scopes,
        body.purpose,
        body.justification,
        start,
        end,
        body.outcome,
    )
    try:
        with session_scope(ctx.sessions) as db:
            seq = service.record_act(db, now, tz, _login(request), data).seq
    except ItopsError as exc:
        gate = getattr(exc, "gate", None)
        return JSONResponse({"error": str(exc), "gate": gate}, status_code=_status(exc))
    return JSONResponse({"seq": seq}, status_code=201)


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The Feature ``routes`` hook (every route is listed in the 403 test)."""
    return [
        Route("/register", index, methods=["GET"]),
        Route("/register/acts", act, methods=["POST"]),
        Route("/register/authorised", authorised, methods=["GET"]),
        Route("/register/authorisations", grant, methods=["POST"]),
        Route("/register/authorisations/revoke", revoke, methods=["POST"]),
        Route("/register/notices", notices, methods=["GET"]),
        Route("/register/notices", notice, methods=["POST"]),
        Route("/register/export.csv", export_csv, methods=["GET"]),
        Route("/register/export.pdf", export_pdf, methods=["GET"]),
        Route("/register/anchor.json", anchor, methods=["GET"]),
        Route("/api/register/entries", api_entries, methods=["GET"]),
        Route("/api/register/verify", api_verify, methods=["GET"]),
        Route("/api/register/acts", api_act, methods=["POST"]),
    ]
