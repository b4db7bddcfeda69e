"""The refusals of the §82 register, as message codes.

Why: the register's forms are Polish pages and their refusals ("no enabled user … to
authorise") were English prose (issue 14.4). A refusal is ``ValidationError.of(Summary)``;
the page renders it in its language, the CLI and the log read the English text, which is
the wording the CLI always printed. Both languages name the same parameters (the test over
every code checks it). Field names and entry kinds are codes of their own, so "reason"
reads "uzasadnienie" inside a Polish sentence.
"""

from __future__ import annotations

from collections.abc import Mapping

from itops.messages import Summary

Table = Mapping[str, Mapping[str, str]]

# Field names a refusal names (``field(name)``).
FIELDS: Table = {
    "register.field.reason": {"pl": "uzasadnienie", "en": "reason"},
    "register.field.policy version": {"pl": "wersja regulaminu", "en": "policy version"},
    "register.field.resource": {"pl": "zasób", "en": "resource"},
    "register.field.justification": {"pl": "uzasadnienie kontroli", "en": "justification"},
    "register.field.outcome": {"pl": "wynik", "en": "outcome"},
    "register.field.start": {"pl": "początek", "en": "start"},
    "register.field.end": {"pl": "koniec", "en": "end"},
    "register.field.valid_from": {"pl": "ważne od", "en": "valid_from"},
    "register.field.valid_to": {"pl": "ważne do", "en": "valid_to"},
    "register.field.received_on": {"pl": "data otrzymania", "en": "received_on"},
    "register.kind.notice": {"pl": "informacją o monitoringu", "en": "notice"},
    "register.kind.act": {"pl": "czynnością kontrolną", "en": "act"},
}

REGISTER: Table = {
    "register.scope_none": {
        "pl": "podaj co najmniej jeden zakres ({known})",
        "en": "name at least one scope ({known})",
    },
    "register.scope_unknown": {
        "pl": "nieznany zakres {unknown} (znane: {known})",
        "en": "unknown scope {unknown} (known: {known})",
    },
    "register.required": {"pl": "pole „{name}” jest wymagane", "en": "{name} is required"},
    "register.too_long": {
        "pl": "pole „{name}” ma {length} znaków; rejestr przechowuje tylko metadane "
        "(najwyżej {limit}), nigdy treści ani załączników",
        "en": "{name} has {length} characters; the register keeps metadata only "
        "(at most {limit}), never content or attachments",
    },
    "register.control": {
        "pl": "pole „{name}” zawiera znaki sterujące lub podziały wierszy",
        "en": "{name} contains control characters or line breaks",
    },
    "register.needs_zone": {
        "pl": "pole „{name}” wymaga strefy czasowej (np. 2026-11-20T09:00+01:00)",
        "en": "{name} needs a time zone (e.g. 2026-11-20T09:00+01:00)",
    },
    "register.employee_bad": {
        "pl": "nie ma takiego pracownika (podaj kod lub numer pracownika)",
        "en": "no such employee (give the employee code or id)",
    },
    "register.employee_unknown": {
        "pl": "nie ma pracownika „{text}” (podaj kod lub numer pracownika)",
        "en": 'no employee "{text}" (give the employee code or id)',
    },
    "register.gate.purpose": {
        "pl": "cel „{purpose}” nie jest celem ustawowym z §82 ust. 3 (jeden z: {known})",
        "en": 'purpose "{purpose}" is not a statutory purpose of §82 ust. 3 (one of: {known})',
    },
    "register.gate.order": {
        "pl": "czynność kończy się przed rozpoczęciem",
        "en": "the act ends before it starts",
    },
    "register.gate.authorisation": {
        "pl": "„{inspector}” nie ma upoważnienia ważnego przez całą czynność ({start} – {end}):"
        " nie nadano go, jeszcze nie obowiązuje, wygasło lub zostało cofnięte",
        "en": '"{inspector}" holds no authorisation valid for the whole act '
        "({start} – {end}): not granted, not yet valid, expired or revoked",
    },
    "register.gate.scope": {
        "pl": "upoważnienie „{inspector}” nie obejmuje zakresu {missing}",
        "en": 'the authorisation of "{inspector}" does not cover {missing}',
    },
    "register.gate.notice": {
        "pl": "pracownik nie otrzymał informacji o monitoringu przed {day} "
        "(§82 ust. 10, §8 ust. 1 pkt 7)",
        "en": "the employee has no monitoring notice received before {day} "
        "(§82 ust. 10, §8 ust. 1 pkt 7)",
    },
    "register.gate.future": {
        "pl": "czynność wpisuje się po jej zakończeniu; jej koniec jest w przyszłości",
        "en": "an act is recorded after it ends; its end is in the future",
    },
    "register.act_refused": {"pl": "czynność odrzucona: {reason}", "en": "act refused: {reason}"},
    "register.not_kind": {
        "pl": "wpis nr {seq} nie jest {kind} w rejestrze",
        "en": "entry #{seq} is not a {kind} of the register",
    },
    "register.corrected": {
        "pl": "wpis nr {seq} został już skorygowany; koryguj wpis nr {newer}",
        "en": "entry #{seq} was already corrected; correct #{newer} instead",
    },
    "register.not_yours": {
        "pl": "czynność nr {seq} wpisał(a) {inspector}; tylko ta osoba może ją skorygować",
        "en": "act #{seq} was recorded by {inspector}; only they may correct it",
    },
    "register.no_user": {
        "pl": "brak aktywnego użytkownika „{login}” do upoważnienia",
        "en": 'no enabled user "{login}" to authorise',
    },
    "register.wrong_role": {
        "pl": "użytkownik „{login}” ma rolę {role}; upoważnić do monitoringu można tylko "
        "rolę {needed}",
        "en": 'user "{login}" has the role {role}; only a {needed} can be authorised to monitor',
    },
    "register.auth_order": {
        "pl": "upoważnienie kończy się przed rozpoczęciem",
        "en": "the authorisation ends before it starts",
    },
    "register.not_authorisation": {
        "pl": "wpis nr {seq} nie jest upoważnieniem",
        "en": "entry #{seq} is not an authorisation",
    },
    "register.already_revoked": {
        "pl": "upoważnienie nr {seq} zostało już cofnięte {on}",
        "en": "authorisation #{seq} was already revoked on {on}",
    },
    "register.nothing_to_revoke": {
        "pl": "„{login}” nie ma żadnego niecofniętego upoważnienia",
        "en": '"{login}" holds no unrevoked authorisation',
    },
    "register.notice_future": {
        "pl": "data otrzymania informacji {day} jest w przyszłości",
        "en": "the notice date {day} is in the future",
    },
    "register.choose_revoke": {
        "pl": "wybierz upoważnienie do cofnięcia",
        "en": "choose the authorisation to revoke",
    },
    "register.not_date": {
        "pl": "pole „{name}”: to nie jest data RRRR-MM-DD",
        "en": "{name}: not a date YYYY-MM-DD",
    },
    "register.period_bad": {
        "pl": "„od” i „do” muszą być datami RRRR-MM-DD",
        "en": "from/to must be dates YYYY-MM-DD",
    },
    "register.period_order": {
        "pl": "data „do” jest przed datą „od”",
        "en": '"to" is before "from"',
    },
    "register.no_attachments": {
        "pl": "rejestr przechowuje tylko metadane: załączniki są odrzucane",
        "en": "the register keeps metadata only: attachments are refused",
    },
    "register.time_range": {
        "pl": "pole „{name}”: data i godzina między 1990 rokiem a dniem dzisiejszym",
        "en": "{name}: a date and time between 1990 and today",
    },
    "register.not_moment": {
        "pl": "pole „{name}”: to nie jest data i godzina",
        "en": "{name}: not a date and time",
    },
}

