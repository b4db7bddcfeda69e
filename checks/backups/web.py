"""Pages "Kopie zapasowe" and "Ochrona antywirusowa", the restore-test form, push endpoints.

The push endpoints have no login: the token is an unguessable UUID. An unknown or
malformed token gets 404 and nothing is written, so scanning reveals nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from checks.backups import store
from checks.backups.charts import duration_chart, job_time, size_chart, size_trend
from checks.backups.public import antivirus_compliance, protected_hosts
from checks.backups.service import service
from itops import formats
from itops.auth import ADMIN, AUDITOR, IT_OFFICER
from itops.context import AppContext
from itops.db.session import read_scope, session_scope
from itops.errors import ValidationError
from itops.messages import Summary
from itops.web import forms, paging
from itops.web.security import current_user, requires, submitted_form
from itops.web.templating import render

logger = logging.getLogger(__name__)

READERS = (ADMIN, IT_OFFICER, AUDITOR)
WRITERS = (ADMIN, IT_OFFICER)
MAX_BODY = 10_000


def _ascii_number(text: str) -> bool:
    """Digits 0-9 only: ``str.isdigit`` also accepts "²", which ``int()`` refuses."""
    return text.isascii() and text.isdigit()


async def ping(request: Request) -> Response:
    """``/ping/<uuid>[/start|/fail|/<exit-code>]`` from a backup job (GET or POST).

    "OK" is sent only after the ping is committed; a bad request gets 4xx with the
    reason and writes nothing."""
    ctx: AppContext = request.app.state.ctx
    svc = service(ctx)
    raw = request.path_params["token"]
    try:
        token = str(UUID(raw))
    except ValueError:
        return PlainTextResponse("not found\n", status_code=404)
    cfg = svc.by_token(token)
    if cfg is None:
        return PlainTextResponse("not found\n", status_code=404)
    action = request.path_params.get("action", "success")
    exit_code: int | None = None
    if action not in ("success", "start", "fail"):
        if not _ascii_number(action) or len(action) > 3 or int(action) > 255:
            return PlainTextResponse("not found\n", status_code=404)
        exit_code = int(action)
        action = "exit"
    body = ""
    declared = (request.headers.get("content-length") or "0").strip()
    if not _ascii_number(declared):
        return PlainTextResponse("invalid Content-Length\n", status_code=400)
    if int(declared) > 100 * MAX_BODY:
        return PlainTextResponse("request body too large\n", status_code=413)
    if request.method == "POST":
        data = await request.body()
        # Kept for diagnosis only: PostgreSQL text cannot hold NUL, so it is replaced
        # like any undecodable byte (refusing a success ping over its log would lose it).
        body = data[:MAX_BODY].decode("utf-8", "replace").replace("\x00", "\ufffd")
    remote = request.client.host if request.client else None
    await asyncio.to_thread(svc.record_ping, cfg, action, exit_code, remote, body)
    try:
        await svc.look(cfg.name)
    except Exception:  # the ping is committed: the next scheduled look will judge it
        logger.exception("look after the ping of %s failed", cfg.name)
    return PlainTextResponse("OK\n")


def _formats(request: Request, ctx: AppContext) -> dict[str, Callable[..., str]]:
    """The pages' moments, sizes and ages by the one formatter in the page's language:
    "05.02.2026 07:00", "1,5 GiB" (Polish); "05/02/2026 07:00", "1.5 GiB" (English)."""
    lang = request.app.state.lang(request)
    tz = ctx.settings.office.timezone
    return {
        "fmt": lambda d: formats.moment(d, tz, lang, "short"),
        "size": lambda s: "—" if s is None else formats.size(s, lang),
        "ago": lambda seconds: formats.age(seconds, lang),
    }


def _input_moment(ctx: AppContext, value: datetime) -> str:
    """A ``datetime-local`` input's value: ISO in office time ("2026-02-05T07:00")."""
    local = value.astimezone(ZoneInfo(ctx.settings.office.timezone))
    return local.replace(tzinfo=None).isoformat(timespec="minutes")


@requires(*READERS)
def backups_page(request: Request) -> Response:
    ctx: AppContext = request.app.state.ctx
    svc = service(ctx)
    names = list(svc.backups())
    with read_scope(ctx.sessions) as db:
        states = store.backup_states(db)
        trend = {
            n: [
                r.size
                for r in reversed(store.runs(db, n, 30))
                if r.size is not None and r.mode == "look"
            ]
            for n in names
        }
        tests = {n: store.restore_tests(db, n, 1) for n in names}
    now = ctx.clock.now()
    lang = request.app.state.lang(request)
    say = _formats(request, ctx)
    rows = []
    for cfg in svc.backups().values():
        snap = states.get(cfg.name)
        rows.append(
            {
                "cfg": cfg,
                "snap": snap,
                "age": say["ago"]((now - snap.last_success_at).total_seconds())
                if snap and snap.last_success_at
                else "—",
                "size": say["size"](snap.last_size if snap else None),
                "trend": size_trend(cfg.name, trend.get(cfg.name, []), lang),
                "last_test": tests[cfg.name][0] if tests[cfg.name] else None,
            }
        )
    return render(request, "backups.html", {"rows": rows, "fmt": say["fmt"]})


