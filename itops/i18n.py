"""Polish by default, English on request.

Source strings are Polish (the users are Polish officials); English is a lookup table.
Features add their own rows through ``Feature.translations``. Dates and numbers are
formatted by Babel in the office's time zone: storage is UTC, the edges are local.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

EN: dict[str, str] = {
    "Pulpit": "Dashboard",
    "Zaloguj": "Log in",
    "Wyloguj": "Log out",
    "Logowanie": "Log in",
    "Login": "Login",
    "Hasło": "Password",
    "Nieprawidłowy login lub hasło.": "Wrong login or password.",
    "Godziny pracy w tym tygodniu": "Working hours this week",
    "Dzień": "Day",
    "Godziny": "Hours",
    "Uwagi": "Notes",
    "nieczynne": "closed",
    "dzień wolny za święto": "day off in lieu of a holiday",
    "dodatkowy dzień pracy": "extra working day",
    "Ostrzeżenia konfiguracji": "Configuration warnings",
    "Brak uprawnień do tej strony.": "You may not open this page.",
    "Sesja wygasła lub formularz jest nieważny. Spróbuj ponownie.": (
        "The session expired or the form is no longer valid. Try again."
    ),
    "Język": "Language",
    "Przejdź do treści": "Skip to content",
    "Nawigacja": "Navigation",
    "Zalogowano jako": "Logged in as",
}

_extra: dict[str, str] = {}


def register(translations: dict[str, str]) -> None:
    """Add a feature's English rows (Polish source → English)."""
    _extra.update(translations)


def translator(lang: str) -> Callable[[str], str]:
    """``_("Pulpit")`` → "Pulpit" in Polish, "Dashboard" in English (unknown rows stay Polish)."""
    if lang != "en":
        return lambda text: text
    return lambda text: _extra.get(text) or EN.get(text, text)


def format_local(value: datetime | None, tz: str, lang: str, fmt: str = "medium") -> str:
    """A UTC datetime shown in the office's zone, e.g. "26 lis 2026, 15:49:53"."""
    if value is None:
        return "—"
    return format_datetime(value.astimezone(ZoneInfo(tz)), fmt, locale=lang)


def format_day(value: date, lang: str, fmt: str = "EEEE, d MMMM y") -> str:
    return format_date(value, fmt, locale=lang)