# The daily anchor's notification (``anchor_job``); the verification report and the notes
# are the register's own English output (the CLI prints the same), kept as data.
ANCHOR: Table = {
    "register.anchor.not_made": {
        "pl": "Kotwica rejestru §82 nie powstała: {error}",
        "en": "The §82 register anchor was not made: {error}",
    },
    "register.anchor.broken": {
        "pl": (
            "Rejestr monitoringu §82 NIE przeszedł weryfikacji; kotwica nie została "
            "podpisana.\n{verification}"
        ),
        "en": (
            "The §82 monitoring register FAILED verification; no anchor was signed.\n{verification}"
        ),
    },
    "register.anchor.signed": {
        "pl": (
            "Podpisany stan rejestru §82: wpis nr {seq}, skrót {hash}, czas {at}.\n"
            "Zachowaj tę wiadomość poza serwerem itops. Sprawdzenie rejestru względem niej:\n"
            "itops register verify --anchor '{anchor}'\n\nKotwica (JSON):\n{json}{notes}"
        ),
        "en": (
            "Signed state of the §82 register: entry {seq}, hash {hash}, time {at}.\n"
            "Keep this message off the itops server. To check the register against it:\n"
            "itops register verify --anchor '{anchor}'\n\nAnchor (JSON):\n{json}{notes}"
        ),
    },
    "register.failed": {
        "pl": "Operacja nie powiodła się; szczegóły są w dzienniku itops.",
        "en": "The operation failed; the details are in the itops log.",
    },
}

TEXTS: Table = {**FIELDS, **REGISTER, **ANCHOR}


def field(name: str) -> Summary:
    """A field's name in the reader's language (a code of ``FIELDS``)."""
    return Summary(f"register.field.{name}")


def refusal(code: str, **params: str | Summary) -> Summary:
    """One refusal of the register (numbers travel as text: an entry number is no amount)."""
    return Summary(code, params)
