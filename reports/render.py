"""The annual report as one HTML page (Jinja2) and as a PDF (WeasyPrint).

1. ``conclusions`` writes one sentence per KPI (for a missed target, the facts behind
   it); ``reports.annual.collect`` stores them in the report, so the JSON and the page
   say the same.
2. ``render_html`` turns a ``reports.data.AnnualReport`` into one self-contained page
   (autoescaped, inline CSS and SVG, no external resource); ``render_pdf`` prints it.
   Templates read the frozen dataclass tree, never an ORM object.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from itops import formats
from itops.charts import bar_chart
from itops.config import OFFICE_UNIT
from reports.data import AnnualReport, CheckFigures, Conclusion, Kpi, OutageFigures
from reports.i18n import REPORT

TEMPLATES = Path(__file__).parent / "templates"

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


def translator(lang: str) -> Callable[[str], str]:
    if lang != "en":
        return lambda text: text
    return lambda text: REPORT.get(text, text)


class Fmt:
    """Numbers and dates as the report prints them, in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.decimal = "." if lang == "en" else ","
        self._ = translator(lang)

    def num(self, value: float, digits: int = 1) -> str:
        return formats.number(value, self.lang, digits)

    def pct(self, value: float | None, digits: int = 2) -> str:
        return formats.percent(value, self.lang, digits)

    def pct_floor(self, value: float | None, digits: int = 4) -> str:
        """Rounded down, so an unmet 100% target never prints as 100%."""
        return formats.percent(value, self.lang, digits, floor=True)

    def minutes(self, seconds: float) -> str:
        return self.num(seconds / 60, 1) + " min"

    def hours(self, seconds: float) -> str:
        return self.num(seconds / 3600, 1) + " h"

    def when(self, iso: str | None) -> str:
        """``10.03.2026 08:00`` (office time, as the data holds it); ISO stays in the JSON."""
        if not iso:
            return "—"
        return formats.wall(datetime.fromisoformat(iso), self.lang)

    def span(self, start: str, end: str | None) -> str:
        """``10.03.2026 08:00 – 09:15`` (the end's date only when it differs)."""
        first = self.when(start)
        if not end:
            return f"{first} – {self._('trwa')}"
        last = self.when(end)
        return f"{first} – {last[11:] if last[:10] == first[:10] else last}"

    def day(self, iso: str | None) -> str:
        """``26.11.2026``: the day of an ISO date or moment (office time, as the data holds it)."""
        if not iso:
            return "—"
        return formats.day(date.fromisoformat(iso[:10]), self.lang)

    def yesno(self, value: bool | None) -> str:
        if value is None:
            return self._("brak danych")
        return self._("tak") if value else self._("nie")

    def target(self, value: float) -> str:
        return formats.percent_g(value, self.lang)


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


def _availability_text(
    kpi: Kpi, checks: tuple[CheckFigures, ...], lang: str, units: Mapping[str, str] | None
) -> str:
    f, _ = Fmt(lang), translator(lang)
    av = kpi.availability
    if av.availability is None:
        return _(
            "Dostępności systemów w godzinach pracy urzędu nie da się ustalić (cel {target}): "
            "itops nie monitorował wtedy systemów, a awarii z tego okresu nie wpisano ręcznie."
        ).format(target=f.target(av.target))
    text = _(
        "Dostępność systemów w godzinach pracy urzędu wyniosła {value} przy celu {target}"
    ).format(value=f.pct_floor(av.availability), target=f.target(av.target))
    if av.basis == "manual":
        text += _(
            " (wyłącznie na podstawie awarii wpisanych ręcznie: itops nie monitorował "
            "wtedy systemów)"
        )
        if av.met is None:
            return text + _(": nie da się ustalić, czy cel został osiągnięty.")
    if av.met:
        return text + _(": cel został osiągnięty.")
    facts = []
    counted = [c for c in checks if counts_for_office(c)]
    for c in counted:
        if c.downtime_seconds <= 0:
            continue
        n = c.outages
        if lang == "en":
            what = f"{n} outage{'s' if n != 1 else ''} of {c.name} in working hours"
        else:
            what = (
                f"{n} {_plural(n, 'awaria', 'awarie', 'awarii')} systemu {c.name} w godzinach pracy"
            )
        facts.append(
            _("{what}, łącznie {minutes}").format(what=what, minutes=f.minutes(c.downtime_seconds))
        )
    text += ". " + _("Cel nie został osiągnięty: {facts}").format(facts="; ".join(facts) or "—")
    # The numbers add up on the page: the office's downtime is the counted systems' sum
    # less the time two or more were down at once (counted once); other units' systems
    # have their own figure and are named apart.
    total = sum(c.downtime_seconds for c in counted)
    text += ". " + _(
        "Suma przestojów systemów liczonych do wskaźnika urzędu: {total}; niedostępność "
        "urzędu: {office}"
    ).format(total=f.minutes(total), office=f.minutes(av.downtime_seconds))
    overlap = total - av.downtime_seconds
    if overlap > 0.5:
        text += _(" (przestoje jednoczesne kilku systemów liczone raz: {minutes})").format(
            minutes=f.minutes(overlap)
        )
    others = [c for c in checks if not counts_for_office(c) and c.downtime_seconds > 0]
    if others:
        text += ". " + _("Nie liczą się do wskaźnika urzędu: {systems}").format(
            systems="; ".join(_apart(c, lang, units) for c in others)
        )
    return text + "."


