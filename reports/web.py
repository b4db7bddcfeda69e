"""The "Raporty" page: generate the annual report and download its HTML, PDF and JSON.

Everyone who reads the inventory (admin, it_officer, auditor) may list and download;
generating writes files, so only admin and it_officer may (with the CSRF token, through
``requires``). Files live in ``[report] output_dir``/``pl|en``/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from checks.availability.public import year_has_data
from itops import auth
from itops.auth import ADMIN, AUDITOR, IT_OFFICER
from itops.db.session import session_scope
from itops.web import forms
from itops.web.security import current_user, requires, submitted_form
from itops.web.templating import render
from reports.config import REPORT

if TYPE_CHECKING:
    from itops.context import AppContext

READ = (ADMIN, IT_OFFICER, AUDITOR)
WRITE = (ADMIN, IT_OFFICER)
LANGS = ("pl", "en")
FILE_RE = re.compile(r"^raport-jakosci-(\d{4})\.(html|pdf|json)$")
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "json": "application/json"}


@dataclass(frozen=True)
class StoredReport:
    """One generated year in one language, with the formats present on disk."""

    year: int
    lang: str
    formats: tuple[str, ...]
    generated_at: datetime
    names: dict[str, str]


def _folder(ctx: AppContext, lang: str) -> Path:
    return Path(ctx.settings.section(REPORT).output_dir) / lang


def stored_reports(ctx: AppContext) -> list[StoredReport]:
    """The reports on disk, newest year first."""
    found: dict[tuple[int, str], dict[str, Path]] = {}
    for lang in LANGS:
        folder = _folder(ctx, lang)
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            match = FILE_RE.match(path.name)
            if match:
                found.setdefault((int(match.group(1)), lang), {})[match.group(2)] = path
    out = []
    for (year, lang), files in sorted(found.items(), key=lambda kv: (-kv[0][0], kv[0][1])):
        newest = max(p.stat().st_mtime for p in files.values())
        formats = tuple(f for f in ("pdf", "html", "json") if f in files)
        out.append(
            StoredReport(
                year,
                lang,
                formats,
                datetime.fromtimestamp(newest, UTC),
                {f: files[f].name for f in formats},
            )
        )
    return out


def _page(
    request: Request,
    status: int = 200,
    error: str = "",
    done: str = "",
    form: dict[str, str] | None = None,
) -> Response:
    ctx: AppContext = request.app.state.ctx
    user = current_user(request)
    this_year = ctx.clock.now().astimezone(ZoneInfo(ctx.settings.office.timezone)).year
    # The current year when itops has watched some of it (a year in progress says so in
    # the report), else the last whole year.
    default_year = this_year if year_has_data(ctx) else this_year - 1
    return render(
        request,
        "report_page.html",
        {
            "reports": stored_reports(ctx),
            "can_write": user is not None and user.role in WRITE,
            "default_year": default_year,
            "error": error,
            "done": done,
            "form": form or {},
        },
        status,
    )


@requires(*READ)
def reports_page(request: Request) -> Response:
    done = "Raport wygenerowano." if request.query_params.get("done") else ""
    return _page(request, done=done)


@requires(*WRITE)
def generate(request: Request) -> Response:
    from reports.annual import write_annual

    ctx: AppContext = request.app.state.ctx
    form = submitted_form(request)
    year_text = str(form.get("year", "")).strip()
    lang = str(form.get("lang", "pl"))
    values = {"year": year_text, "lang": lang}
    try:
        year = forms.parse(forms.Year, year_text, "year")
    except forms.FormError:
        return _page(request, 400, error="Podaj rok, np. 2026.", form=values)
    if lang not in LANGS:
        return _page(request, 400, error="Nieznany język raportu.", form=values)
    write_annual(ctx, year, _folder(ctx, lang), lang)
    user = current_user(request)
    with session_scope(ctx.sessions) as db:
        auth.audit(
            db,
            ctx.clock.now(),
            user.login if user else None,
            "report_generated",
            f"annual {year} {lang}",
        )
    return RedirectResponse("/raporty?done=1", status_code=303)


@requires(*READ)
def download(request: Request) -> Response:
    ctx: AppContext = request.app.state.ctx
    lang = request.path_params["lang"]
    name = request.path_params["name"]
    match = FILE_RE.match(name)
    path = _folder(ctx, lang) / name
    if lang not in LANGS or match is None or not path.is_file():
        return render(request, "error.html", {"message": "Nie znaleziono", "status": 404}, 404)
    return FileResponse(path, media_type=MEDIA[match.group(2)], filename=name)


def routes(ctx: AppContext) -> list[BaseRoute]:
    return [
        Route("/raporty", reports_page, methods=["GET"]),
        Route("/raporty", generate, methods=["POST"]),
        Route("/raporty/{lang}/{name}", download, methods=["GET"]),
    ]
