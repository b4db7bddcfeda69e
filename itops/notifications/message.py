"""What a notification says: a pure function of the event, the settings and the calendar.

Texts are Polish (the office's language). A recovery (outage closed, backup recovered)
reports how long the problem lasted in total and how much of that fell within the office's
working hours, computed from the event's ``start``/``end`` with the office calendar.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itops import events as ev
from itops import formats
from itops.config import OFFICE_UNIT, Settings
from itops.messages import render
from itops.status import Status

KIND_LABELS: dict[str, str] = {
    ev.OUTAGE_OPENED: "Awaria",
    ev.OUTAGE_CLOSED: "Koniec awarii",
    ev.BACKUP_NONCOMPLIANT: "Kopia zapasowa niezgodna z wymaganiami",
    ev.BACKUP_RECOVERED: "Kopia zapasowa znów zgodna",
    ev.ANTIVIRUS_NONCOMPLIANT: "Ochrona antywirusowa niezgodna z wymaganiami",
    ev.CERTIFICATE_EXPIRING: "Certyfikat TLS wkrótce wygasa",
    ev.MONITORING_GAP: "Przerwa w monitorowaniu",
    ev.REGISTER_ANCHOR: "Kotwica rejestru monitoringu §82",
    ev.TONER_ORDER: "Zamów toner",
    ev.CHECK_WARNING: "Ostrzeżenie",
    ev.CHECK_RECOVERED: "Koniec ostrzeżenia",
    "test": "Test powiadomień",
}

STATUS_LABELS: dict[Status, str] = {
    Status.OK: "OK",
    Status.WARNING: "OSTRZEŻENIE",
    Status.CRITICAL: "KRYTYCZNY",
    Status.UNKNOWN: "NIEZNANY",
}

RECOVERY_KINDS = frozenset({ev.OUTAGE_CLOSED, ev.BACKUP_RECOVERED, ev.CHECK_RECOVERED})

FAMILIES: dict[str, str] = {
    ev.OUTAGE_OPENED: "outage",
    ev.OUTAGE_CLOSED: "outage",
    ev.BACKUP_NONCOMPLIANT: "backup",
    ev.BACKUP_RECOVERED: "backup",
    ev.ANTIVIRUS_NONCOMPLIANT: "antivirus",
    ev.CERTIFICATE_EXPIRING: "certificate",
    ev.MONITORING_GAP: "monitoring_gap",
    ev.REGISTER_ANCHOR: "register_anchor",
    ev.TONER_ORDER: "toner",
    ev.CHECK_WARNING: "check_warning",
    ev.CHECK_RECOVERED: "check_warning",
}


def family(kind: str) -> str:
    """Problem and recovery of one thing share a family (and a de-duplication key)."""
    return FAMILIES.get(kind, kind)


@dataclass(frozen=True)
class Message:
    """One rendered notification: e-mail subject and body plus the webhook JSON payload."""

    subject: str
    body: str
    payload: dict[str, Any]


def event_unit(event: ev.Event, settings: Settings) -> str:
    """The organisational unit whose calendar applies (the office's when unknown)."""
    unit = event.data.get("unit")
    return unit if isinstance(unit, str) and unit in settings.unit_names() else OFFICE_UNIT


def _as_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None


def format_seconds(seconds: float) -> str:
    """``"2 h 05 min"``, ``"12 min 30 s"``, ``"45 s"`` — readable by a person, not a parser."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s" if secs else f"{minutes} min"
    return f"{secs} s"


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False))


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Status):
        return value.name
    return str(value)


def build_message(event: ev.Event, settings: Settings) -> Message:
    """Render ``event`` for people (subject, body) and for machines (payload)."""
    unit = event_unit(event, settings)
    calendar = settings.calendar(unit)
    tz = calendar.tz
    label = KIND_LABELS.get(event.kind, event.kind)
    recovery = event.kind in RECOVERY_KINDS
    state = "" if recovery else f" [{STATUS_LABELS[Status(event.status)]}]"
    subject = f"[itops]{state} {label}: {event.subject}"
    lines = [
        f"{label}: {event.subject}",
        f"Stan: {STATUS_LABELS[Status(event.status)]}",
        f"Czas zdarzenia: {formats.moment(event.at, tz.key, 'pl')} ({tz.key})",
        "",
        render(event.summary, "pl"),
    ]
    start = _as_datetime(event.data.get("start"))
    end = _as_datetime(event.data.get("end"))
    duration: float | None = None
    working: float | None = None
    if start is not None:
        lines += ["", f"Początek: {formats.moment(start, tz.key, 'pl')}"]
    if start is not None and end is not None and end >= start:
        duration = (end - start).total_seconds()
        working = calendar.working_seconds(start, end)
        lines += [
            f"Koniec: {formats.moment(end, tz.key, 'pl')}",
            f"Czas trwania: {format_seconds(duration)}",
            f"W tym w godzinach pracy urzędu: {format_seconds(working)}",
        ]
    names = settings.unit_names()
    lines += ["", "--", f"itops, {names[OFFICE_UNIT]}"]
    if unit != OFFICE_UNIT:
        lines.append(f"Jednostka: {names[unit]}")
    payload: dict[str, Any] = {
        "source": "itops",
        "office": names[OFFICE_UNIT],
        "unit": unit,
        "kind": event.kind,
        "recovery": recovery,
        "subject": event.subject,
        "status": Status(event.status).name,
        "at": event.at.isoformat(),
        "summary": render(event.summary, "pl"),
        "message": event.summary.to_json(),
        "title": subject,
        "text": "\n".join(lines),
        "duration_seconds": duration,
        "working_hours_seconds": working,
        "data": _json_safe(event.data),
    }
    return Message(subject=subject, body="\n".join(lines) + "\n", payload=payload)
