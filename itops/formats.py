"""The one formatter: numbers, percentages, money and dates as the reader's language writes them.

Babel with ``pl_PL`` (Polish, the default) or ``en_GB`` (English in British form: 24-hour
clock, day before month). Pages, the PDF report, the §82 list, notifications and message
parameters all come through here, so 99,34% is written one way everywhere. Machine outputs
(JSON, CSV, /metrics) keep ISO dates and plain numbers and do not use this module.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal


def locale(lang: str) -> str:
    return "en_GB" if lang == "en" else "pl_PL"


def _pattern(digits: int) -> str:
    return "#,##0" + ("." + "0" * digits if digits > 0 else "")


def number(value: float, lang: str, digits: int = 1) -> str:
    """``7,98`` / ``7.98``; ``12 345,5`` (Polish groups from five digits, as CLDR says)."""
    return format_decimal(value, _pattern(digits), locale=locale(lang), decimal_quantization=True)


def number_g(value: float, lang: str) -> str:
    """A number with only the digits it has (a target of 0.1 → ``0,1``)."""
    text = f"{value:.10f}".rstrip("0")
    digits = len(text.split(".")[1]) if "." in text else 0
    return number(value, lang, digits)


def percent(ratio: float | None, lang: str, digits: int = 2, *, floor: bool = False) -> str:
    """A ratio (0.99344) as ``99,34%``; ``floor`` rounds down, so an unmet 100% target never
    prints as 100%. None → "brak danych" / "no data"."""
    if ratio is None:
        return "no data" if lang == "en" else "brak danych"
    value = ratio * 100
    if floor:
        scale = 10**digits
        value = math.floor(value * scale + 1e-9) / scale
    return number(value, lang, digits) + "%"


def percent_g(ratio: float, lang: str) -> str:
    """A target ratio with only the digits it has: 0.1 → ``10%``, 0.155 → ``15,5%``."""
    return number_g(round(ratio * 100, 10), lang) + "%"


def age(seconds: float, lang: str) -> str:
    """An age or a duration as officers read it: ``3 d 4 h``, ``5 h 10 min``, ``42 min``,
    ``12 s`` (SI symbols, the same in both languages; whole units only)."""
    del lang  # the symbols are the same in Polish and English
    seconds = max(0.0, seconds)
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def size(value: float, lang: str) -> str:
    """Bytes in binary units: ``512 B``, ``1,5 GiB`` (one decimal, the reader's comma)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{number(value, lang, 0 if unit == 'B' else 1)} {unit}"
        value /= 1024
    return f"{number(value, lang, 1)} TiB"  # pragma: no cover - the loop returns


def money(amount: float, lang: str, currency: str = "PLN") -> str:
    """``790,00 zł`` (Polish), ``PLN 790.00`` (English)."""
    if lang == "en":
        return f"{currency} {number(amount, lang, 2)}"
    return format_currency(amount, currency, locale=locale(lang))


# One way of writing times everywhere: "26.11.2026 14:05" (Polish), "26/11/2026 14:05"
# (English); "medium" adds seconds, where the moment matters (audit log, "as of"). The
# charts' labels are shorter: "day" 26.11.2026, "weekday" "śr. 26.11", "day_month" 26.11,
# "day_month_time" "26.11 14:05", "time" 14:05 (the English ones with "/").
_PATTERNS = {
    ("pl", "short"): "dd.MM.yyyy HH:mm",
    ("pl", "medium"): "dd.MM.yyyy HH:mm:ss",
    ("pl", "day"): "dd.MM.yyyy",
    ("pl", "weekday"): "EEE dd.MM",
    ("pl", "day_month"): "dd.MM",
    ("pl", "day_month_time"): "dd.MM HH:mm",
    ("pl", "time"): "HH:mm",
    ("en", "short"): "dd/MM/yyyy HH:mm",
    ("en", "medium"): "dd/MM/yyyy HH:mm:ss",
    ("en", "day"): "dd/MM/yyyy",
    ("en", "weekday"): "EEE dd/MM",
    ("en", "day_month"): "dd/MM",
    ("en", "day_month_time"): "dd/MM HH:mm",
    ("en", "time"): "HH:mm",
}
_DAY_PATTERNS = {"pl": "dd.MM.yyyy", "en": "dd/MM/yyyy"}


def moment(value: datetime | None, tz: str, lang: str, fmt: str = "medium") -> str:
    """A UTC datetime in the office's zone, e.g. "26.11.2026 15:49:53"; None → "—"."""
    if value is None:
        return "—"
    pattern = _PATTERNS.get(("en" if lang == "en" else "pl", fmt), fmt)
    return format_datetime(value.astimezone(ZoneInfo(tz)), pattern, locale=locale(lang))


def wall(value: datetime, lang: str, fmt: str = "short") -> str:
    """A datetime already in office time (an ISO string with its offset, as the report's
    data holds it), written without converting: "10.03.2026 08:00"."""
    pattern = _PATTERNS.get(("en" if lang == "en" else "pl", fmt), fmt)
    return format_datetime(value, pattern, locale=locale(lang))


def day(value: date, lang: str) -> str:
    """A calendar day: "05.05.2025" (Polish), "05/05/2025" (English)."""
    return format_date(value, _DAY_PATTERNS["en" if lang == "en" else "pl"], locale=locale(lang))


def long_day(value: date, lang: str, fmt: str = "EEEE, d MMMM y") -> str:
    return format_date(value, fmt, locale=locale(lang))


# The word after a count, by the language's plural rules (CLDR through Babel): Polish has
# "1 rok, 2–4 lata, 5 lat, 22 lata, 1,5 roku"; a range takes the form of its last number.
_YEARS = {
    "pl": {"one": "rok", "few": "lata", "many": "lat", "other": "roku"},
    "en": {"one": "year", "other": "years"},
}


def plural(count: float, forms: dict[str, str], lang: str) -> str:
    """The form of ``forms`` (CLDR categories: one, few, many, other) ``count`` takes."""
    from babel import Locale

    category = Locale.parse(locale(lang)).plural_form(count)
    return forms.get(category) or forms["other"]


def years(count: float, lang: str) -> str:
    """ "3 lata", "5 lat", "1 year": the count in the reader's language with its word."""
    table = _YEARS["en" if lang == "en" else "pl"]
    return f"{number_g(count, lang)} {plural(count, table, lang)}"


def years_word(count: float, lang: str) -> str:
    """Only the word ("lata" for 3), for a range written "1–3 lata"."""
    return plural(count, _YEARS["en" if lang == "en" else "pl"], lang)
