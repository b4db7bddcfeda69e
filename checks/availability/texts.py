"""English rows of the system page (``/systemy/{name}``) and the outage form."""

from __future__ import annotations

SYSTEM_TRANSLATIONS: dict[str, str] = {
    "Wlicza się do wskaźnika 1": "Counts toward KPI 1",
    "tak": "yes",
    "nie": "no",
    "Najbliższe prace planowe": "Next planned maintenance",
    "Uwaga": "Note",
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
    "Czas odpowiedzi usługi": "Response time of the service",
    "Mierzony przez sprawdzenie": "Measured by the check",
    "nie czas trwania całego sprawdzenia": "not how long the whole check took",
    (
        "Sprawdzenie tego rodzaju nie mierzy czasu odpowiedzi usługi, więc nie ma tu wykresu."
    ): "A check of this kind measures no response time of the service, so there is no chart.",
    "Dostępność wg miesięcy": "Availability by month",
    "Tabela: miesiące": "Table: months",
    "Strony": "Pages",
    "Nazwa systemu, przyczyna lub notatka.": "System name, cause or note.",
    "Żadna przerwa w wybranym roku nie pasuje do filtrów.": (
        "No outage of the chosen year matches the filters."
    ),
    "Brak przerw w wybranym roku.": "No outages in the chosen year.",
    "Rok": "Year",
    "Przerwy w roku": "Outages of",
    "najnowsze najpierw": "newest first",
    "itops nie ma danych z roku": "itops has no data of the year",
    "pokazano rok": "showing the year",
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

# The public status page (/status) and the note form on the system page.
STATUS_TRANSLATIONS: dict[str, str] = {
    "Stan usług": "State of the services",
    "Nie wskazano żadnych usług.": "No services are listed.",
    (
        "Każdy słupek to jeden dzień, najstarszy po lewej, liczony przez całą dobę. "
        "Wysokość słupka: pełna — działa, ¾ — krótkie przerwy (do 1% doby), ½ — awaria, "
        "¼ — prace planowe lub brak pomiaru, sam kontur — brak danych. Liczby każdego "
        "dnia są w tabeli pod wykresem."
    ): (
        "Each bar is one day, oldest on the left, counted around the clock. Bar height: "
        "full — up, ¾ — short interruptions (up to 1% of the day), ½ — outage, ¼ — planned "
        "maintenance or not measured, outline only — no data. Each day's figures are in "
        "the table under the chart."
    ),
    "utrudnienia": "degraded",
    "prace planowe": "planned maintenance",
    "Komunikat": "Notice",
    "awaria od": "outage since",
    "komunikat z": "notice of",
    "Tabela: dni": "Table: days",
    "Dostępność w ostatnich dniach (cała doba):": (
        "Availability over these days (around the clock):"
    ),
    "pomiar objął": "measured",
    "czasu": "of the time",
    "Planowane prace": "Planned maintenance",
    "Usługi": "Services",
    "Brak zaplanowanych prac.": "No maintenance planned.",
    "Te dane w formacie JSON": "This data as JSON",
    "doby": "of the day",
    "przerwy": "interruptions",
    "ostatnie dni": "last days",
    "Komunikat na stronie statusu": "Notice on the status page",
    (
        "Krótki komunikat dla mieszkańców o trwającej awarii, po polsku; pokazuje się na "
        "stronie statusu jako"
    ): (
        "A short notice for residents about the ongoing outage, in Polish; shown on the "
        "status page as"
    ),
    "Zapisz komunikat": "Save notice",
    "Treść komunikatu": "Notice text",
    "pusty: wycofuje komunikat": "empty: withdraws the notice",
    "obecny komunikat": "current notice",
    "brak komunikatu": "no notice",
    "Trwająca awaria od": "Ongoing outage since",
    "Strona statusu": "Status page",
    "komunikat na stronie statusu": "status page notice",
    "Dostępność od początku roku na koniec każdego miesiąca": (
        "Availability since 1 January at the end of each month"
    ),
    "Od początku roku": "Year to date",
    "Urząd: ostatnie 30 dni roboczych, dostępność w godzinach pracy": (
        "Office: last 30 working days, availability in working hours"
    ),
    "Dostępność urzędu w godzinach pracy: ostatnie 30 dni roboczych": (
        "Office availability in working hours: last 30 working days"
    ),
    (
        "Jedna komórka na dzień roboczy: suma przestojów systemów liczonych do wskaźnika 1. "
        "Wysokość: pełna — bez przestojów, ¾ — przestoje do 1% czasu pracy, ½ — więcej, "
        "¼ — bez pomiaru lub brak danych."
    ): (
        "One cell per working day: the union of downtime of the systems counted in KPI 1. "
        "Height: full — no downtime, ¾ — downtime up to 1% of working time, ½ — more, "
        "¼ — not measured or no data."
    ),
}
