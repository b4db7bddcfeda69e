"""``itops availability``, ``itops outages …`` and ``itops maintenance …``.

Bad input is a ``ValidationError`` (exit 2) raised before anything is written; every
write is one transaction.
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import click

from checks.config import CHECKS
from itops.calendar import WEEKDAYS, parse_time_range
from itops.cli import Ctx, pass_ctx
from itops.config_types import text_for
from itops.errors import ValidationError


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f'{option} "{value}" is not a date such as 2026-01-01') from None


def _app(ctx: Ctx) -> Any:
    """The AppContext, its engine disposed when the command ends (no connection left open)."""
    app = ctx.app()
    click.get_current_context().call_on_close(app.engine.dispose)
    return app


def _actor(by: str | None) -> str:
    return by or getpass.getuser()


def _fmt_minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f}"


def register(group: click.Group) -> None:
    """Add the commands of the ``checks`` feature to the ``itops`` group."""
    group.add_command(availability_cmd)
    group.add_command(outages_group)
    group.add_command(maintenance_group)


@click.command("availability")
@click.option("--from", "first", default=None, help="First local date (e.g. 2026-01-01).")
@click.option("--to", "until", default=None, help="Local date after the last (exclusive).")
@click.option("--year", type=int, default=None, help="A calendar year (instead of --from/--to).")
@click.option("--check", default=None, help="Only this check.")
@click.option("--unit", default=None, help="Only the checks of this unit; its own figure.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--outages", "with_outages", is_flag=True, help="List working-hours outages.")
@pass_ctx
def availability_cmd(
    ctx: Ctx,
    first: str | None,
    until: str | None,
    year: int | None,
    check: str | None,
    unit: str | None,
    as_json: bool,
    with_outages: bool,
) -> None:
    """KPI 1: availability within working time (W − X − G − D) / (W − X − G), and coverage."""
    from checks.availability.kpi import compute
    from itops.db.session import session_scope

    if year is not None:
        if first is not None or until is not None:
            raise ValidationError("give either --year or --from and --to")
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    elif first is None or until is None:
        raise ValidationError("give --year, or both --from and --to")
    else:
        start, end = _date(first, "--from"), _date(until, "--to")
    app = _app(ctx)
    with session_scope(app.sessions) as db:
        report = compute(db, app.settings, start, end, check=check, unit=unit, now=app.clock.now())
    if as_json:
        data = report.to_json(app.settings.office.timezone)
        if with_outages:
            data["outages"] = [o.to_json() for o in report.outages]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if with_outages:
        click.echo("check\tstart\tend\tworking_minutes\tcause\tnote")
        for o in report.outages:
            end_text = o.local_end.isoformat(timespec="minutes") if o.local_end else "open"
            click.echo(
                f"{o.check}\t{o.local_start.isoformat(timespec='minutes')}\t{end_text}\t"
                f"{_fmt_minutes(o.working_seconds)}\t{o.cause}\t{o.note}"
            )
        return
    click.echo(f"period {start} .. {end} (to exclusive)")
    click.echo("check\tavailability\tcoverage\tdowntime_min\texcluded_min\tunknown_min\toutages")
    for c in report.checks:
        click.echo(
            f"{c.name}\t{c.availability:.6f}\t{c.coverage:.6f}\t"
            f"{_fmt_minutes(c.downtime_seconds)}\t{_fmt_minutes(c.excluded_seconds)}\t"
            f"{_fmt_minutes(c.unknown_seconds)}\t{c.outages}"
        )
    office = report.office
    verdict = "met" if office.met else "NOT met"
    click.echo(
        f"{office.unit}: availability {office.availability:.6f} "
        f"(target {office.target:g}, {verdict}), "
        f"downtime {_fmt_minutes(office.downtime_seconds)} min "
        f"of {_fmt_minutes(office.working_seconds)} working min"
    )


@click.group("outages")
def outages_group() -> None:
    """Outages: list, add historical ones, import a CSV, reclassify."""


@outages_group.command("add")
@click.option("--check", required=True)
@click.option("--start", required=True, help="ISO 8601 with offset.")
@click.option("--end", default=None, help="ISO 8601 with offset; omit for an open outage.")
@click.option("--cause", default="failure", show_default=True)
@click.option("--note", default="")
@click.option("--by", default=None, help="Who enters it (default: the system user).")
@pass_ctx
def outages_add(
    ctx: Ctx, check: str, start: str, end: str | None, cause: str, note: str, by: str | None
) -> None:
    """Enter one outage (e.g. from a paper repair protocol)."""
    from checks.availability.entry import add_outages, parse_outage
    from itops import auth
    from itops.db.session import session_scope

    app = _app(ctx)
    try:
        item = parse_outage(app.settings, check, start, end, cause, note)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    now = app.clock.now()
    with session_scope(app.sessions) as db:
        [outage_id] = add_outages(db, app.settings, [item], now, _actor(by), "manual")
        auth.audit(db, now, _actor(by), "outage_added", f"#{outage_id} {check} {cause}")
    click.echo(f"outage #{outage_id} added")


@outages_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--by", default=None)
@pass_ctx
def outages_import(ctx: Ctx, file: str, by: str | None) -> None:
    """Import FILE.csv (check,start,end,cause,note); any bad row rejects the whole file."""
    from checks.availability.entry import add_outages, parse_csv
    from itops import auth
    from itops.db.session import session_scope
    from itops.spreadsheet import read_import_file

    raw = read_import_file(file)
    app = _app(ctx)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{file}: not UTF-8 text") from None
    items = parse_csv(app.settings, text)
    now = app.clock.now()
    with session_scope(app.sessions) as db:
        ids = add_outages(db, app.settings, items, now, _actor(by), "import")
        auth.audit(db, now, _actor(by), "outages_imported", f"{len(ids)} from {file}")
    click.echo(f"{len(ids)} outages imported")


@outages_group.command("list")
@click.option("--from", "first", default=None, help="First local date (default: 1 January).")
@click.option("--to", "until", default=None, help="Exclusive local date (default: next year).")
@click.option("--check", default=None)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def outages_list(
    ctx: Ctx, first: str | None, until: str | None, check: str | None, as_json: bool
) -> None:
    """List outages with their effective cause and reclassification history."""
    from checks.availability.entry import list_outages
    from itops.db.session import session_scope

    app = _app(ctx)
    tz = ZoneInfo(app.settings.office.timezone)
    today = app.clock.now().astimezone(tz).date()
    start = _date(first, "--from") if first else date(today.year, 1, 1)
    end = _date(until, "--to") if until else date(today.year + 1, 1, 1)
    with session_scope(app.sessions) as db:
        rows = list_outages(db, start, end, tz, check)
        out = [
            {
                "id": o.id,
                "check": o.check_name,
                "start": o.start.astimezone(tz).isoformat(),
                "end": o.end.astimezone(tz).isoformat() if o.end else None,
                "cause": cause,
                "original_cause": o.cause,
                "source": o.source,
                "note": o.note,
                "reclassifications": [
                    {
                        "at": r.at.astimezone(tz).isoformat(),
                        "by": r.actor,
                        "from": r.from_cause,
                        "to": r.to_cause,
                        "reason": r.reason,
                    }
                    for r in history
                ],
            }
            for o, cause, history in rows
        ]
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for item in out:
        click.echo(
            f"#{item['id']}\t{item['check']}\t{item['start']}\t{item['end'] or 'open'}\t"
            f"{item['cause']}\t{item['note']}"
        )


@outages_group.command("reclassify")
@click.argument("outage_id", type=int)
@click.option("--cause", required=True)
@click.option("--reason", required=True, help="Why (kept with the record).")
@click.option("--by", default=None)
@pass_ctx
def outages_reclassify(ctx: Ctx, outage_id: int, cause: str, reason: str, by: str | None) -> None:
    """Change an outage's cause; the original and every earlier decision are kept."""
    from checks.availability.entry import reclassify
    from itops import auth
    from itops.db.session import session_scope

    app = _app(ctx)
    now = app.clock.now()
    with session_scope(app.sessions) as db:
        record = reclassify(db, outage_id, cause, _actor(by), reason, now)
        auth.audit(
            db,
            now,
            _actor(by),
            "outage_reclassified",
            f"#{outage_id} {record.from_cause}→{record.to_cause}: {record.reason}",
        )
    click.echo(f"outage #{outage_id}: {record.from_cause} → {record.to_cause}")


