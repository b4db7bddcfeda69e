"""The annual quality report of the process "Obsługa informatyczna": numbers, HTML, PDF.

1. ``collect`` gathers every number through the features' public functions (KPI 1 from
   ``itops.availability``, KPIs 2 and 3 from ``inventory.public``, backups and antivirus
   from ``checks.backups.public``, the register from ``inventory.register.public``) into
   one JSON-ready dict; the KPI object is ``reports.kpi.kpi_object``, the very object
   ``itops kpi --json`` prints, so the report never computes a KPI its own way.
2. ``render_html`` turns it into one self-contained HTML page (Jinja, autoescaped, inline
   CSS and SVG, no external resource); ``render_pdf`` prints that page with WeasyPrint.
3. ``write_annual`` writes ``raport-jakosci-YEAR.{html,pdf,json}``. The JSON holds no
   generation time, so the same year and data give the same file.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session

from itops import __version__
from itops.config import Settings
from itops.db.session import read_scope
from reports.charts import bar_chart
from reports.config import REPORT as REPORT_SECTION
from reports.i18n import REPORT
from reports.kpi import kpi_object, year_availability

if TYPE_CHECKING:
    from itops.intervals import Interval

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
PROCESS = "Obsługa informatyczna"
# Version of the counting rules the numbers follow (KPI 1: working-time intervals, gaps
# neither up nor down; KPI 2/3: ledger on 31 December). Bump when a rule changes.
COUNTING_POLICY = "itops-kpi-2026.1"

MONTHS = {
    "pl": ("sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
KIND_NAMES = {
    "component_replacement": "wymiana podzespołów",
    "reinstall": "reinstalacja oprogramowania",
    "other_repair": "inna naprawa",
    "maintenance": "konserwacja",
}
CAUSE_NAMES = {
    "failure": "awaria",
    "planned": "planowana",
    "external": "zewnętrzna",
    "false_alarm": "fałszywy alarm",
}
SCOPE_NAMES = {
    "computer_content": "zawartość komputera",
    "work_email": "służbowa poczta e-mail",
    "it_resources": "zasoby informatyczne",
    "activity_logs": "dzienniki aktywności",
}


def file_stem(year: int) -> str:
    return f"raport-jakosci-{year}"


def translator(lang: str) -> Callable[[str], str]:
    if lang != "en":
        return lambda text: text
    return lambda text: REPORT.get(text, text)


# --- numbers -------------------------------------------------------------------------------


def _local(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else None


def _interval(value: Interval | None, tz: ZoneInfo) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "start": _local(value.start, tz),
        "end": _local(value.end, tz),
        "seconds": value.seconds,
    }


def collect(session: Session, settings: Settings, year: int, now: datetime) -> dict[str, Any]:
    """Every number of the report for ``year`` (JSON-ready; no generation time)."""
    from checks.backups.public import (
        antivirus_compliance,
        antivirus_year_summary,
        backup_year_summary,
        inventory_computers,
        year_bounds,
    )
    from inventory.public import (
        fleet_age_distribution,
        os_support_status,
        purchase_documents,
        repair_protocols,
        training_counts,
    )
    from inventory.register.public import annual_summary

    tz = ZoneInfo(settings.office.timezone)
    now = now.astimezone(UTC)
    avail = year_availability(session, settings, year, now)
    kpi = kpi_object(session, settings, year, now, availability=avail)
    start, end = year_bounds(settings, year)
    year_end_at = min(end - timedelta(microseconds=1), now)
    year_end_day = date(year, 12, 31)
    today = now.astimezone(tz).date()

    checks = [
        {
            "name": c.name,
            "kind": c.kind,
            "unit": c.unit,
            "counts_for_kpi": c.counts_for_kpi,
            "availability": c.availability,
            "coverage": c.coverage,
            "outages": c.outages,
            "working_seconds": c.working_seconds,
            "excluded_seconds": c.excluded_seconds,
            "downtime_seconds": c.downtime_seconds,
            "unknown_seconds": c.unknown_seconds,
        }
        for c in avail.checks
    ]
    outages = [{**o.to_json(), "unit": o.unit} for o in avail.outages]
    months = [
        {
            "month": m.month.isoformat(),
            "working_seconds": m.working_seconds,
            "excluded_seconds": m.excluded_seconds,
            "downtime_seconds": m.downtime_seconds,
            "availability": m.availability,
        }
        for m in avail.months
    ]
    purchased = kpi["purchases"]["purchased_list"]
    docs = purchase_documents(session, [a["inventory_no"] for a in purchased if a["inventory_no"]])
    backups = [
        {
            "name": b.name,
            "kind": b.kind,
            "unit": b.unit_id,
            "watched_seconds": b.watched_seconds,
            "unknown_seconds": b.unknown_seconds,
            "noncompliant_seconds": b.noncompliant_seconds,
            "compliant_share": b.compliant_share,
            "noncompliant_periods": b.noncompliant_periods,
            "longest_noncompliant": _interval(b.longest_noncompliant, tz),
            "last_verification_at": _local(b.last_verification_at, tz),
            "last_verification_ok": b.last_verification_ok,
            "restore_tests": b.restore_tests,
            "restore_tests_failed": b.restore_tests_failed,
            "last_restore_test_at": _local(b.last_restore_test_at, tz),
        }
        for b in backup_year_summary(session, settings, year, now)
    ]
    expected = inventory_computers(session, settings, year_end_at)
    av_year = antivirus_year_summary(session, settings, year, now, expected)
    av_now = antivirus_compliance(session, settings, now, inventory_computers(session, settings,
                                                                              now))
    register = asdict(annual_summary(session, settings, year))
    register["acts_per_month"] = {str(k): v for k, v in register["acts_per_month"].items()}
    os_rows = os_support_status(session, settings, today)
    return {
        "meta": {
            "year": year,
            "office": settings.office.name,
            "process": PROCESS,
            "category": "wspomagający",
            "process_owner": settings.office.process_owner,
            "organisational_unit": settings.office.organisational_unit,
            "period": {"from": date(year, 1, 1).isoformat(), "to": year_end_day.isoformat()},
            "itops_version": __version__,
            "counting_policy": COUNTING_POLICY,
            "prepared_by": settings.section(REPORT_SECTION).prepared_by,
            "approved_by": settings.section(REPORT_SECTION).approved_by,
        },
        "kpi": kpi,
        "availability": {
            "checks": checks,
            "months": months,
            "outages": outages,
            "gaps": [
                {"check": c.name, "unknown_seconds": c.unknown_seconds,
                 "coverage": c.coverage}
                for c in avail.checks
                if c.unknown_seconds > 0
            ],
        },
        "repairs": {
            "protocols": [
                {
                    "number": p.number,
                    "date": p.repaired_on.isoformat(),
                    "inventory_no": p.inventory_no,
                    "category": p.category,
                    "kind": p.kind,
                    "counted": p.counted,
                }
                for p in repair_protocols(session, settings, year)
            ],
        },
        "purchases": {
            "purchased": [
                {**a, "document": docs.get(a["inventory_no"] or "", "")} for a in purchased
            ],
            "fleet_age": [
                {"label": b.label, "min_years": b.min_years, "max_years": b.max_years,
                 "count": b.count}
                for b in fleet_age_distribution(session, settings, year_end_day)
            ],
        },
        "backups": backups,
        "antivirus": {
            "hosts": av_year.hosts,
            "tracked_seconds": av_year.tracked_seconds,
            "out_seconds": av_year.out_seconds,
            "compliant_share": av_year.compliant_share,
            "longest_out": [
                {
                    "host": h.host,
                    "out_seconds": h.out_seconds,
                    "compliant_share": h.compliant_share,
                    "longest": _interval(h.longest_out, tz),
                }
                for h in av_year.longest_out
            ],
        },
        "register": register,
        "trainings": asdict(training_counts(session, year)),
        "annex": {
            "backups": [
                {"name": b["name"], "last_verification_at": b["last_verification_at"],
                 "last_verification_ok": b["last_verification_ok"]}
                for b in backups
            ],
            "antivirus": {
                "expected": av_now.expected,
                "compliant": av_now.compliant,
                "ratio": av_now.ratio,
            },
            "register_chain": {
                "verified": register["chain_verified"],
                "head_seq": register["head_seq"],
                "head_hash": register["head_hash"],
            },
            "os_support": [
                {
                    "hostname": o.hostname,
                    "inventory_no": o.inventory_no,
                    "os": o.os,
                    "end_of_support": o.end_of_support.isoformat() if o.end_of_support else None,
                    "supported": o.supported,
                }
                for o in os_rows
            ],
        },
    }


# --- formatting ----------------------------------------------------------------------------


class Fmt:
    """Numbers and dates as the report prints them, in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.decimal = "." if lang == "en" else ","
        self._ = translator(lang)

    def num(self, value: float, digits: int = 1) -> str:
        text = f"{value:,.{digits}f}".replace(",", " ")
        return text.replace(".", self.decimal)

    def pct(self, value: float | None, digits: int = 2) -> str:
        if value is None:
            return self._("brak danych")
        return f"{value * 100:.{digits}f}".replace(".", self.decimal) + "%"

    def pct_floor(self, value: float | None, digits: int = 4) -> str:
        """Rounded down, so an unmet 100% target never prints as 100%."""
        if value is None:
            return self._("brak danych")
        scale = 10**digits
        floored = math.floor(value * 100 * scale + 1e-9) / scale
        return f"{floored:.{digits}f}".replace(".", self.decimal) + "%"

    def minutes(self, seconds: float) -> str:
        return self.num(seconds / 60, 1) + " min"

    def hours(self, seconds: float) -> str:
        return self.num(seconds / 3600, 1) + " h"

    def when(self, iso: str | None) -> str:
        if not iso:
            return "—"
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")

    def span(self, start: str, end: str | None) -> str:
        """``2026-03-10 08:00 – 09:15`` (the end's date only when it differs)."""
        first = self.when(start)
        if not end:
            return f"{first} – {self._('trwa')}"
        last = self.when(end)
        return f"{first} – {last[11:] if last[:10] == first[:10] else last}"

    def yesno(self, value: bool | None) -> str:
        if value is None:
            return self._("brak danych")
        return self._("tak") if value else self._("nie")

    def target(self, value: float) -> str:
        text = f"{value * 100:g}".replace(".", self.decimal)
        return text + "%"


