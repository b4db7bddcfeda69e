"""The backup kinds' messages (file, restic, borg, push) and the store's own verdicts.

Kept apart from the kind modules (as ``texts.py``) so a page or the CLI renders a stored
summary without importing the kinds. Ages are seconds rendered ``{age:age}`` ("3 d 4 h"),
sizes bytes rendered ``{size:size}`` ("1,5 GiB"). The tool names, option names and
commands (``restic unlock``, ``min_size``) stay as the operator types them.
"""

from __future__ import annotations

from collections.abc import Mapping

Table = Mapping[str, Mapping[str, str]]

SUBJECTS = ("file", "snapshot", "archive", "ping")
_NOT_FOUND = {
    "file": ("nie znaleziono pliku kopii", "no file found"),
    "snapshot": ("nie znaleziono migawki", "no snapshot found"),
    "archive": ("nie znaleziono archiwum", "no archive found"),
    "ping": ("nie odebrano sygnału powodzenia", "no success ping found"),
}
_NEWEST = {
    "file": ("najnowszy plik kopii ma {age:age}", "newest file is {age:age} old"),
    "snapshot": ("najnowsza migawka ma {age:age}", "newest snapshot is {age:age} old"),
    "archive": ("najnowsze archiwum ma {age:age}", "newest archive is {age:age} old"),
    "ping": (
        "ostatni sygnał powodzenia: {age:age} temu",
        "newest success ping is {age:age} old",
    ),
}