@click.group("maintenance")
def maintenance_group() -> None:
    """Planned maintenance windows (also possible as [[maintenance]] in the config)."""


@maintenance_group.command("add")
@click.option("--name", required=True)
@click.option("--check", "checks", multiple=True, help="Check name (repeat); none = all.")
@click.option("--unit", default=None)
@click.option("--start", default=None, help="One-off: local or offset ISO time.")
@click.option("--end", default=None)
@click.option("--weekdays", default=None, help="Recurring: e.g. sunday,saturday.")
@click.option("--hours", default=None, help='Recurring: local "HH:MM-HH:MM".')
@click.option("--valid-from", default=None)
@click.option("--valid-until", default=None)
@click.option("--silence-alerts/--no-silence-alerts", default=True)
@click.option("--exclude/--no-exclude", "exclude", default=True, help="Exclude from availability.")
@click.option("--note", default="")
@click.option("--by", default=None)
@pass_ctx
def maintenance_add(
    ctx: Ctx,
    name: str,
    checks: tuple[str, ...],
    unit: str | None,
    start: str | None,
    end: str | None,
    weekdays: str | None,
    hours: str | None,
    valid_from: str | None,
    valid_until: str | None,
    silence_alerts: bool,
    exclude: bool,
    note: str,
    by: str | None,
) -> None:
    """Declare a maintenance window ahead (one-off or recurring, local time)."""
    from checks.availability.models import MaintenanceWindow
    from itops import auth
    from itops.db.session import session_scope

    app = _app(ctx)
    settings = app.settings
    tz = ZoneInfo(settings.office.timezone)
    unknown = sorted(set(checks) - {c.name for c in settings.section(CHECKS)})
    if unknown:
        raise ValidationError(f"unknown checks: {', '.join(unknown)}")
    if unit is not None and unit not in settings.unit_names():
        raise ValidationError(f'unknown unit "{unit}"')
    one_off = start is not None or end is not None
    recurring = weekdays is not None or hours is not None
    if one_off == recurring:
        raise ValidationError("give --start/--end (one-off) or --weekdays/--hours (recurring)")
    begin = finish = None
    days = ""
    if one_off:
        begin, finish = _one_off(start, end, tz)
    else:
        days = _recurring(weekdays, hours)
    vf = _date(valid_from, "--valid-from") if valid_from else None
    vu = _date(valid_until, "--valid-until") if valid_until else None
    now = app.clock.now()
    with session_scope(app.sessions) as db:
        row = MaintenanceWindow(
            name=name,
            check_names=",".join(checks),
            unit_id=unit,
            start=begin,
            end=finish,
            weekdays=days,
            hours=hours if recurring else None,
            valid_from=vf,
            valid_until=vu,
            silence_alerts=silence_alerts,
            exclude_from_availability=exclude,
            note=note,
            created_at=now,
            created_by=_actor(by),
        )
        db.add(row)
        db.flush()
        auth.audit(db, now, _actor(by), "maintenance_added", f"#{row.id} {name}")
        window_id = row.id
    click.echo(f"maintenance window #{window_id} added")


