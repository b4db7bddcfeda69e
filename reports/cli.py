"""``itops kpi`` and ``itops report annual``: thin wrappers over ``kpi`` and ``annual``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

import click

from itops.cli import Ctx, pass_ctx
from itops.db.session import read_scope


def register(group: click.Group) -> None:
    group.add_command(kpi_command)
    group.add_command(report_group)


@click.command("kpi")
@click.option("--year", type=int, required=True, help="Calendar year (local time).")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the complete JSON (every figure and list) instead of text.",
)
@click.option(
    "--details",
    is_flag=True,
    help="Also list the repair protocols and the equipment behind KPIs 2 and 3.",
)
@click.option(
    "--lang",
    type=click.Choice(["pl", "en"]),
    default=None,
    help="Language of the text (default: [web] language of the config).",
)
@pass_ctx
def kpi_command(ctx: Ctx, year: int, as_json: bool, details: bool, lang: str | None) -> None:
    """The three KPIs for YEAR: value, target, met (--details: the lists behind them)."""
    from reports.data import to_json
    from reports.kpi import kpi_object

    app = ctx.app()
    now = app.clock.now()
    with read_scope(app.sessions) as db:
        data = kpi_object(db, app.settings, year, now)
    if as_json:
        click.echo(json.dumps(to_json(data), ensure_ascii=False, indent=2))
        return
    from inventory.public import label
    from reports.kpi_text import KpiText

    language = lang or app.settings.web.language
    text = KpiText(language, lambda key: label(key, language))
    today = now.astimezone(ZoneInfo(app.settings.office.timezone)).date()
    as_of = today if today <= date(year, 12, 31) else None
    lines = text.short(data, as_of, started=today >= date(year, 1, 1), hint=not details)
    if details:
        lines += text.details(data)
    click.echo("\n".join(lines))


def progress_on(stream: TextIO, lang: str) -> Callable[[str], None] | None:
    """Tell which part of the report is being made, on ``stream`` only when it is a
    terminal (a cron job's or a pipe's stderr stays clean)."""
    from reports.annual import PARTS

    if not stream.isatty():
        return None

    def tell(part: str) -> None:
        pl, en = PARTS[part]
        stream.write(f"… {en if lang == 'en' else pl}\n")
        stream.flush()

    return tell


@click.group("report")
def report_group() -> None:
    """Reports: the annual quality report of the process "Obsługa informatyczna"."""


@report_group.command("annual")
@click.option("--year", type=int, required=True, help="Calendar year (local time).")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder.",
)
@click.option(
    "--lang",
    type=click.Choice(["pl", "en"]),
    default=None,
    help="Language (default: [web] language of the config).",
)
@click.option("--no-pdf", is_flag=True, help="Write only HTML and JSON.")
@pass_ctx
def report_annual(ctx: Ctx, year: int, out_dir: Path, lang: str | None, no_pdf: bool) -> None:
    """Write raport-jakosci-YEAR.html, .pdf and .json into OUT."""
    from reports.annual import write_annual

    app = ctx.app()
    chosen = lang or app.settings.web.language
    tell = progress_on(sys.stderr, chosen)
    paths = write_annual(app, year, out_dir, chosen, pdf=not no_pdf, progress=tell)
    for path in paths:
        click.echo(str(path))
