"""Dashboard pages of the §82 register (its JSON API is ``inventory.register.api``).

Every endpoint is wrapped in ``requires(...)`` with the roles of ``service``; every read
(page, export, API) is written to the register's read log before the data is sent.
Forms and the API accept only the metadata fields: a file upload or an unknown field
(``attachment``, ``content`` …) is refused with nothing written.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from inventory.register import export, queries, service
from inventory.register.config import EMPLOYEE_MONITORING
from inventory.register.texts import field, refusal
from inventory.register.verification import verify_settings
from inventory.register.web_base import (
    ctx_of,
    local_time,
    log_read,
    login_of,
    message_of,
    metadata_form,
    period_of,
    render,
    status_of,
    text_field,
    tz_of,
)
from itops.context import AppContext
from itops.db.session import read_scope, session_scope
from itops.errors import ItopsError, ValidationError
from itops.messages import Summary
from itops.web import forms
from itops.web.security import current_user, requires

# ---------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------


def _index(request: Request, error: Summary | None = None, status: int = 200) -> Response:
    ctx = ctx_of(request)
    tz = tz_of(request)
    try:
        first, last = period_of(request)
    except ValidationError as exc:
        first, last = date(ctx.clock.now().year, 1, 1), ctx.clock.now().date()
        error, status = exc.summary(), 400
    log_read(request, "web", "index", f"from={first} to={last}")
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


def _authorised(request: Request, error: Summary | None = None, status: int = 200) -> Response:
    ctx = ctx_of(request)
    log_read(request, "web", "authorised")
    with read_scope(ctx.sessions) as db:
        people = queries.authorised_persons(db, ctx.clock.now(), tz_of(request))
    return render(
        request,
        "register_authorised.html",
        {
            "people": people,
            "scopes": service.SCOPES,
            "error": error,
            "ok": request.query_params.get("ok"),
            "can_grant": current_user(request).role in service.GRANT_ROLES,  # type: ignore[union-attr]
            "today": ctx.clock.now().astimezone(tz_of(request)).date(),
        },
        status,
    )


@requires(*service.AUTHORISED_LIST_ROLES)
def authorised(request: Request) -> Response:
    return _authorised(request)


def _notices(request: Request, error: Summary | None = None, status: int = 200) -> Response:
    ctx = ctx_of(request)
    missing = request.query_params.get("missing") == "1"
    log_read(request, "web", "notices", f"missing={missing}")
    today = ctx.clock.now().astimezone(tz_of(request)).date()
    with read_scope(ctx.sessions) as db:
        rows = queries.employee_notices(db, today)
    if missing:
        rows = [r for r in rows if r.received_on is None]
    return render(
        request,
        "register_notices.html",
        {
            "rows": rows,
            "units": ctx.settings.unit_names(),
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
    ctx = ctx_of(request)
    try:
        form = metadata_form(request)
        scopes = form.getlist("scope")
        valid_to = text_field(form, "valid_to")
        with session_scope(ctx.sessions) as db:
            entry = service.grant(
                db,
                ctx.clock.now(),
                login_of(request),
                text_field(form, "login"),
                [s for s in scopes if isinstance(s, str)],
                _date(text_field(form, "valid_from"), "valid_from"),
                _date(valid_to, "valid_to") if valid_to else None,
            )
            seq = entry.seq
    except ItopsError as exc:
        return _authorised(request, message_of(exc), status_of(exc))
    return RedirectResponse(f"/register/authorised?ok={seq}", status_code=303)


@requires(*service.GRANT_ROLES)
def revoke(request: Request) -> Response:
    ctx = ctx_of(request)
    try:
        form = metadata_form(request)
        seq = forms.field(form, "seq", forms.Id)
        if seq is None:
            raise ValidationError.of(refusal("register.choose_revoke"))
        with session_scope(ctx.sessions) as db:
            entry = service.revoke(
                db, ctx.clock.now(), login_of(request), seq, text_field(form, "reason")
            )
            seq = entry.seq
    except ItopsError as exc:
        return _authorised(request, message_of(exc), status_of(exc))
    return RedirectResponse(f"/register/authorised?ok={seq}", status_code=303)


@requires(*service.NOTICE_ROLES)
def notice(request: Request) -> Response:
    ctx = ctx_of(request)
    try:
        form = metadata_form(request)
        with session_scope(ctx.sessions) as db:
            entry = service.record_notice(
                db,
                ctx.clock.now(),
                login_of(request),
                text_field(form, "employee"),
                _date(text_field(form, "received_on"), "received_on"),
                text_field(form, "policy_version")
                or ctx.settings.section(EMPLOYEE_MONITORING).policy_version,
                _corrects(form),
                text_field(form, "reason") or None,
                tz_of(request),
            )
            seq = entry.seq
    except ItopsError as exc:
        return _notices(request, message_of(exc), status_of(exc))
    return RedirectResponse(f"/register/notices?ok={seq}", status_code=303)


@requires(*service.ACT_ROLES)
def act(request: Request) -> Response:
    ctx = ctx_of(request)
    tz = tz_of(request)
    try:
        form = metadata_form(request)
        data = service.ActInput(
            employee=text_field(form, "employee"),
            resource=text_field(form, "resource"),
            scopes=[s for s in form.getlist("scope") if isinstance(s, str)],
            purpose=text_field(form, "purpose"),
            justification=text_field(form, "justification"),
            start=local_time(text_field(form, "start"), "start", tz, ctx.clock.now()),
            end=local_time(text_field(form, "end"), "end", tz, ctx.clock.now()),
            outcome=text_field(form, "outcome"),
        )
        with session_scope(ctx.sessions) as db:
            seq = service.record_act(
                db,
                ctx.clock.now(),
                tz,
                login_of(request),
                data,
                _corrects(form),
                text_field(form, "reason") or None,
            ).seq
    except ItopsError as exc:
        return _index(request, message_of(exc), status_of(exc))
    return RedirectResponse(f"/register?ok={seq}", status_code=303)


def _corrects(form: FormData) -> int | None:
    """The optional "corrects entry no." field of the forms."""
    return cast(int | None, forms.field(form, "corrects", forms.Id))


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError.of(refusal("register.not_date", name=field(name))) from None


# ---------------------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------------------


def _export(request: Request, fmt: str) -> Response:
    ctx = ctx_of(request)
    try:
        first, last = period_of(request)
    except ValidationError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)  # the API's English
    log_read(request, "web", f"export.{fmt}", f"from={first} to={last}")
    if fmt == "pdf":
        with session_scope(ctx.sessions) as db:
            export.sign_for_print(db, ctx.settings, ctx.clock.now())
    with read_scope(ctx.sessions) as db:
        data = export.collect(
            db,
            ctx.settings.office.name,
            tz_of(request),
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


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The pages half of the Feature ``routes`` hook (every route is in the 403 test)."""
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
    ]