BACKUP: dict[str, dict[str, str]] = {
    **{f"backup.not_found.{k}": {"pl": pl, "en": en} for k, (pl, en) in _NOT_FOUND.items()},
    **{f"backup.newest.{k}": {"pl": pl, "en": en} for k, (pl, en) in _NEWEST.items()},
    **{
        f"backup.too_old.{k}": {
            "pl": pl + ", przekroczono termin: {rule}",
            "en": en + " ({rule} exceeded)",
        }
        for k, (pl, en) in _NEWEST.items()
    },
    "backup.rule.max_age": {"pl": "maksymalny wiek {limit:age}", "en": "max_age {limit:age}"},
    "backup.rule.period": {
        "pl": "okres {period:age} + tolerancja {grace:age}",
        "en": "period {period:age} + grace {grace:age}",
    },
    "backup.rule.schedule": {
        "pl": "harmonogram „{schedule}”",
        "en": 'schedule "{schedule}"',
    },
    "backup.size": {"pl": "{size:size}", "en": "{size:size}"},
    "backup.snapshots": {"pl": "migawek: {n:d}", "en": "{n:d} snapshots"},
    # file
    "backup.dir_missing": {
        "pl": "katalog {dir} nie istnieje – czy dysk kopii jest zamontowany?",
        "en": "directory {dir} does not exist (is the backup disk mounted?)",
    },
    "backup.not_a_directory": {
        "pl": "{name}: {path} nie jest katalogiem (sprawdź path)",
        "en": "{name}: {path} is not a directory (check path)",
    },
    "backup.dir_unreadable": {
        "pl": "{name}: brak uprawnień do odczytu katalogu {path} – nadaj użytkownikowi itops "
        "prawo odczytu, np. setfacl -m u:itops:rx {path}",
        "en": "{name}: cannot read directory {path}: permission denied "
        "(give the itops user read access, e.g. setfacl -m u:itops:rx {path})",
    },
    "backup.file_unreadable": {
        "pl": "{name}: brak uprawnień do odczytu {path} lub jego pliku .sha256",
        "en": "{name}: cannot read {path} or its .sha256: permission denied",
    },
    "backup.no_match": {"pl": "żaden plik nie pasuje do {path}", "en": "no file matches {path}"},
    "backup.too_small": {
        "pl": "mniejszy niż min_size {min:size}",
        "en": "smaller than min_size {min:size}",
    },
    "backup.shrunk": {
        "pl": "o {pct:.0f}% mniejszy niż mediana poprzednich plików ({median:size}): "
        "sprawdź, czy zrzut jest kompletny",
        "en": "{pct:.0f}% smaller than the median of the previous files ({median:size}): "
        "check the dump is complete",
    },
    "backup.sha_ok": {"pl": "suma sha256 zgodna", "en": "sha256 matches"},
    "backup.sha_bad": {
        "pl": "suma sha256 pliku {file} nie zgadza się z plikiem .sha256",
        "en": "sha256 of {file} does not match its .sha256",
    },
    "backup.sha_missing": {
        "pl": "brak pliku .sha256 z sumą kontrolną",
        "en": "the .sha256 sidecar is missing",
    },
    # restic and borg
    "backup.repo_missing": {
        "pl": "brak repozytorium {tool} w {repo}: zła ścieżka, niezamontowany dysk "
        "albo repozytorium nigdy nie zainicjowane",
        "en": "no {tool} repository at {repo} (wrong path, disk not mounted, or never initialised)",
    },
    "backup.no_snapshot": {
        "pl": "repozytorium nie zawiera żadnej migawki spełniającej filtry",
        "en": "the repository has no snapshot matching the filters",
    },
    "backup.no_archive": {
        "pl": "repozytorium nie zawiera żadnego archiwum",
        "en": "the repository has no archive",
    },
    "backup.locked": {
        "pl": "{name}: repozytorium {repo} jest zablokowane przez inny proces {tool} "
        "(trwa kopia albo czyszczenie?); itops sprawdzi je później. Tylko gdy żaden {tool} "
        "już nie działa, właściciel może wykonać `{unlock}`.",
        "en": "{name}: the repository {repo} is locked by another {tool} process "
        "(a backup or prune still running?); itops will look again later. Only if no "
        "{tool} runs any more may the owner run `{unlock}`.",
    },
    "backup.wrong_password.restic": {
        "pl": "{name}: złe hasło do {repo}: password_file nie otwiera repozytorium "
        "(sprawdź treść pliku i znaki na jego końcu)",
        "en": "{name}: wrong password for {repo}: password_file does not open the "
        "repository (check the file's content and trailing characters)",
    },
    "backup.wrong_password.borg": {
        "pl": "{name}: złe albo brakujące hasło do {repo} (sprawdź treść password_file)",
        "en": "{name}: wrong or missing passphrase for {repo} (check password_file's content)",
    },
    "backup.permission.restic": {
        "pl": "{name}: brak uprawnień do odczytu {repo} (nadaj użytkownikowi itops prawo "
        "odczytu repozytorium)",
        "en": "{name}: permission denied reading {repo} "
        "(give the itops user read access to the repository)",
    },
    "backup.permission.borg": {
        "pl": "{name}: brak uprawnień do odczytu {repo} (nadaj użytkownikowi itops prawo "
        "odczytu repozytorium i BORG_BASE_DIR)",
        "en": "{name}: permission denied reading {repo} "
        "(give the itops user read access to the repository and BORG_BASE_DIR)",
    },
    "backup.no_json": {
        "pl": "{name}: {tool} nie wypisał JSON: {output}",
        "en": "{name}: {tool} printed no JSON: {output}",
    },
    "backup.tool_failed": {
        "pl": "{name}: {tool} zakończył się kodem {code:d}: {output}",
        "en": "{name}: {tool} exited with {code:d}: {output}",
    },
    "backup.check_ok.restic": {
        "pl": "restic check: nie znaleziono błędów",
        "en": "restic check: no errors were found",
    },
    "backup.check_ok.restic_part": {
        "pl": "restic check: nie znaleziono błędów (część danych {part:d}/{parts:d})",
        "en": "restic check: no errors were found (data part {part:d}/{parts:d})",
    },
    "backup.check_failed.restic": {
        "pl": "restic check zgłosił błędy: {output}",
        "en": "restic check failed: {output}",
    },
    "backup.check_ok.borg": {
        "pl": "borg check: nie znaleziono problemów",
        "en": "borg check: no problems found",
    },
    "backup.check_failed.borg": {
        "pl": "borg check znalazł błędy: {output}",
        "en": "borg check found errors: {output}",
    },
    "backup.see_output": {"pl": "szczegóły w wyjściu {tool}", "en": "see {tool} output"},
    "backup.not_installed": {
        "pl": "{tool} nie jest zainstalowany albo nie ma go w PATH (zainstaluj pakiet "
        "Debiana {package})",
        "en": "{tool} is not installed or not on PATH (install the Debian package {package})",
    },
    "backup.password_missing": {
        "pl": "{name}: password_file {path} nie istnieje (utwórz go: tryb 0400, właściciel itops)",
        "en": "{name}: password_file {path} does not exist (create it, mode 0400, owner itops)",
    },
    "backup.password_unreadable": {
        "pl": "{name}: użytkownik itops nie może odczytać password_file {path} "
        "(chown itops, chmod 0400)",
        "en": "{name}: password_file {path} is not readable by the itops user "
        "(chown itops, chmod 0400)",
    },
    "backup.password_directory": {
        "pl": "{name}: password_file {path} jest katalogiem, nie plikiem",
        "en": "{name}: password_file {path} is a directory, not a file",
    },
    # push
    "backup.needs_daemon": {
        "pl": "{name}: kopie zgłaszane sygnałem wymagają bazy danych demona itops",
        "en": "{name}: push backups need the itops daemon's database",
    },
    "backup.job_exit": {
        "pl": "zadanie zgłosiło kod wyjścia {code:d} {ago:age} temu",
        "en": "the job reported exit code {code:d} {ago:age} ago",
    },
    "backup.job_failed": {
        "pl": "zadanie zgłosiło błąd {ago:age} temu",
        "en": "the job reported a failure {ago:age} ago",
    },
    "backup.no_ping_since_start": {
        "pl": "brak sygnału powodzenia, odkąd itops obserwuje tę kopię ({ago:age})",
        "en": "no success ping since itops started watching {ago:age} ago",
    },
    "backup.waiting": {"pl": "oczekiwanie na pierwszy sygnał", "en": "waiting for the first ping"},
    "backup.run_took": {"pl": "zadanie trwało {runtime:age}", "en": "run took {runtime:age}"},
    "backup.run_too_short": {
        "pl": "zadanie trwało {runtime:age}, krócej niż min_runtime {min:age}",
        "en": "run took {runtime:age} (shorter than min_runtime {min:age})",
    },
    "backup.running_since": {"pl": "trwa od {ago:age}", "en": "running since {ago:age}"},
    # the store's verdicts over a look and its verification
    "backup.not_looked": {"pl": "jeszcze nie sprawdzono", "en": "not looked at yet"},
    "backup.verify_undecided": {
        "pl": "ostatnia weryfikacja nie dała wyniku: {reason}",
        "en": "last verification could not tell: {reason}",
    },
    "backup.sidecar_ok": {
        "pl": "suma sha256 zgodna z plikiem .sha256",
        "en": "sha256 sidecar matches",
    },
    "backup.sidecar_bad": {
        "pl": "suma sha256 NIEZGODNA z plikiem .sha256",
        "en": "sha256 sidecar does NOT match",
    },
    "backup.verify_overdue": {
        "pl": "brak udanej weryfikacji od ponad {days:d} d (czy `check` jest zablokowany "
        "albo kończy się błędem?)",
        "en": "no successful verification for over {days:d} d (is `check` locked or failing?)",
    },
    "backup.verify_failed": {
        "pl": "weryfikacja nieudana: {reason}",
        "en": "verification failed: {reason}",
    },
    "backup.demo_repository_ok": {
        "pl": "DEMO: sprawdzenie repozytorium bez błędów",
        "en": "DEMO: repository check passed",
    },
    "backup.demo_newest": {
        "pl": "DEMO: najnowsza kopia ma {hours:.0f} h, {gb:.1f} GB",
        "en": "DEMO: newest backup {hours:.0f} h old, {gb:.1f} GB",
    },
    "backup.demo_too_old": {
        "pl": "DEMO: najnowsza kopia ma {hours:.0f} h, jest za stara",
        "en": "DEMO: newest backup {hours:.0f} h old (too old)",
    },
}


