"""Polish by default, English on request.

Source strings are Polish (the users are Polish officials); English is a lookup table.
Features add their own rows through ``Feature.translations``. Dates and numbers are
formatted by Babel in the office's time zone: storage is UTC, the edges are local.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from itops import formats

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
    # --- core web pages (Pulpit, calendar, users, errors) ---
    "Aktywne problemy": "Active problems",
    "Brak aktywnych problemów.": "No active problems.",
    "Brak.": "None.",
    "Co najmniej": "At least",
    "znaków.": "characters.",
    "Czas odpowiedzi": "Response time",
    "Czas: Europa/Warszawa": "Times: Europe/Warsaw",
    "Data": "Date",
    "Dodaj użytkownika": "Add user",
    "Dodatkowe dni pracy": "Extra working days",
    "Dodatkowe dni wolne": "Extra days off",
    "Działania": "Actions",
    "Dzień tygodnia": "Weekday",
    "Godziny pracy": "Working hours",
    "Hasło początkowe": "Initial password",
    "Imię i nazwisko": "Full name",
    "Jednostka": "Unit",
    "Kalendarz pracy urzędu": "Office calendar",
    "Litery, cyfry, kropki i podkreślenia.": "Letters, digits, dots and underscores.",
    "Nie skonfigurowano żadnych sprawdzeń.": "No checks are configured.",
    "Nie zapisano zmian": "Nothing was saved",
    "Nowa rola dla": "New role for",
    "Od": "Since",
    "od": "since",
    "Odblokuj": "Unlock",
    "Ostatnie sprawdzenie": "Last checked",
    "Ostrzeżenia": "Warnings",
    "Pełny kalendarz pracy urzędu": "Full office calendar",
    "Przejdź do logowania": "Go to the login page",
    "Rola": "Role",
    "Stan na": "As of",
    "Zmierzony czas usługi": "Service time measured",
    "czas do pierwszego bajtu HTTP": "HTTP time to first byte",
    "czas odpowiedzi ICMP (RTT)": "ICMP round-trip time",
    "czas nawiązania połączenia TCP": "TCP connect time",
    "czas połączenia i uzgodnienia TLS": "TLS connect and handshake time",
    "czas odpowiedzi DNS": "DNS response time",
    "stan na": "as of",
    "rok niepełny": "year in progress",
    "Wskaźniki roku": "Indicators of the year",
    "Stan systemów": "System status",
    "Stan": "Status",
    "System": "System",
    "Szczegóły": "Details",
    "Tabela: miesiące": "Table: months",
    "Tabela: dni robocze": "Table: working days",
    "Utworzono": "Created",
    "Użytkownicy": "Users",
    "Wróć na pulpit": "Back to the dashboard",
    "Wskaźniki": "Indicators",
    "Wyłącz": "Disable",
    "Włącz": "Enable",
    "Zapisano zmiany.": "Changes saved.",
    "Zbyt wiele nieudanych prób logowania. Logowanie zablokowane do": (
        "Too many failed login attempts. Login is locked until"
    ),
    "Zmień rolę": "Change role",
    "aktywny": "active",
    "wyłączony": "disabled",
    "zablokowany po nieudanych logowaniach": "locked after failed logins",
    "cel": "target",
    "cel osiągnięty": "target met",
    "poniżej celu": "below target",
    "wymaga uwagi": "needs attention",
    "konfiguracja": "configuration",
    "Święta": "Public holidays",
    "Święto": "Holiday",
    "przypada w sobotę": "falls on Saturday",
    "nie wyznaczono dnia wolnego (art. 130 § 2 Kodeksu pracy).": (
        "no day off has been set for it (art. 130 § 2 of the Labour Code)."
    ),
    "Wybór roku": "Choose the year",
    "Dziennik zdarzeń": "Audit log",
    "Logowania, nieudane logowania, blokady, wylogowania i zmiany uprawnień, od najnowszych.": (
        "Logins, failed logins, lockouts, logouts and permission changes, newest first."
    ),
    "Czas": "Time",
    "Kto": "Who",
    "Zdarzenie": "Event",
    "Adres": "Address",
    "system (CLI)": "system (CLI)",
    "Starsze zdarzenia": "Older events",
    "Brak zdarzeń.": "No events.",
    "logowanie": "login",
    "nieudane logowanie": "failed login",
    "logowanie odrzucone (blokada)": "login refused (locked)",
    "blokada po nieudanych logowaniach": "lockout after failed logins",
    "wylogowanie": "logout",
    "dodanie użytkownika": "user added",
    "zmiana roli": "role changed",
    "wyłączenie użytkownika": "user disabled",
    "włączenie użytkownika": "user enabled",
    "zdjęcie blokady": "lockout lifted",
    "zmiana hasła": "password changed",
    "rola": "role",
    "Błąd odczytu danych (szczegóły w dzienniku).": "Could not read the data (see the log).",
    "działa": "up",
    "ostrzeżenie": "warning",
    "awaria": "down",
    "stan nieznany": "unknown",
    "brak danych": "no data",
    "administrator": "administrator",
    "informatyk": "IT officer",
    "audytor": "auditor",
    "osoba upoważniona do monitoringu wg §82": "monitoring officer under §82",
    "poniedziałek": "Monday",
    "wtorek": "Tuesday",
    "środa": "Wednesday",
    "czwartek": "Thursday",
    "piątek": "Friday",
    "sobota": "Saturday",
    "niedziela": "Sunday",
    "Wymagane logowanie": "Login required",
    "Brak dostępu": "Access denied",
    "Nie znaleziono": "Not found",
    "Niedozwolona operacja": "Operation not allowed",
    "Zbyt wiele prób": "Too many attempts",
    "Błąd serwera": "Server error",
    "Błąd": "Error",
    "Zaloguj się, aby otworzyć tę stronę.": "Log in to open this page.",
    "Nieprawidłowe żądanie.": "Bad request.",
    "Nie ma takiej strony.": "There is no such page.",
    "Ta operacja nie jest tu dozwolona.": "This operation is not allowed here.",
    "Wystąpił błąd.": "An error occurred.",
    "Wystąpił błąd serwera. Szczegóły zapisano w dzienniku itops.": (
        "A server error occurred. The details are in the itops log."
    ),
    # the pager of long lists (templates/_pager.html)
    "Strony": "Pages",
    "Nowsze": "Newer",
    "Starsze": "Older",
    "Strona": "Page",
    "Szukaj": "Search",
    "Filtruj": "Filter",
    "Wyczyść filtry": "Clear filters",
    "Wszystkie": "All",
    "Pozycje": "Rows",
    "z": "of",
}

_extra: dict[str, str] = {}

# Internal keys ("in_use", "component_replacement") → the Polish words a reader sees.
# A key may be namespaced ("asset_status:retired") where one word means two things.
_labels: dict[str, str] = {
    "status:OK": "w porządku",
    "status:WARNING": "ostrzeżenie",
    "status:CRITICAL": "błąd",
    "status:UNKNOWN": "stan nieznany",
    "board:OK": "działa",
    "board:WARNING": "ostrzeżenie",
    "board:CRITICAL": "awaria",
    "board:UNKNOWN": "stan nieznany",
}
EN["w porządku"] = "OK"
EN["błąd"] = "error"

# Check summaries are written in English by the check kinds (logs, CLI, metrics);
# the dashboard shows them in Polish through these (pattern, Polish template) rows.
_summaries: dict[str, tuple[re.Pattern[str], str]] = {}


def register_summaries(rows: Sequence[tuple[str, str]]) -> None:
    """Add a feature's summary patterns: a full-match regex with named groups → Polish."""
    for pattern, polish in rows:  # keyed by pattern: every app built registers again
        _summaries[pattern] = (re.compile(pattern), polish)


