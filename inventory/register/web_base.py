"""What the register's pages and its JSON API share: the request's context, user, zone,
period, metadata-only forms, sane times and the read log written before any data is sent."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from inventory.register import queries, service
from inventory.register.texts import field, refusal
from itops.context import AppContext
from itops.db.session import session_scope
from itops.errors import ItopsError, PermissionDenied, ValidationError
from itops.messages import Summary
from itops.web.security import current_user, submitted_form
from itops.web.templating import render as core_render

logger = logging.getLogger(__name__)


def render(request: Request, template: str, values: dict[str, Any], status: int = 200) -> Response:
    """The core renderer plus the Polish labels of the register's codes."""
    return core_render(request, template, {"labels": service.LABELS, **values}, status)


def ctx_of(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def tz_of(request: Request) -> ZoneInfo:
    return ZoneInfo(ctx_of(request).settings.office.timezone)


def login_of(request: Request) -> str:
    user = current_user(request)
    assert user is not None  # noqa: S101 - requires() let only logged-in users through
    return user.login


def log_read(request: Request, channel: str, view: str, detail: str = "") -> None:
    ctx = ctx_of(request)
    with session_scope(ctx.sessions) as db:
        queries.log_read(
            db,
            ctx.clock.now(),
            login_of(request),
            channel,
            view,
            detail,
            request.client.host if request.client else None,
        )


def period_of(request: Request) -> tuple[date, date]:
    """``?from=&to=`` (local dates); default: the current calendar year up to today."""
    today = ctx_of(request).clock.now().astimezone(tz_of(request)).date()
    try:
        first = date.fromisoformat(request.query_params.get("from") or f"{today.year}-01-01")
        last = date.fromisoformat(request.query_params.get("to") or today.isoformat())
    except ValueError:
        raise ValidationError.of(refusal("register.period_bad")) from None
    if last < first:
        raise ValidationError.of(refusal("register.period_order"))
    return first, last


def metadata_form(request: Request) -> FormData:
    form = submitted_form(request)
    if any(isinstance(v, UploadFile) for _, v in form.multi_items()):
        raise ValidationError.of(refusal("register.no_attachments"))
    return form


def text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


def sane_time(value: datetime, name: str, now: datetime) -> datetime:
    """An act's time between 1990 and a day after now (year 1 or 9999 cannot be stored
    or converted to the office's zone)."""
    try:
        if EARLIEST <= value <= now + timedelta(days=1):
            value.astimezone(UTC)
            return value
    except OverflowError:
        pass
    raise ValidationError.of(refusal("register.time_range", name=field(name)))


def local_time(value: str, name: str, tz: ZoneInfo, now: datetime | None = None) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError.of(refusal("register.not_moment", name=field(name))) from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    return sane_time(parsed, name, now) if now is not None else parsed


def status_of(exc: ItopsError) -> int:
    return 403 if isinstance(exc, PermissionDenied) else 400


def message_of(exc: ItopsError) -> Summary:
    """What a page shows of a refusal, in the page's language (``{{ error|summary }}``)."""
    if isinstance(exc, ValidationError | PermissionDenied):
        return exc.summary()
    logger.error("§82 register page: %s", exc)  # the page says only that it failed
    return refusal("register.failed")