# Antivirus engines (ClamAV on the servers, Defender through the agent) and the store.
ANTIVIRUS: dict[str, dict[str, str]] = {
    "antivirus.clamd_up": {"pl": "clamd odpowiada PONG", "en": "clamd answers PONG"},
    "antivirus.clamd_down": {"pl": "clamd nie odpowiada", "en": "clamd does not answer"},
    "antivirus.clamd_odd": {
        "pl": "clamd odpowiedział {reply} na PING",
        "en": "clamd answered {reply} to PING",
    },
    "antivirus.clamd_unreachable": {
        "pl": "clamd nie odpowiada na {target}: {reason}",
        "en": "clamd does not answer on {target}: {reason}",
    },
    "antivirus.clamd_slow": {
        "pl": "clamd nie odpowiada na {target} w wyznaczonym czasie",
        "en": "clamd does not answer on {target} in time",
    },
    "antivirus.no_database": {
        "pl": "nie da się ustalić wieku sygnatur: brak czytelnej bazy daily w {dir}",
        "en": "cannot tell the signature age: no readable daily database in {dir}",
    },
    "antivirus.signatures": {
        "pl": "sygnatury {version} mają {age:age}",
        "en": "signatures {version} are {age:age} old",
    },
    "antivirus.signatures_old": {
        "pl": "sygnatury {version} mają {age:age}, ponad {limit:age}",
        "en": "signatures {version} are {age:age} old (over {limit:age})",
    },
    "antivirus.no_freshclam": {
        "pl": "brak śladu freshclam (nie ma freshclam.dat) – czy działa?",
        "en": "no trace of freshclam (freshclam.dat missing): is it running?",
    },
    "antivirus.freshclam_old": {
        "pl": "freshclam działał ostatnio {ago:age} temu",
        "en": "freshclam last ran {ago:age} ago",
    },
    "antivirus.switched_off": {"pl": "wyłączone: {names}", "en": "switched off: {names}"},
    "antivirus.report_lacks": {
        "pl": "w raporcie brakuje {names} (za stary agent albo brak Defendera?)",
        "en": "the report lacks {names} (agent too old or Defender absent?)",
    },
    "antivirus.no_update_time": {
        "pl": "brak czasu aktualizacji sygnatur",
        "en": "no signature update time",
    },
    "antivirus.passive_mode": {
        "pl": "Defender działa w trybie „{mode}”: ten komputer musi chronić inny program",
        "en": "Defender runs in '{mode}': another product must protect this host",
    },
    "antivirus.defender_ok": {
        "pl": "{signatures}; ochrona w czasie rzeczywistym włączona; {quick}, {full}",
        "en": "{signatures}; real-time protection on; {quick}, {full}",
    },
    "antivirus.quick_scan": {
        "pl": "szybkie skanowanie {days:d} d temu",
        "en": "quick scan {days:d} d ago",
    },
    "antivirus.no_quick_scan": {
        "pl": "jeszcze bez szybkiego skanowania",
        "en": "no quick scan yet",
    },
    "antivirus.full_scan": {
        "pl": "pełne skanowanie {days:d} d temu",
        "en": "full scan {days:d} d ago",
    },
    "antivirus.no_full_scan": {"pl": "jeszcze bez pełnego skanowania", "en": "no full scan yet"},
    "antivirus.never_reported": {"pl": "jeszcze nie raportował", "en": "never reported"},
    "antivirus.no_report_for": {
        "pl": "brak raportu od ponad {days:d} d",
        "en": "no report for over {days:d} d",
    },
    "antivirus.silent": {
        "pl": "brak raportu od {since:wall} (cisza dłuższa niż {days:d} d)",
        "en": "no report since {since:wall} (silent for over {days:d} d)",
    },
}
TEXTS = {**BACKUP, **ANTIVIRUS}
