"""``itops kpi`` as text: the three KPIs in a few lines, the lists behind them on request.

Why a module of its own: the short answer is what an IT officer reads before signing, so
it says what the JSON cannot say in a number: that a year still running is not a whole
year ("stan na 02.12.2026 (rok niepełny)"), that a ratio without a denominator cannot be
decided, and, in Polish, with Polish numbers and dates (Babel, ``pl_PL``). The JSON of
``itops kpi --json`` stays ``reports.data.Kpi`` as it is; nothing here computes a figure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from babel.dates import format_date

from itops import formats
from reports.data import Kpi, KpiAsset

LOCALES = {"pl": "pl_PL", "en": "en_GB"}
DAY_FORMATS = {"pl": "dd.MM.yyyy", "en": "d MMM y"}

TEXTS: dict[str, dict[str, str]] = {
    "pl": {
        "head": "Wskaźniki procesu „Obsługa informatyczna” za rok {year}",
        "partial": "stan na {day} (rok niepełny)",
        "not_started": "rok jeszcze się nie rozpoczął",
        "kpi1": "1. Dostępność systemów w godzinach pracy urzędu: {value} (cel: {target})",
        "kpi1_time": "   niedostępność {down} min na {working} min czasu pracy",
        "kpi1_none": "   brak obserwowanego czasu pracy w okresie (itops wtedy nie monitorował "
        "systemów): wskaźnika nie da się ustalić",
        "kpi1_manual": "   wyłącznie na podstawie awarii wpisanych ręcznie (itops wtedy nie "
        "monitorował systemów)",
        "kpi2": "2. Naprawy z wymianą podzespołów lub reinstalacją: "
        "{value} = {count} / {total} urządzeń (cel: poniżej {target})",
        "kpi3": "3. Zakupione komputery: {value} = {count} / {total} komputerów "
        "(cel: co najmniej {target})",
        "met": "cel osiągnięty",
        "not_met": "cel nieosiągnięty",
        "unknown": "nie do ustalenia",
        "no_data": "brak danych",
        "hint": "Protokoły i listy sprzętu: itops kpi --year {year} --details",
        "protocols": "Protokoły napraw liczone do wskaźnika 2 ({n}):",
        "equipment": "Sprzęt w użyciu na {day} – mianownik wskaźnika 2 ({n}):",
        "purchased": "Komputery zakupione w roku – licznik wskaźnika 3 ({n}):",
        "computers": "Komputery w użyciu na {day} – mianownik wskaźnika 3 ({n}):",
        "bought": "zakup {day}",
        "retired": "wycofany {day}",
        "none": "  (brak)",
    },
    "en": {
        "head": "KPIs of the process “Obsługa informatyczna” (IT services) for {year}",
        "partial": "as of {day} (year in progress)",
        "not_started": "the year has not started yet",
        "kpi1": "1. Availability of systems in the office's working hours: {value} "
        "(target: {target})",
        "kpi1_time": "   downtime {down} min of {working} working min",
        "kpi1_none": "   no watched working time in the period (itops was not monitoring "
        "the systems): the KPI cannot be determined",
        "kpi1_manual": "   from outages entered by hand only (itops was not monitoring "
        "the systems then)",
        "kpi2": "2. Repairs with component replacement or reinstallation: "
        "{value} = {count} / {total} devices (target: below {target})",
        "kpi3": "3. Computers purchased: {value} = {count} / {total} computers "
        "(target: at least {target})",
        "met": "target met",
        "not_met": "target not met",
        "unknown": "cannot be determined",
        "no_data": "no data",
        "hint": "Protocols and equipment lists: itops kpi --year {year} --details",
        "protocols": "Repair protocols counted by KPI 2 ({n}):",
        "equipment": "Equipment in service on {day} – KPI 2 denominator ({n}):",
        "purchased": "Computers purchased in the year – KPI 3 numerator ({n}):",
        "computers": "Computers in service on {day} – KPI 3 denominator ({n}):",
        "bought": "bought {day}",
        "retired": "retired {day}",
        "none": "  (none)",
    },
}


class KpiText:
    """Formats one ``Kpi`` in one language (``pl`` or ``en``)."""

    def __init__(self, lang: str, label: Callable[[str], str] | None = None) -> None:
        self.lang = lang if lang in TEXTS else "pl"
        self.locale = LOCALES[self.lang]
        self.t = TEXTS[self.lang]
        self.label = label or (lambda key: key)

    def num(self, value: float, digits: int) -> str:
        return formats.number(value, self.lang, digits)

    def pct(self, ratio: float | None, digits: int = 2, floor: bool = False) -> str:
        """A ratio as a percentage; ``floor`` so that an unmet 100% never prints as 100%."""
        if ratio is None:
            return self.t["no_data"]
        return formats.percent(ratio, self.lang, digits, floor=floor)

    def target(self, ratio: float) -> str:
        return formats.percent_g(ratio, self.lang)

    def day(self, value: date | str | None) -> str:
        if value is None:
            return "—"
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(day, DAY_FORMATS[self.lang], locale=self.locale)

    def verdict(self, met: bool | None) -> str:
        if met is None:
            return self.t["unknown"]
        return self.t["met"] if met else self.t["not_met"]

    def header(self, year: int, as_of: date | None, started: bool = True) -> str:
        head = self.t["head"].format(year=year)
        if not started:
            return f"{head} – {self.t['not_started']}"
        if as_of is not None:
            return f"{head} – {self.t['partial'].format(day=self.day(as_of))}"
        return head

    def short(
        self, kpi: Kpi, as_of: date | None, started: bool = True, hint: bool = True
    ) -> list[str]:
        """The three KPIs (value, target, met) in a few lines."""
        t, av, rep, pur = self.t, kpi.availability, kpi.repairs, kpi.purchases
        lines = [self.header(kpi.year, as_of, started)]
        if av.working_seconds > 0 and av.availability is not None:
            lines.append(
                t["kpi1"].format(
                    value=self.pct(av.availability, 4, floor=True), target=self.target(av.target)
                )
                + " – "
                + self.verdict(av.met)
            )
            lines.append(
                t["kpi1_time"].format(
                    down=self.num(av.downtime_seconds / 60, 1),
                    working=self.num(av.working_seconds / 60, 1),
                )
            )
            if av.basis == "manual":
                lines.append(t["kpi1_manual"])
        else:
            lines.append(
                t["kpi1"].format(value=t["no_data"], target=self.target(av.target))
                + " – "
                + self.verdict(None)
            )
            lines.append(t["kpi1_none"])
        lines.append(
            t["kpi2"].format(
                value=self.pct(rep.ratio),
                count=rep.count,
                total=rep.equipment,
                target=self.target(rep.target),
            )
            + " – "
            + self.verdict(rep.met)
        )
        lines.append(
            t["kpi3"].format(
                value=self.pct(pur.ratio),
                count=pur.count,
                total=pur.computers,
                target=self.target(pur.target),
            )
            + " – "
            + self.verdict(pur.met)
        )
        if hint:
            lines.append(t["hint"].format(year=kpi.year))
        return lines

    def _asset(self, a: KpiAsset) -> str:
        parts = [
            a.inventory_no or "—",
            self.label(a.category),
            self.t["bought"].format(day=self.day(a.purchased_on)),
        ]
        if a.retired_on:
            parts.append(self.t["retired"].format(day=self.day(a.retired_on)))
        return "  " + "  ".join(parts)

    def _section(self, title: str, rows: list[str]) -> list[str]:
        return [title, *(rows or [self.t["none"]])]

    def details(self, kpi: Kpi) -> list[str]:
        """The repair protocols and equipment lists behind KPIs 2 and 3."""
        t, rep, pur = self.t, kpi.repairs, kpi.purchases
        last = self.day(date(kpi.year, 12, 31))
        protocols = [
            f"  {self.day(p.date)}  {p.number}  {p.inventory_no or '—'}  {self.label(p.kind)}"
            for p in rep.protocols
        ]
        return [
            *self._section(t["protocols"].format(n=len(rep.protocols)), protocols),
            *self._section(
                t["equipment"].format(day=last, n=len(rep.equipment_list)),
                [self._asset(a) for a in rep.equipment_list],
            ),
            *self._section(
                t["purchased"].format(n=len(pur.purchased_list)),
                [self._asset(a) for a in pur.purchased_list],
            ),
            *self._section(
                t["computers"].format(day=last, n=len(pur.computers_list)),
                [self._asset(a) for a in pur.computers_list],
            ),
        ]
