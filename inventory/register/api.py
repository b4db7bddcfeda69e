"""The §82 register's JSON API: entries, verification, acts (metadata fields only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from inventory.register import queries, service
from inventory.register.jobs import make_anchor
from inventory.register.models import JUSTIFICATION_LEN, OUTCOME_LEN, RESOURCE_LEN
from inventory.register.verification import verify_settings
from inventory.register.web_base import (
    ctx_of,
    log_read,
    login_of,
    period_of,
    sane_time,
    status_of,
    tz_of,
)
from itops.context import AppContext
from itops.db.session import read_scope, session_scope
from itops.errors import ItopsError, ValidationError
from itops.web.security import requires, submitted_body

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
        first, last = period_of(request)
    except ValidationError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    log_read(request, "api", "entries", f"from={first} to={last}")
    with read_scope(ctx_of(request).sessions) as db:
        rows = queries.entry_rows(db, tz_of(request), first, last)
    return JSONResponse({"entries": [{k: _json(v) for k, v in r.__dict__.items()} for r in rows]})


@requires(*service.AUTHORISED_LIST_ROLES)
def anchor(request: Request) -> Response:
    """The head anchor as a file to keep outside this machine (as ``itops register anchor``)."""
    ctx = ctx_of(request)
    log_read(request, "web", "anchor")
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
    log_read(request, "api", "verify")
    ctx = ctx_of(request)
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
    ctx = ctx_of(request)
    tz = tz_of(request)
    now = ctx.clock.now()
    try:
        body = ActIn.model_validate_json(submitted_body(request))
    except PydanticValidationError as exc:
        return _refused_fields(exc)
    try:
        start = sane_time(
            body.start if body.start.tzinfo else body.start.replace(tzinfo=tz), "start", now
        )
        end = sane_time(body.end if body.end.tzinfo else body.end.replace(tzinfo=tz), "end", now)
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
            seq = service.record_act(db, now, tz, login_of(request), data).seq
    except ItopsError as exc:
        gate = getattr(exc, "gate", None)
        return JSONResponse({"error": str(exc), "gate": gate}, status_code=status_of(exc))
    return JSONResponse({"seq": seq}, status_code=201)


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The API half of the Feature ``routes`` hook (every route is listed in the 403 test)."""
    return [
        Route("/register/anchor.json", anchor, methods=["GET"]),
        Route("/api/register/entries", api_entries, methods=["GET"]),
        Route("/api/register/verify", api_verify, methods=["GET"]),
        Route("/api/register/acts", api_act, methods=["POST"]),
    ]
