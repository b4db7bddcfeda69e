"""What the inventory's dashboard pages share: roles, the request's context, form fields."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from itops.auth import ADMIN, AUDITOR, IT_OFFICER
from itops.context import AppContext
from itops.db.session import read_scope, session_scope
from itops.web import forms
from itops.web.security import current_user

READ = (ADMIN, IT_OFFICER, AUDITOR)
WRITE = (ADMIN, IT_OFFICER)


def ctx_of(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def tz_of(ctx: AppContext) -> ZoneInfo:
    return ZoneInfo(ctx.settings.office.timezone)


def actor_of(request: Request) -> str:
    user = current_user(request)
    return user.login if user else ""


def can_write(request: Request) -> bool:
    user = current_user(request)
    return bool(user and user.role in WRITE)


async def run_db(ctx: AppContext, fn: Callable[[Session], Any]) -> Any:
    """Run ``fn`` in one write transaction, off the event loop."""

    def run() -> Any:
        with session_scope(ctx.sessions) as db:
            return fn(db)

    return await run_in_threadpool(run)


async def run_read(ctx: AppContext, fn: Callable[[Session], Any]) -> Any:
    """Run ``fn`` in one read transaction (never waits for the write lock), off the loop."""

    def run() -> Any:
        with read_scope(ctx.sessions) as db:
            return fn(db)

    return await run_in_threadpool(run)


def opt_date(value: str, name: str) -> date | None:
    """A date field (1900-2199) through the typed form layer; None when blank."""
    value = value.strip()
    return None if not value else cast(date, forms.parse(forms.Day, value, name))


def opt_decimal(value: str, name: str) -> Decimal | None:
    """An amount (finite, 0-100 million, two decimals); None when blank."""
    value = value.strip()
    return None if not value else cast(Decimal, forms.parse(forms.Money, value, name))


def opt_hours(value: str, name: str) -> float | None:
    """A number of hours (finite, 0-8784); None when blank."""
    value = value.strip()
    return None if not value else cast(float, forms.parse(forms.Hours, value, name))


def form_id(form: Any, name: str) -> int:
    """A row id posted by a form: digits 0-9 only, 1..2**31-1; missing is refused too."""
    value = forms.field(form, name, forms.Id)
    if value is None:
        raise forms.FormError(name, "brak wartości")
    return cast(int, value)
