"""English rows of the system page (``/systemy/{name}``) and the outage form."""

from __future__ import annotations

SYSTEM_TRANSLATIONS: dict[str, str] = {
    "Wlicza się do wskaźnika 1": "Counts toward KPI 1",
    "tak": "yes",
    "nie": "no",
    "Najbliższe prace planowe": "Next planned maintenance",
    "trwają": "in progress",
    "brak zaplanowanych": "none planned",
    "przestoje": "downtime",
    "Certyfikat ważny do": "Certificate valid until",
    "wygasł": "expired",
    "dni temu": "days ago",
    "pozostało dni:": "days left:",
    "Historia stanu": "State history",
    (
        "Zapisane wyniki: każda zmiana stanu, każdy błąd i jedna próbka na "
        "godzinę. Wysokość komórki: pełna — działa, ¾ — ostrzeżenie, ½ — "
        "awaria, ¼ — stan nieznany lub brak danych."
    ): (
        "Stored results: every change of state, every failure and one sample an "
        "hour. Cell height: full — up, ¾ — warning, ½ — down, ¼ — unknown or no "
        "data."
    ),
    "Tabela: wyniki": "Table: results",
    "Tabela: dni robocze": "Table: working days",
    "Zakres czasu": "Time range",
    "Tabela: czas odpowiedzi": "Table: response time",
    "Dostępność wg miesięcy": "Availability by month",
    "Tabela: miesiące": "Table: months",
    "Strony": "Pages",
    "Nowsze": "Newer",
    "Starsze": "Older",
    "Strona": "Page",
    "Awaria": "Outage",
    "Historia zmian": "History of changes",
    "Przyczyna nie była zmieniana.": "The cause has not been changed.",
    "Nowa przyczyna": "New cause",
    (
        "Zmiana jest zapisywana w dzienniku zdarzeń (kto, kiedy, dlaczego); "
        "pierwotna przyczyna zostaje."
    ): ("The change is written to the audit log (who, when, why); the original cause is kept."),
    "Nie ma takiego systemu.": "There is no such system.",
    "Nie ma takiej awarii.": "There is no such outage.",
    "Ostatnie zapisane wyniki sprawdzeń": "Latest stored check results",
    ("Ostatnie 30 dni roboczych: dostępność w godzinach pracy"): (
        "Last 30 working days: availability in working hours"
    ),
    "Dostępność w godzinach pracy": "Availability in working hours",
    "czasu pracy": "of working time",
    "bez pomiaru": "not measured",
    ("Dostępność w godzinach pracy wg miesięcy (bieżący rok)"): (
        "Availability in working hours by month (this year)"
    ),
    "Miesiąc": "Month",
    "Dostępność": "Availability",
    "Przestoje w godzinach pracy": "Downtime in working hours",
    "% czasu pracy; oś od": "% of working time; axis from",
    "cel": "target",
    "24 h": "24 h",
    "7 dni": "7 days",
    "30 dni": "30 days",
    "średnio": "mean",
    "Próby": "Probes",
    "godziny pracy": "working hours",
    "przerwa": "outage",
    "Czas": "Time",
    "Dzień": "Day",
    "Czas odpowiedzi": "Response time",
    "działa": "up",
    "ostrzeżenie": "warning",
    "stan nieznany": "unknown",
    "Działania": "Actions",
    "Jednostka": "Unit",
    "Ostatnie sprawdzenie": "Last checked",
    "od": "since",
}

# Outage causes as the pages name them (translated at render).
CAUSE_LABELS = {
    "failure": "awaria",
    "planned": "planowana",
    "external": "zewnętrzna",
    "false_alarm": "fałszywy alarm",
}