def _plural(n: int, one: str, few: str, many: str) -> str:
    """Polish plural form for ``n``."""
    if n == 1:
        return one
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return few
    return many


def _count(n: int, one: str, few: str, many: str, lang: str, english: str) -> str:
    if lang == "en":
        return f"{n} {english}{'' if n == 1 else 's'}"
    return f"{n} {_plural(n, one, few, many)}"


def conclusions(data: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """One sentence per KPI; for a missed target, the facts behind it."""
    f, _ = Fmt(lang), translator(lang)
    kpi = data["kpi"]
    out: list[dict[str, Any]] = []

    av = kpi["availability"]
    text = _(
        "Dostępność systemów w godzinach pracy urzędu wyniosła {value} przy celu {target}"
    ).format(value=f.pct_floor(av["availability"]), target=f.target(av["target"]))
    if av["met"]:
        text += _(": cel został osiągnięty.")
    else:
        facts = []
        for c in data["availability"]["checks"]:
            if not c["counts_for_kpi"] or c["downtime_seconds"] <= 0:
                continue
            n = c["outages"]
            if lang == "en":
                what = f"{n} outage{'s' if n != 1 else ''} of {c['name']} in working hours"
            else:
                what = f"{n} {_plural(n, 'awaria', 'awarie', 'awarii')} systemu {c['name']} " \
                    "w godzinach pracy"
            facts.append(_("{what}, łącznie {minutes}").format(
                what=what, minutes=f.minutes(c["downtime_seconds"])))
        text += ". " + _("Cel nie został osiągnięty: {facts}").format(
            facts="; ".join(facts) or "—")
        text += _(" (niedostępność urzędu: {minutes}).").format(
            minutes=f.minutes(av["downtime_seconds"]))
    out.append({"kpi": "availability", "met": av["met"], "text": text})

    rep = kpi["repairs"]
    head = _("Naprawy z wymianą podzespołów lub reinstalacją oprogramowania: {count} na {total} "
             "urządzeń ({ratio}) przy celu poniżej {target}").format(
        count=rep["count"], total=rep["equipment"], ratio=f.pct(rep["ratio"]),
        target=f.target(rep["target"]))
    if rep["met"] is None:
        text = head + ". " + _("Brak sprzętu w ewidencji na 31 grudnia: wskaźnika nie da się "
                               "obliczyć.")
    elif rep["met"]:
        text = head + _(": cel został osiągnięty.")
    else:
        kinds: dict[str, int] = {}
        for p in rep["protocols"]:
            kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
        detail = ", ".join(f"{_(KIND_NAMES.get(k, k))}: {n}" for k, n in sorted(kinds.items()))
        text = head + ". " + _("Cel nie został osiągnięty: {count} ({detail}) "
                               "przy {total} urządzeniach w użyciu.").format(
            count=_count(rep["count"], "protokół naprawy", "protokoły napraw",
                         "protokołów napraw", lang, "repair protocol"),
            detail=detail, total=rep["equipment"])
    out.append({"kpi": "repairs", "met": rep["met"], "text": text})

    pur = kpi["purchases"]
    head = _("Zakupione komputery: {count} przy {total} komputerach w użyciu na 31 grudnia "
             "({ratio}) przy celu {target}").format(
        count=pur["count"], total=pur["computers"], ratio=f.pct(pur["ratio"]),
        target=f.target(pur["target"]))
    if pur["met"] is None:
        text = head + ". " + _("Brak komputerów w ewidencji na 31 grudnia: wskaźnika nie da się "
                               "obliczyć.")
    elif pur["met"]:
        text = head + _(": cel został osiągnięty.")
    else:
        needed = math.ceil(pur["target"] * pur["computers"] - 1e-9)
        text = head + ". " + _("Cel nie został osiągnięty: do celu brakuje zakupu {missing} "
                               "(potrzeba co najmniej {needed}).").format(
            missing=_count(max(0, needed - pur["count"]), "komputera", "komputerów",
                           "komputerów", lang, "computer"),
            needed=needed)
    out.append({"kpi": "purchases", "met": pur["met"], "text": text})
    return out


# --- rendering -----------------------------------------------------------------------------


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True),
        auto_reload=False,
    )