def summary(text: str, lang: str) -> str:
    """A check summary or a refusal reason in the reader's language; parts are split at
    "; " and the first matching pattern of each part wins (unknown parts stay as they
    are; a part "subject: reason" is tried with its reason alone too)."""
    if lang == "en" or not text:
        return text
    parts = []
    for part in text.split("; "):
        polish = _summary_part(part)
        if polish is None and ": " in part:  # "INV-0001: reason" keeps its subject
            subject, _, rest = part.partition(": ")
            translated = _summary_part(rest)
            polish = None if translated is None else f"{subject}: {translated}"
        parts.append(part if polish is None else polish)
    return "; ".join(parts)


def _summary_part(part: str) -> str | None:
    for pattern, polish in _summaries.values():
        match = pattern.fullmatch(part)
        if match:
            return polish.format(**match.groupdict())
    return None


def register_labels(labels: dict[str, str]) -> None:
    """Add a feature's Polish labels of its stored keys (enum values, kinds, statuses)."""
    _labels.update(labels)


def label(key: object, namespace: str | None = None) -> str:
    """The Polish label of a stored key (the key itself when none is known)."""
    text = "" if key is None else str(key)
    if namespace and f"{namespace}:{text}" in _labels:
        return _labels[f"{namespace}:{text}"]
    return _labels.get(text, text)


def register(translations: dict[str, str]) -> None:
    """Add a feature's English rows (Polish source → English)."""
    _extra.update(translations)


def translator(lang: str) -> Callable[[str], str]:
    """``_("Pulpit")`` → "Pulpit" in Polish, "Dashboard" in English (unknown rows stay Polish)."""
    if lang != "en":
        return lambda text: text
    return lambda text: _extra.get(text) or EN.get(text, text)


# Dates are written by the one formatter (itops.formats); these names stay for templates.
format_local = formats.moment
format_short_day = formats.day
format_day = formats.long_day