def _apart(c: CheckFigures, lang: str, units: Mapping[str, str] | None) -> str:
    """ "demo-szkola-siec – jednostka Szkoła Podstawowa nr 1, 202,0 min" for the page (a
    unit's name may hold brackets of its own); without ``units`` the JSON's wording with
    the unit's id, as it has always been (tests/golden)."""
    minutes = Fmt(lang).minutes(c.downtime_seconds)
    if units is None:
        return f"{c.name} ({office_reason(c, lang, {})}), {minutes}"
    return f"{c.name} – {office_reason(c, lang, units)}, {minutes}"


def os_unknown_line(n: int, lang: str) -> str:
    """ "Brak danych o systemie dla 98 komputerów": the annex's one line for them."""
    if lang == "en":
        computers = f"{n} computer{'' if n == 1 else 's'}"
        return f"No operating system support data for {computers} (listed in the appendix)."
    what = _plural(n, "komputera", "komputerów", "komputerów")
    return f"Brak danych o systemie dla {n} {what} (lista w dodatku na końcu raportu)."


def counts_for_office(c: CheckFigures) -> bool:
    """Whether the system's downtime counts toward the office's KPI 1 (the office's own
    systems with counts_for_kpi; a school's systems have the school's figure)."""
    return c.counts_for_kpi and c.unit == OFFICE_UNIT


def unit_name(unit: str, units: Mapping[str, str]) -> str:
    """The unit's configured name (``[office] name``, ``[[units]] name``); its id only when
    the config no longer has it. The JSON keeps the id (issue 13)."""
    return units.get(unit, unit)


def office_reason(c: CheckFigures, lang: str, units: Mapping[str, str]) -> str:
    """Why a system does (not) count toward the office's figure, in ``lang``."""
    _ = translator(lang)
    if not c.counts_for_kpi:
        return _("wyłączony w konfiguracji – counts_for_kpi = false")
    if c.unit != OFFICE_UNIT:
        return _("jednostka {unit}").format(unit=unit_name(c.unit, units))
    return _("tak")


def _repairs_text(kpi: Kpi, lang: str) -> str:
    f, _ = Fmt(lang), translator(lang)
    rep = kpi.repairs
    head = _(
        "Naprawy z wymianą podzespołów lub reinstalacją oprogramowania: {count} na {total} "
        "urządzeń ({ratio}) przy celu poniżej {target}"
    ).format(
        count=rep.count, total=rep.equipment, ratio=f.pct(rep.ratio), target=f.target(rep.target)
    )
    if rep.met is None:
        return (
            head
            + ". "
            + _("Brak sprzętu w ewidencji na 31 grudnia: wskaźnika nie da się obliczyć.")
        )
    if rep.met:
        return head + _(": cel został osiągnięty.")
    kinds: dict[str, int] = {}
    for p in rep.protocols:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    detail = ", ".join(f"{_(KIND_NAMES.get(k, k))}: {n}" for k, n in sorted(kinds.items()))
    return (
        head
        + ". "
        + _(
            "Cel nie został osiągnięty: {count} ({detail}) przy {total} urządzeniach w użyciu."
        ).format(
            count=_count(
                rep.count,
                "protokół naprawy",
                "protokoły napraw",
                "protokołów napraw",
                lang,
                "repair protocol",
            ),
            detail=detail,
            total=rep.equipment,
        )
    )


def _purchases_text(kpi: Kpi, lang: str) -> str:
    f, _ = Fmt(lang), translator(lang)
    pur = kpi.purchases
    head = _(
        "Zakupione komputery: {count} przy {total} komputerach w użyciu na 31 grudnia "
        "({ratio}) przy celu {target}"
    ).format(
        count=pur.count, total=pur.computers, ratio=f.pct(pur.ratio), target=f.target(pur.target)
    )
    if pur.met is None:
        return (
            head
            + ". "
            + _("Brak komputerów w ewidencji na 31 grudnia: wskaźnika nie da się obliczyć.")
        )
    if pur.met:
        return head + _(": cel został osiągnięty.")
    needed = math.ceil(pur.target * pur.computers - 1e-9)
    return (
        head
        + ". "
        + _(
            "Cel nie został osiągnięty: do celu brakuje zakupu {missing} "
            "(potrzeba co najmniej {needed})."
        ).format(
            missing=_count(
                max(0, needed - pur.count),
                "komputera",
                "komputerów",
                "komputerów",
                lang,
                "computer",
            ),
            needed=needed,
        )
    )