@requires(*READERS)
def backup_detail(request: Request) -> Response:
    ctx: AppContext = request.app.state.ctx
    name = request.path_params["name"]
    cfg = service(ctx).backups().get(name)
    if cfg is None:
        return PlainTextResponse("not found\n", status_code=404)
    return _detail(request, ctx, name, {})


def _detail(
    request: Request, ctx: AppContext, name: str, extra: dict[str, object], status: int = 200
) -> Response:
    cfg = service(ctx).backups()[name]
    with read_scope(ctx.sessions) as db:
        snap = store.backup_states(db).get(name)
        history = store.runs(db, name, 100)
        incidents = store.backup_incidents(db, name, 50)
        tests = store.restore_tests(db, name)
    user = current_user(request)
    can_write = bool(user and user.role in WRITERS)
    lang = request.app.state.lang(request)
    context = {
        "cfg": cfg,
        "snap": snap,
        "size_chart": size_chart(history, ctx, lang),
        "duration_chart": duration_chart(history, ctx, lang),
        "job_time": lambda seconds: job_time(seconds, lang),
        "history": history,
        "incidents": incidents,
        "tests": tests,
        "can_write": can_write,
        **_formats(request, ctx),
        "today": _input_moment(ctx, ctx.clock.now()),
        # The token is the push job's only credential: shown to those who may configure it.
        "push_url": f"/ping/{cfg.options.token}" if cfg.kind == "push" and can_write else None,
        **extra,
    }
    return render(request, "backup_detail.html", context, status)


@requires(*WRITERS)
def restore_test_submit(request: Request) -> Response:
    ctx: AppContext = request.app.state.ctx
    name = request.path_params["name"]
    if name not in service(ctx).backups():
        return PlainTextResponse("not found\n", status_code=404)
    form = submitted_form(request)
    user = current_user(request)
    values = {
        k: str(form.get(k, ""))
        for k in ("performed_at", "performed_by", "restored", "result", "notes")
    }
    try:
        when = forms.field(form, "performed_at", forms.Moment)
        for key, kind in (("performed_by", forms.Line), ("restored", forms.Note)):
            forms.field(form, key, kind)
        forms.field(form, "notes", forms.Note)
        if when is None:
            raise ValidationError("restore test not recorded: give the date and time of the test")
        if when.tzinfo is None:
            when = when.replace(tzinfo=ZoneInfo(ctx.settings.office.timezone))
        if values["result"] not in ("ok", "failed"):
            raise ValidationError("restore test not recorded: choose the result")
        with session_scope(ctx.sessions) as db:
            store.add_restore_test(
                db,
                ctx.settings,
                backup=name,
                performed_at=when,
                performed_by=values["performed_by"],
                restored=values["restored"],
                success=values["result"] == "ok",
                notes=values["notes"],
                recorded_by=user.login if user else "?",
                now=ctx.clock.now(),
            )
    except ValidationError as exc:
        return _detail(request, ctx, name, {"error": str(exc), "form": values}, 400)
    return RedirectResponse(f"/backups/{name}#restore-tests", status_code=303)


@requires(*READERS)
def antivirus_page(request: Request) -> Response:
    ctx: AppContext = request.app.state.ctx
    now = ctx.clock.now()
    say = _formats(request, ctx)
    with read_scope(ctx.sessions) as db:
        expected = protected_hosts(db, ctx.settings, now)
        compliance = antivirus_compliance(db, ctx.settings, now, expected)
        q, refused = _search(request)
        total = store.av_states_page(db, q, 0, 0)[0]
        page = paging.page_of(request, total, {"q": q})
        _, states = store.av_states_page(db, q, page.offset, page.size)
        incidents = store.av_incidents(db, None, 50)
    return render(
        request,
        "antivirus.html",
        {
            "c": compliance,
            "states": states,
            "page": page,
            "q": q,
            "query_error": refused,
            "incidents": incidents,
            "now": now,
            "fmt": say["fmt"],
            "age": lambda d: say["ago"]((now - d).total_seconds()) if d else "—",
        },
        status_code=400 if refused else 200,
    )


def _search(request: Request) -> tuple[str, Summary | None]:
    """The host search of the list; a malformed one (a NUL, too long) is dropped and
    named, never a 500 (issue 14.4)."""
    try:
        return str(forms.query(request, "q", forms.Line, "")).strip(), None
    except forms.FormError as exc:
        return "", exc.summary()


def routes() -> list[BaseRoute]:
    methods = ["GET", "POST"]  # Starlette answers HEAD for GET routes too
    return [
        Route("/ping/{token}", ping, methods=methods),
        Route("/ping/{token}/{action}", ping, methods=methods),
        Route("/backups", backups_page),
        Route("/backups/{name}", backup_detail),
        Route("/backups/{name}/restore-tests", restore_test_submit, methods=["POST"]),
        Route("/antivirus", antivirus_page),
    ]
