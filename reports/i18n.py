"""English for the reports feature: the Raporty page and the annual report.

Source strings are Polish. ``TRANSLATIONS`` (the page) is registered with the dashboard
through ``Feature.translations``; ``REPORT`` is used only by ``annual.translator``, so a
report word ("awaria" as an outage cause) never changes a dashboard label ("awaria" as
a status).
"""

from __future__ import annotations

TRANSLATIONS: dict[str, str] = {
    # --- Raporty page ---
    "Raporty": "Reports",
    "Raport roczny jakości": "Annual quality report",
    "Wygeneruj raport": "Generate the report",
    "Rok": "Year",
    "Język raportu": "Report language",
    "polski": "Polish",
    "angielski": "English",
    "Wygenerowane raporty": "Generated reports",
    "Brak wygenerowanych raportów.": "No reports generated yet.",
    "Pobierz": "Download",
    "Raport wygenerowano.": "The report was generated.",
    "Podaj rok, np. 2026.": "Enter a year, e.g. 2026.",
    "Nieznany język raportu.": "Unknown report language.",
    "Nie udało się wygenerować raportu": "The report could not be generated",
    "Raport liczy wskaźniki tak samo jak polecenie itops kpi: te same liczby w HTML, PDF i JSON.": (
        "The report computes the indicators exactly as the itops kpi command does: the same "
        "numbers in HTML, PDF and JSON."
    ),
    "Wygenerowano": "Generated",
}