def _one_off(start: str | None, end: str | None, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A one-off window's ``--start``/``--end`` (local unless they carry an offset), UTC."""
    if not start or not end:
        raise ValidationError("a one-off window needs --start and --end")
    try:
        begin, finish = (datetime.fromisoformat(v) for v in (start, end))
    except ValueError:
        raise ValidationError("--start/--end must be ISO 8601 times") from None
    begin = (begin if begin.tzinfo else begin.replace(tzinfo=tz)).astimezone(UTC)
    finish = (finish if finish.tzinfo else finish.replace(tzinfo=tz)).astimezone(UTC)
    if finish <= begin:
        raise ValidationError("--end must be after --start")
    return begin, finish


def _recurring(weekdays: str | None, hours: str | None) -> str:
    """A recurring window's ``--weekdays`` as stored ("6,5"), its ``--hours`` checked."""
    if not weekdays or not hours:
        raise ValidationError("a recurring window needs --weekdays and --hours")
    names = [w.strip().lower() for w in weekdays.split(",") if w.strip()]
    bad = [w for w in names if w not in WEEKDAYS]
    if bad:
        raise ValidationError(f"unknown weekdays: {', '.join(bad)}")
    days = ",".join(str(WEEKDAYS.index(w)) for w in names)
    try:
        parse_time_range(hours)
    except ValueError as exc:
        raise ValidationError(f"--hours: {exc}") from None
    return days


@maintenance_group.command("list")
@pass_ctx
def maintenance_list(ctx: Ctx) -> None:
    """Every window, from the config and from the database."""
    from checks.availability.maintenance import load_windows
    from itops.db.session import session_scope

    app = _app(ctx)
    tz = ZoneInfo(app.settings.office.timezone)
    with session_scope(app.sessions) as db:
        windows = load_windows(app.settings, db)
    for w in windows:
        if w.one_off is not None:
            when = (
                f"{w.one_off.start.astimezone(tz).isoformat(timespec='minutes')} – "
                f"{w.one_off.end.astimezone(tz).isoformat(timespec='minutes')}"
            )
        else:
            assert w.hours is not None  # noqa: S101
            days = ",".join(WEEKDAYS[d] for d in sorted(w.weekdays))
            when = f"{days} {w.hours[0]:%H:%M}-{w.hours[1]:%H:%M}"
        scope = ",".join(sorted(w.checks)) or f"all checks of {w.unit or 'every unit'}"
        flags = []
        if w.silence_alerts:
            flags.append("silences alerts")
        if w.exclude_from_availability:
            flags.append("excluded from availability")
        name = text_for(w.name, app.settings.web.language)
        click.echo(f"{w.source}\t{name}\t{when}\t{scope}\t{'; '.join(flags)}")