def charts(data: dict[str, Any], lang: str) -> dict[str, Markup]:
    f, _ = Fmt(lang), translator(lang)
    months = data["availability"]["months"]
    monthly = bar_chart(
        [MONTHS[lang][int(m["month"][5:7]) - 1] for m in months],
        [round(m["downtime_seconds"] / 60, 1) for m in months],
        title=_("Niedostępność systemów w godzinach pracy wg miesięcy"),
        unit=_("minuty w godzinach pracy"),
        decimal=f.decimal,
    )
    ages = data["purchases"]["fleet_age"]
    fleet = bar_chart(
        [_(b["label"]) if lang == "en" else b["label"] for b in ages],
        [float(b["count"]) for b in ages],
        title=_("Wiek komputerów w użyciu na 31 grudnia"),
        unit=_("liczba komputerów"),
        decimal=f.decimal,
        color="#5a8a2f",
    )
    # Only our own numbers and labels go into the SVG, each escaped by bar_chart.
    return {"monthly": Markup(monthly), "fleet": Markup(fleet)}  # noqa: S704


def render_html(data: dict[str, Any], lang: str, generated_at: datetime, tz: str) -> str:
    """The report as one self-contained HTML page."""
    env = _environment()
    f = Fmt(lang)
    # The outage list is lines grouped by system, not a table: a 5,000-outage year is
    # twice as fast to print this way (WeasyPrint lays out every table cell on its own).
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in data["availability"]["outages"]:
        groups.setdefault(entry["check"], []).append(entry)
    order = [c["name"] for c in data["availability"]["checks"]]
    outage_groups = [(name, groups[name]) for name in order if name in groups]
    return env.get_template("report_annual.html").render(
        outage_groups=outage_groups,
        d=data,
        lang=lang,
        _=translator(lang),
        f=f,
        kind_names=KIND_NAMES,
        cause_names=CAUSE_NAMES,
        scope_names=SCOPE_NAMES,
        months=MONTHS[lang],
        conclusions=conclusions(data, lang),
        charts=charts(data, lang),
        generated_at=generated_at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M"),
    )


def render_pdf(html: str) -> bytes:
    """Print the HTML with WeasyPrint (Pango; DejaVu fonts carry the Polish letters)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf


def write_annual(
    app: Any, year: int, out_dir: Path, lang: str = "pl", pdf: bool = True
) -> list[Path]:
    """Write ``raport-jakosci-YEAR.html`` / ``.pdf`` / ``.json`` into ``out_dir``."""
    settings: Settings = app.settings
    now = app.clock.now()
    with read_scope(app.sessions) as db:
        data = collect(db, settings, year, now)
    data["meta"]["lang"] = lang
    data["conclusions"] = conclusions(data, lang)
    html = render_html(data, lang, now, settings.office.timezone)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / file_stem(year)
    paths = [stem.with_suffix(".html"), stem.with_suffix(".json")]
    paths[0].write_text(html, encoding="utf-8")
    paths[1].write_text(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    if pdf:
        path = stem.with_suffix(".pdf")
        path.write_bytes(render_pdf(html))
        paths.insert(1, path)
    logger.info("annual report %s written to %s", year, out_dir)
    return paths
