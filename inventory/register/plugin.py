"""The §82 register as the core sees it: tables, CLI, pages, menu, daily anchor job."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from inventory.register.config import EMPLOYEE_MONITORING
from itops.auth import ADMIN, AUDITOR, MONITORING_OFFICER
from itops.plugins import Feature, Job, NavItem

if TYPE_CHECKING:
    import click
    from starlette.routing import BaseRoute

    from itops.context import AppContext


def _cli(group: click.Group) -> None:
    """Adds the ``register`` group, with the integrity commands of ``cli_chain`` (which
    builds on ``cli``: adding them here keeps the two modules out of a cycle)."""
    from inventory.register import cli_chain
    from inventory.register.cli import register

    cli_chain.add_commands(register)
    group.add_command(register)


def _routes(ctx: AppContext) -> list[BaseRoute]:
    from inventory.register import api, web

    return [*web.routes(ctx), *api.routes(ctx)]


def _jobs(ctx: AppContext, _service: None) -> list[Job]:
    from inventory.register import jobs as register_jobs

    cfg = ctx.settings.section(EMPLOYEE_MONITORING)
    jobs = []
    if cfg.signing_key_file is not None:
        jobs.append(Job("register-seal", cfg.seal_interval.total_seconds(), register_jobs.seal_job))
    if cfg.signing_key_file is not None or cfg.anchor_file is not None:
        jobs.append(
            Job("register-anchor", cfg.anchor_interval.total_seconds(), register_jobs.anchor_job)
        )
    if cfg.prune:
        jobs.append(Job("register-prune", 86400, register_jobs.prune_job))
    return jobs


TRANSLATIONS = {
    "Rejestr monitoringu §82": "§82 monitoring register",
    "Upoważnienia §82": "§82 authorisations",
    "Lista osób upoważnionych": "Authorised persons",
    "Informacje o monitoringu": "Monitoring notices",
    "Integralność rejestru": "Register integrity",
    "Łańcuch skrótów nienaruszony.": "Hash chain intact.",
    "Rejestr naruszony przy wpisie nr": "Register broken at entry",
    "Wpisy": "Entries",
    "Wpisów": "Entries",
    "skrót ostatniego wpisu": "head hash",
    "Od": "From",
    "Do": "To",
    "Pokaż": "Show",
    "Eksport CSV dla IOD": "CSV export for the DPO",
    "Eksport PDF dla IOD": "PDF export for the DPO",
    "Nr": "No.",
    "Rodzaj": "Kind",
    "Wpisano": "Recorded",
    "Przez": "By",
    "Osoba / pracownik": "Person / employee",
    "Zakres": "Scope",
    "Szczegóły": "Details",
    "koryguje": "corrects",
    "skorygowany": "corrected",
    "Powód": "Reason",
    "Brak wpisów w tym okresie.": "No entries in this period.",
    "Nowa czynność kontrolna": "New inspection act",
    "Pracownik": "Employee",
    "Zasób (sprzęt lub skrzynka)": "Resource (asset or mailbox)",
    "Cel": "Purpose",
    "Uzasadnienie": "Justification",
    "Początek": "Start",
    "Koniec": "End",
    "Wynik (podsumowanie)": "Outcome (summary)",
    "Zapisz czynność": "Record the act",
    "Zapisano wpis nr": "Recorded entry",
    "Koryguje wpis nr (tylko korekta)": "Corrects entry no. (corrections only)",
    "Powód korekty": "Reason for the correction",
    "Pobierz kotwicę (skrót ostatniego wpisu)": "Download the anchor (head hash)",
    "Drukuj": "Print",
    "Lista osób upoważnionych do monitoringu (§82 ust. 6–7)": (
        "Persons authorised to monitor (§82(6)–(7))"
    ),
    "stan na": "as of",
    "Osoba": "Person",
    "Ważne od": "Valid from",
    "Ważne do": "Valid to",
    "Udzielił": "Granted by",
    "Cofnięte": "Revoked",
    "Stan": "State",
    "aktywne": "active",
    "nieaktywne": "inactive",
    "Nikt nie jest upoważniony.": "Nobody is authorised.",
    "Udziel upoważnienia": "Grant an authorisation",
    "Login użytkownika": "User login",
    "Udziel": "Grant",
    "Cofnij upoważnienie": "Revoke an authorisation",
    "Upoważnienie": "Authorisation",
    "Cofnij": "Revoke",
    "Pisemne informacje o monitoringu (§82 ust. 10, §8 ust. 1 pkt 7)": (
        "Written monitoring notices (§82(10), §8(1)(7))"
    ),
    "Wszyscy pracownicy": "All employees",
    "Tylko bez informacji": "Only those without a notice",
    "Kod": "Code",
    "Jednostka": "Unit",
    "Zatrudniony od": "Employed since",
    "Informacja otrzymana": "Notice received",
    "Wersja zasad": "Policy version",
    "(po dopuszczeniu do pracy)": "(after admission to work)",
    "brak": "none",
    "Brak pracowników.": "No employees.",
    "Zapisz otrzymanie informacji": "Record a received notice",
    "Kod pracownika": "Employee code",
    "Data otrzymania": "Date received",
    "Zapisz": "Save",
    "cofa upoważnienie nr": "revokes authorisation",
    "Rejestr": "Register",
    "Tylko metadane: rejestr nie przyjmuje treści dokumentów, wiadomości ani załączników.": (
        "Metadata only: the register accepts no document or message content and no attachments."
    ),
    "Monitoring zawartości komputera służbowego, służbowej poczty elektronicznej i innych "
    "zasobów informatycznych (§82 Regulaminu Pracy, art. 22³ Kodeksu pracy).": (
        "Monitoring of work computers, work e-mail and other IT resources "
        "(§82 of the work regulations, art. 22³ of the Labour Code)."
    ),
    "upoważnienie": "authorisation",
    "cofnięcie upoważnienia": "revocation",
    "informacja o monitoringu": "notice",
    "czynność kontrolna": "inspection act",
    "zawartość komputera": "computer content",
    "poczta służbowa": "work e-mail",
    "inne zasoby informatyczne": "other IT resources",
    "logi aktywności": "activity logs",
    "organizacja pracy (pełne wykorzystanie czasu pracy)": (
        "work organisation (full use of working time)"
    ),
    "właściwe użytkowanie narzędzi pracy": "proper use of work tools",
}
feature = Feature(
    name="register",
    models=["inventory.register.models"],
    cli=_cli,
    routes=_routes,
    jobs=_jobs,
    nav=(
        NavItem("Rejestr monitoringu §82", "/register", (MONITORING_OFFICER, AUDITOR), 70),
        # The admin grants authorisations and records notices but does not see the acts.
        NavItem("Upoważnienia §82", "/register/authorised", (ADMIN,), 71),
    ),
    templates=str(Path(__file__).parent / "templates"),
    translations=TRANSLATIONS,
)