REPORT: dict[str, str] = {
    "Raport jakości": "Quality report",
    "Raport jakości za rok": "Quality report for the year",
    "Urząd": "Office",
    "Proces": "Process",
    "kategoria procesu": "process category",
    "wspomagający": "supporting",
    "Właściciel procesu": "Process owner",
    "Komórka organizacyjna": "Organisational unit",
    "Okres": "Period",
    "stan na": "as of",
    "rok niepełny": "year in progress",
    "Wygenerowano": "Generated",
    "czas Europa/Warszawa": "Europe/Warsaw time",
    "Wersja itops": "itops version",
    "Wersja zasad liczenia": "Counting policy version",
    "Wskaźniki przyjęte do monitorowania procesu": "Indicators monitored for the process",
    "Miernik": "Indicator",
    "Cel jakościowy": "Quality target",
    "Wynik": "Result",
    "Spełniony": "Met",
    "Źródło pomiaru": "Source of measurement",
    "Częstotliwość pomiarów": "Frequency",
    "Czas dostępności systemów w stosunku do minimalnego czasu pracy urzędu (przestoje "
    "spowodowane awariami serwerów)": (
        "Availability of systems relative to the office's minimum working time (downtime "
        "caused by server failures)"
    ),
    "niedostępność": "downtime",
    "czas pracy": "working time",
    "itops monitoring, protokoły napraw": "itops monitoring, repair protocols",
    "roczna": "yearly",
    "Liczba napraw związanych z wymianą podzespołów lub reinstalacją oprogramowania "
    "(udokumentowanych protokołami naprawy) w stosunku do liczby wszystkich komputerów, "
    "drukarek i innego sprzętu w urzędzie": (
        "Repairs with a component replacement or a software reinstall (documented by repair "
        "protocols) relative to all computers, printers and other equipment of the office"
    ),
    "mniej niż": "less than",
    "protokoły napraw": "repair protocols",
    "Liczba zakupionych w ciągu roku komputerów w stosunku do liczby wszystkich komputerów "
    "w urzędzie": "Computers bought in the year relative to all computers of the office",
    "dokumentacja przetargowa": "tender documentation",
    "Dostępność zaokrąglona w dół do czterech miejsc po przecinku, aby niespełniony cel 100% "
    "nigdy nie był wykazany jako 100%.": (
        "Availability is rounded down to four decimal places, so a missed 100% target is "
        "never shown as 100%."
    ),
    "Dostępność systemów w godzinach pracy urzędu": "Availability of systems in working hours",
    "Dostępność liczona jest wyłącznie w godzinach pracy urzędu (z pominięciem świąt i dni "
    "wolnych): (czas pracy − wyłączenia − luki − przestoje) / (czas pracy − wyłączenia − "
    "luki). Okresy, w "
    "których itops nie mógł ustalić stanu systemu (luki w monitoringu), nie są liczone ani "
    "jako dostępność, ani jako przestój.": (
        "Availability counts only the office's working hours (public holidays and days off "
        "excluded): (working time − exclusions − gaps − downtime) / (working time − "
        "exclusions − gaps). "
        "Periods in which itops could not tell a system's state (monitoring gaps) count "
        "neither as available nor as downtime."
    ),
    "System": "System",
    "Dostępność": "Availability",
    "Pokrycie monitoringiem": "Monitoring coverage",
    "Awarie / przestój": "Failures / downtime",
    "poza wskaźnikiem": "not in the indicator",
    "Przestój": "Downtime",
    "Liczony do wskaźnika": "Counts for the indicator",
    "Nie skonfigurowano żadnych monitorowanych systemów.": "No monitored systems are configured.",
    "Miesiąc": "Month",
    "Luki w monitoringu": "Monitoring gaps",
    "W poniższych systemach itops przez część czasu pracy nie mógł ustalić ich stanu; tego "
    "czasu nie liczono ani jako dostępności, ani jako przestoju:": (
        "For part of the working time itops could not tell the state of these systems; that "
        "time counts neither as available nor as downtime:"
    ),
    "Czas bez pomiaru w godzinach pracy": "Unmeasured working time",
    "Brak luk w monitoringu: stan każdego systemu był znany przez cały czas pracy.": (
        "No monitoring gaps: every system's state was known throughout the working time."
    ),
    "Przestoje w godzinach pracy": "Outages in working hours",
    "Początek": "Start",
    "Początek – koniec": "Start – end",
    "Min. w godz. pracy": "Min. in working hours",
    "liczony": "counted",
    "nieliczony": "not counted",
    "Każdy wiersz: system · początek – koniec (czas lokalny) · minuty w godzinach pracy · "
    "przyczyna, czy liczony do wskaźnika · uwagi.": (
        "Each line: system · start – end (local time) · minutes in working hours · cause, "
        "whether it counts for the indicator · notes."
    ),
    "Każdy wiersz: numer protokołu · data · nr inwentarzowy · rodzaj naprawy · czy liczony "
    "do wskaźnika.": (
        "Each line: protocol number · date · inventory no. · kind of repair · whether it "
        "counts for the indicator."
    ),
    "Każdy wiersz: nr inwentarzowy · rodzaj · data zakupu · dokument zakupu.": (
        "Each line: inventory no. · kind · purchase date · purchase document."
    ),
    "Każdy wiersz: system · jednostka · do wskaźnika urzędu · dostępność · pokrycie "
    "monitoringiem · awarie / przestój.": (
        "Each line: system · unit · counts for the office · availability · monitoring "
        "coverage · failures / downtime."
    ),
    "Koniec": "End",
    "Minuty w godzinach pracy": "Minutes in working hours",
    "Przyczyna": "Cause",
    "Liczony": "Counted",
    "Uwagi": "Notes",
    "trwa": "ongoing",
    "Brak przestojów w godzinach pracy.": "No outages in working hours.",
    "awaria": "failure",
    "planowana": "planned",
    "zewnętrzna": "external",
    "fałszywy alarm": "false alarm",
    "Naprawy sprzętu": "Equipment repairs",
    "Wskaźnik": "Indicator",
    "protokoły liczone": "protocols counted",
    "sprzęt w użyciu na 31 grudnia": "equipment in service on 31 December",
    "Zasada": "Rule",
    "liczone są protokoły naprawy z wymianą podzespołów lub reinstalacją oprogramowania "
    "datowane w roku (dwa protokoły jednego urządzenia liczą się dwukrotnie); mianownik to "
    "sprzęt w użyciu na 31 grudnia (zakupiony najpóźniej tego dnia i niewycofany do tego "
    "dnia).": (
        "repair protocols with a component replacement or a software reinstall dated in the "
        "year count (two protocols of one device count twice); the denominator is the "
        "equipment in service on 31 December (bought on or before that day and not retired "
        "by it)."
    ),
    "Numer protokołu": "Protocol number",
    "Data": "Date",
    "Nr inwentarzowy": "Inventory no.",
    "Rodzaj naprawy": "Kind of repair",
    "wymiana podzespołów": "component replacement",
    "reinstalacja oprogramowania": "software reinstall",
    "inna naprawa": "other repair",
    "konserwacja": "maintenance",
    "Brak protokołów napraw w roku.": "No repair protocols in the year.",
    "Zakupy komputerów": "Computer purchases",
    "komputery zakupione w roku": "computers bought in the year",
    "komputery w użyciu na 31 grudnia": "computers in service on 31 December",
    "Rodzaj": "Kind",
    "Data zakupu": "Purchase date",
    "Dokument zakupu": "Purchase document",
    "W roku nie zakupiono komputerów.": "No computers were bought in the year.",
    "Kopie zapasowe": "Backups",
    "Kopia": "Backup",
    "Zgodność w roku": "Compliant in the year",
    "Najdłuższy okres niezgodności": "Longest non-compliant period",
    "Ostatnia weryfikacja": "Last verification",
    "Testy odtworzenia": "Restore tests",
    "poprawna": "passed",
    "błędna": "failed",
    "nieudane": "failed",
    "Nie skonfigurowano kopii zapasowych.": "No backups are configured.",
    "Ochrona antywirusowa": "Antivirus protection",
    "Udział czasu zgodności w roku": "Compliant share of the year",
    "komputery": "computers",
    "Komputer": "Computer",
    "Czas niezgodności": "Time out of compliance",
    "Rejestr monitoringu pracowników (§82)": "Register of employee monitoring (§82)",
    "Czynności monitoringu w roku": "Monitoring acts in the year",
    "zawartość komputera": "computer content",
    "służbowa poczta e-mail": "work e-mail",
    "zasoby informatyczne": "IT resources",
    "dzienniki aktywności": "activity logs",
    "Czynności poza zakresem regulaminu": "Acts outside the policy",
    "Pracownicy bez potwierdzonego zawiadomienia": "Employees without an acknowledged notice",
    "Weryfikacja łańcucha wpisów": "Entry chain verification",
    "Ostatni wpis (numer, skrót)": "Last entry (number, hash)",
    "rejestr pusty": "register empty",
    "Szkolenia": "Trainings",
    "Szkolenia w roku": "Trainings in the year",
    "grupowe": "group",
    "indywidualne": "individual",
    "uczestnicy": "participants",
    "udziałów": "attendances",
    "Wnioski": "Conclusions",
    "Załącznik: techniczne środki bezpieczeństwa (RODO art. 32, KRI § 20)": (
        "Annex: technical security measures (GDPR art. 32, KRI § 20)"
    ),
    "Stan na dzień wygenerowania raportu": "State as of the report's generation",
    "Ostatnia zweryfikowana kopia zapasowa": "Last verified backup",
    "komputerów zgodnych": "computers compliant",
    "Rejestr §82": "§82 register",
    "Klucz publiczny rejestru §82 (Ed25519)": "Public key of the §82 register (Ed25519)",
    "odcisk klucza (SHA-256)": "key fingerprint (SHA-256)",
    "Ostatni podpisany stan rejestru (kotwica)": "Newest signed state of the register (anchor)",
    "wpis nr": "entry no.",
    "Rejestr nie ma jeszcze podpisanego stanu (kotwicy).": (
        "The register has no signed state (anchor) yet."
    ),
    "Klucza podpisu rejestru §82 nie można użyć.": "The §82 register's signing key cannot be used.",
    "Rejestr §82 nie jest podpisywany: nie skonfigurowano klucza podpisu.": (
        "The §82 register is not signed: no signing key is configured."
    ),
    "łańcuch wpisów zweryfikowany poprawnie": "entry chain verified intact",
    "łańcuch wpisów NARUSZONY": "entry chain BROKEN",
    "Wsparcie producenta systemów operacyjnych": "Vendor support of operating systems",
    "Aktualizacje komputerów": "Computer updates",
    "Komputery raportujące": "Computers reporting",
    "z ryzykiem": "at risk",
    "bez wsparcia producenta": "out of vendor support",
    "poprawki bezpieczeństwa czekają dłużej niż": "security updates waiting longer than",
    "wymagają ponownego uruchomienia": "reboot required",
    "agent milczy": "agent silent",
    "dni": "days",
    "System operacyjny": "Operating system",
    "Koniec wsparcia": "End of support",
    "Wspierany": "Supported",
    "Brak raportów inwentaryzacyjnych z komputerów.": "No inventory reports from computers.",
    "Dodatek: komputery bez danych o wsparciu systemu operacyjnego": (
        "Appendix: computers without operating system support data"
    ),
    "Dla systemów tych komputerów konfiguracja itops nie podaje daty końca wsparcia "
    "producenta (os_end_of_support) albo komputer nie podał swojego systemu, więc nie "
    "wiadomo, czy system jest wspierany.": (
        "The itops configuration gives no vendor end-of-support date (os_end_of_support) "
        "for these computers' systems, or the computer did not report its system, so "
        "whether the system is supported is not known."
    ),
    "Sporządził": "Prepared by",
    "data i podpis": "date and signature",
    "Zatwierdził": "Approved by",
    "Strona": "Page",
    "brak danych": "no data",
    "nie do ustalenia": "cannot be determined",
    "tak": "yes",
    "nie": "no",
    "0–1 rok": "0–1 years",
    "1–3 lata": "1–3 years",
    "3–5 lat": "3–5 years",
    "5–7 lat": "5–7 years",
    "7+ lat": "7+ years",
    "Dostępność systemów w godzinach pracy urzędu wyniosła {value} przy celu {target}": (
        "Availability of systems in the office's working hours was {value} against a target "
        "of {target}"
    ),
    ": cel został osiągnięty.": ": the target was met.",
    (
        "Dostępności systemów w godzinach pracy urzędu nie da się ustalić (cel {target}): "
        "itops nie monitorował wtedy systemów, a awarii z tego okresu nie wpisano ręcznie."
    ): (
        "The availability of systems in the office's working hours cannot be determined "
        "(target {target}): itops was not monitoring the systems then, and no outages of "
        "that time were entered by hand."
    ),
    (
        " (wyłącznie na podstawie awarii wpisanych ręcznie: itops nie monitorował wtedy systemów)"
    ): " (from outages entered by hand only: itops was not monitoring the systems then)",
    ": nie da się ustalić, czy cel został osiągnięty.": (
        ": whether the target was met cannot be determined."
    ),
    "{what}, łącznie {minutes}": "{what}, {minutes} in total",
    "Cel nie został osiągnięty: {facts}": "The target was not met: {facts}",
    " (niedostępność urzędu: {minutes}).": " (office downtime: {minutes}).",
    "Suma przestojów systemów liczonych do wskaźnika urzędu: {total}; niedostępność urzędu: "
    "{office}": "Downtime of the systems counted for the office's indicator, summed: {total}; "
    "office downtime: {office}",
    " (przestoje jednoczesne kilku systemów liczone raz: {minutes})": (
        " (simultaneous downtime of several systems counted once: {minutes})"
    ),
    "Nie liczą się do wskaźnika urzędu: {systems}": "Not counted for the office's indicator: "
    "{systems}",
    "jednostka {unit}": "unit {unit}",
    "wyłączony w konfiguracji – counts_for_kpi = false": (
        "excluded in the config – counts_for_kpi = false"
    ),
    "Jednostka": "Unit",
    "Do wskaźnika urzędu": "Counts for the office",
    "Suma przestojów systemów liczonych do wskaźnika urzędu": (
        "Downtime of the systems counted for the office, summed"
    ),
    "niedostępność urzędu": "office downtime",
    "Naprawy z wymianą podzespołów lub reinstalacją oprogramowania: {count} na {total} "
    "urządzeń ({ratio}) przy celu poniżej {target}": (
        "Repairs with a component replacement or a software reinstall: {count} for {total} "
        "devices ({ratio}) against a target below {target}"
    ),
    "Brak sprzętu w ewidencji na 31 grudnia: wskaźnika nie da się obliczyć.": (
        "No equipment in the inventory on 31 December: the indicator cannot be computed."
    ),
    "Cel nie został osiągnięty: {count} ({detail}) przy {total} urządzeniach w użyciu.": (
        "The target was not met: {count} ({detail}) for {total} devices in service."
    ),
    "Zakupione komputery: {count} przy {total} komputerach w użyciu na 31 grudnia ({ratio}) "
    "przy celu {target}": (
        "Computers bought: {count} for {total} computers in service on 31 December ({ratio}) "
        "against a target of {target}"
    ),
    "Brak komputerów w ewidencji na 31 grudnia: wskaźnika nie da się obliczyć.": (
        "No computers in the inventory on 31 December: the indicator cannot be computed."
    ),
    "Cel nie został osiągnięty: do celu brakuje zakupu {missing} (potrzeba co najmniej "
    "{needed}).": (
        "The target was not met: {missing} more would have had to be bought (at least "
        "{needed} needed)."
    ),
    "Niedostępność systemów w godzinach pracy wg miesięcy": (
        "Downtime of systems in working hours by month"
    ),
    "minuty w godzinach pracy": "minutes in working hours",
    "Wiek komputerów w użyciu na 31 grudnia": "Age of computers in service on 31 December",
    "liczba komputerów": "number of computers",
}