def conclusions(
    kpi: Kpi,
    checks: tuple[CheckFigures, ...],
    lang: str,
    units: Mapping[str, str] | None = None,
) -> tuple[Conclusion, ...]:
    """One sentence per KPI; for a missed target, the facts behind it. ``units``: the
    configured unit names by id (``Settings.unit_names``) for the page and the PDF; None
    for the JSON, which names units by id (its text is byte-identical to before)."""
    av = _availability_text(kpi, checks, lang, units)
    return (
        Conclusion("availability", kpi.availability.met, av),
        Conclusion("repairs", kpi.repairs.met, _repairs_text(kpi, lang)),
        Conclusion("purchases", kpi.purchases.met, _purchases_text(kpi, lang)),
    )


# --- rendering -----------------------------------------------------------------------------


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True),
        auto_reload=False,
    )


def charts(report: AnnualReport, lang: str) -> dict[str, Markup]:
    f, _ = Fmt(lang), translator(lang)
    months = report.availability.months
    monthly = bar_chart(
        [MONTHS[lang][int(m.month[5:7]) - 1] for m in months],
        [round(m.downtime_seconds / 60, 1) for m in months],
        title=_("Niedostępność systemów w godzinach pracy wg miesięcy"),
        unit=_("minuty w godzinach pracy"),
        decimal=f.decimal,
    )
    ages = report.purchases.fleet_age
    fleet = bar_chart(
        [_(b.label) if lang == "en" else b.label for b in ages],
        [float(b.count) for b in ages],
        title=_("Wiek komputerów w użyciu na 31 grudnia"),
        unit=_("liczba komputerów"),
        decimal=f.decimal,
        color="#5a8a2f",
    )
    # Only our own numbers and labels go into the SVG, each escaped by bar_chart.
    return {"monthly": Markup(monthly), "fleet": Markup(fleet)}  # noqa: S704


def render_html(
    report: AnnualReport, generated_at: datetime, tz: str, units: Mapping[str, str]
) -> str:
    """The report as one self-contained HTML page, in the report's language; ``units``
    are the configured unit names by id (``Settings.unit_names``)."""
    from inventory.public import label as asset_label

    lang = report.meta.lang
    # The outage list is one line per outage, not a table, in the per-system list's order:
    # WeasyPrint lays out every table cell (and every heading) as a box of its own.
    groups: dict[str, list[OutageFigures]] = {}
    for entry in report.availability.outages:
        groups.setdefault(entry.check, []).append(entry)
    outages = [o for c in report.availability.checks for o in groups.pop(c.name, ())]
    outages += [o for rest in groups.values() for o in rest]
    # Computers whose OS support is unknown fill no pages of the annex: one line there,
    # the list in the appendix (issue 13).
    os_support = report.annex.os_support
    os_unknown = [o for o in os_support if o.supported is None]
    return (
        _environment()
        .get_template("report_annual.html")
        .render(
            outages=outages,
            d=report,
            lang=lang,
            _=translator(lang),
            f=Fmt(lang),
            kind_names=KIND_NAMES,
            counts_for_office=counts_for_office,
            office_reason=lambda c: office_reason(c, lang, units),
            unit_name=lambda unit: unit_name(unit, units),
            office_unit=OFFICE_UNIT,
            cause_names=CAUSE_NAMES,
            scope_names=SCOPE_NAMES,
            months=MONTHS[lang],
            # The page names units as configured; the JSON's sentences keep the ids.
            conclusions=conclusions(report.kpi, report.availability.checks, lang, units),
            charts=charts(report, lang),
            label=lambda key: asset_label(key, lang),
            os_known=[o for o in os_support if o.supported is not None],
            os_unknown=os_unknown,
            os_unknown_line=os_unknown_line(len(os_unknown), lang),
            generated_at=formats.wall(generated_at.astimezone(ZoneInfo(tz)), lang),
        )
    )


def weasyprint_html() -> Any:
    """WeasyPrint's ``HTML`` class, imported on first use (about 0.5 s of start-up that
    ``itops`` spends only when it prints a PDF)."""
    import logging

    # WeasyPrint logs each step (its import too) and fontTools each subset at INFO: not
    # the daemon log's news. Set before the import.
    for name in ("weasyprint", "weasyprint.progress", "fontTools"):
        logging.getLogger(name).setLevel(logging.WARNING)
    from weasyprint import HTML

    return HTML


def render_pdf(html: str) -> bytes:
    """Print the HTML with WeasyPrint (Pango; DejaVu fonts carry the Polish letters)."""
    pdf: bytes = weasyprint_html()(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf
