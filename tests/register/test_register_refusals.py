"""Every refusal of the §82 register's forms and of the software page speaks the page's
language (issue 14.4): Polish by default, English after /lang/en, a 4xx, nothing written.

In-process (the ASGI app, no server, no browser), on SQLite and PostgreSQL (``office``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inventory import software, software_texts
from inventory.models import Licence
from inventory.register import service
from inventory.register import texts as register_texts
from inventory.register.models import JUSTIFICATION_LEN, RegisterEntry
from itops import messages
from itops.db.models import User
from itops.db.session import session_scope
from itops.errors import ValidationError
from itops.messages import placeholders
from itops.web.app import create_app
from tests.register.conftest import LOGINS, PASSWORD, T0, Office, _password_hash
from tests.web.conftest import AsgiClient

MO, ADM, IT = "monitoring_officer", "admin", "it_officer"
GRANT, REVOKE = "/register/authorisations", "/register/authorisations/revoke"
NOTICE, ACT, LICENCE = "/register/notices", "/register/acts", "/inventory/licences"
_POLICY = {"policy_version": "R1", "reason": "test"}
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def _grant(o: Office) -> None:
    o.grant()


def _grant_and_notify(o: Office) -> None:
    o.grant()
    o.notice(o.jan)


def _revoked(o: Office) -> None:
    seq = o.grant()
    with session_scope(o.ctx.sessions) as db:
        service.revoke(db, datetime(2026, 11, 3, 8, 0, tzinfo=UTC), o.admin, seq, "test")


def _corrected(o: Office) -> None:
    seq = o.notice(o.jan)
    with session_scope(o.ctx.sessions) as db:
        service.record_notice(
            db, o.clock.now(), o.admin, o.jan, date(2026, 10, 2), "Regulamin 2026", seq, "test"
        )


def _act(**kw: str) -> dict[str, str]:
    form = {
        "employee": "EMP-TEST-0001",
        "resource": "INV-TEST-0001 (laptop)",
        "scope": "computer_content",
        "purpose": "proper_use",
        "justification": "Zgłoszenie testowe.",
        "start": "2026-11-20T10:00",
        "end": "2026-11-20T11:00",
        "outcome": "Bez uwag.",
    }
    form.update(kw)
    return form


def _grant_form(**kw: str) -> dict[str, str]:
    return {"login": LOGINS[MO], "scope": "computer_content", "valid_from": "2026-11-01", **kw}


@dataclass(frozen=True)
class Case:
    """One refused post: who, where, what, the prepared state and both texts expected."""

    name: str
    role: str
    path: str
    form: dict[str, str]
    pl: str
    en: str
    setup: Callable[[Office], None] = field(default=lambda o: None)


CASES = [
    Case(
        "no_user",
        ADM,
        GRANT,
        _grant_form(login="nikt.testowy"),
        "brak aktywnego użytkownika „nikt.testowy” do upoważnienia",
        'no enabled user "nikt.testowy" to authorise',
    ),
    Case(
        "wrong_role",
        ADM,
        GRANT,
        _grant_form(login=LOGINS["auditor"]),
        f"użytkownik „{LOGINS['auditor']}” ma rolę auditor",
        f'user "{LOGINS["auditor"]}" has the role auditor',
    ),
    Case(
        "scope_none",
        ADM,
        GRANT,
        _grant_form(scope=""),
        "podaj co najmniej jeden zakres",
        "name at least one scope",
    ),
    Case(
        "scope_unknown",
        ADM,
        GRANT,
        _grant_form(scope="telepathy"),
        "nieznany zakres telepathy",
        "unknown scope telepathy",
    ),
    Case(
        "not_date",
        ADM,
        GRANT,
        _grant_form(valid_from="jutro"),
        "pole „ważne od”: to nie jest data RRRR-MM-DD",
        "valid_from: not a date YYYY-MM-DD",
    ),
    Case(
        "auth_order",
        ADM,
        GRANT,
        _grant_form(valid_to="2026-10-01"),
        "upoważnienie kończy się przed rozpoczęciem",
        "the authorisation ends before it starts",
    ),
    Case(
        "choose_revoke",
        ADM,
        REVOKE,
        {"reason": "test"},
        "wybierz upoważnienie do cofnięcia",
        "choose the authorisation to revoke",
    ),
    Case(
        "not_authorisation",
        ADM,
        REVOKE,
        {"seq": "999", "reason": "test"},
        "wpis nr 999 nie jest upoważnieniem",
        "entry #999 is not an authorisation",
    ),
    Case(
        "required",
        ADM,
        REVOKE,
        {"seq": "1", "reason": ""},
        "pole „uzasadnienie” jest wymagane",
        "reason is required",
        _grant,
    ),
    Case(
        "already_revoked",
        ADM,
        REVOKE,
        {"seq": "1", "reason": "test"},
        "upoważnienie nr 1 zostało już cofnięte",
        "authorisation #1 was already revoked on",
        _revoked,
    ),
    Case(
        "notice_required",
        ADM,
        NOTICE,
        {"employee": "EMP-TEST-0001", "received_on": "2026-10-01"},
        "pole „wersja regulaminu” jest wymagane",
        "policy version is required",
    ),
    Case(
        "employee_unknown",
        ADM,
        NOTICE,
        {"employee": "EMP-TEST-9999", "received_on": "2026-10-01"},
        "nie ma pracownika „EMP-TEST-9999”",
        'no employee "EMP-TEST-9999"',
    ),
    Case(
        "employee_bad",
        ADM,
        NOTICE,
        {"employee": "EMP\x00", "received_on": "2026-10-01"},
        "nie ma takiego pracownika",
        "no such employee",
    ),
    Case(
        "notice_future",
        ADM,
        NOTICE,
        {"employee": "EMP-TEST-0001", "received_on": "2026-12-24", "policy_version": "R1"},
        "data otrzymania informacji 2026-12-24 jest w przyszłości",
        "the notice date 2026-12-24 is in the future",
    ),
    Case(
        "notice_not_kind",
        ADM,
        NOTICE,
        {"employee": "EMP-TEST-0001", "received_on": "2026-10-01", "corrects": "999", **_POLICY},
        "wpis nr 999 nie jest informacją o monitoringu w rejestrze",
        "entry #999 is not a notice of the register",
    ),
    Case(
        "corrected",
        ADM,
        NOTICE,
        {"employee": "EMP-TEST-0001", "received_on": "2026-10-01", "corrects": "1", **_POLICY},
        "wpis nr 1 został już skorygowany; koryguj wpis nr 2",
        "entry #1 was already corrected; correct #2 instead",
        _corrected,
    ),
    Case(
        "not_moment",
        MO,
        ACT,
        _act(start="rano"),
        "pole „początek”: to nie jest data i godzina",
        "start: not a date and time",
    ),
    Case(
        "time_range",
        MO,
        ACT,
        _act(start="1980-01-01T10:00"),
        "pole „początek”: data i godzina między 1990 rokiem a dniem dzisiejszym",
        "start: a date and time between 1990 and today",
    ),
    Case(
        "act_required",
        MO,
        ACT,
        _act(resource=""),
        "pole „zasób” jest wymagane",
        "resource is required",
        _grant_and_notify,
    ),
    Case(
        "too_long",
        MO,
        ACT,
        _act(justification="x" * (JUSTIFICATION_LEN + 1)),
        f"pole „uzasadnienie kontroli” ma {JUSTIFICATION_LEN + 1} znaków",
        f"justification has {JUSTIFICATION_LEN + 1} characters",
        _grant_and_notify,
    ),
    Case(
        "control",
        MO,
        ACT,
        _act(resource="INV\tTEST"),
        "pole „zasób” zawiera znaki sterujące lub podziały wierszy",
        "resource contains control characters or line breaks",
        _grant_and_notify,
    ),
    Case(
        "act_not_kind",
        MO,
        ACT,
        _act(corrects="999", reason="test"),
        "wpis nr 999 nie jest czynnością kontrolną w rejestrze",
        "entry #999 is not a act of the register",
        _grant_and_notify,
    ),
    Case(
        "gate_future",
        MO,
        ACT,
        _act(start="2026-11-26T11:00", end="2026-11-26T13:00"),
        "czynność wpisuje się po jej zakończeniu; jej koniec jest w przyszłości",
        "an act is recorded after it ends; its end is in the future",
        _grant_and_notify,
    ),
    Case(
        "gate_purpose",
        MO,
        ACT,
        _act(purpose="curiosity"),
        "czynność odrzucona: cel „curiosity” nie jest celem ustawowym z §82 ust. 3",
        'act refused: purpose "curiosity" is not a statutory purpose of §82 ust. 3',
        _grant_and_notify,
    ),
    Case(
        "gate_order",
        MO,
        ACT,
        _act(start="2026-11-20T11:00", end="2026-11-20T10:00"),
        "czynność odrzucona: czynność kończy się przed rozpoczęciem",
        "act refused: the act ends before it starts",
        _grant_and_notify,
    ),
    Case(
        "gate_authorisation",
        MO,
        ACT,
        _act(),
        f"czynność odrzucona: „{LOGINS[MO]}” nie ma upoważnienia ważnego przez całą czynność",
        f'act refused: "{LOGINS[MO]}" holds no authorisation valid for the whole act',
        lambda o: o.notice(o.jan) and None,
    ),
    Case(
        "gate_scope",
        MO,
        ACT,
        _act(scope="work_email"),
        f"czynność odrzucona: upoważnienie „{LOGINS[MO]}” nie obejmuje zakresu work_email",
        f'act refused: the authorisation of "{LOGINS[MO]}" does not cover work_email',
        lambda o: (o.grant("computer_content"), o.notice(o.jan)) and None,
    ),
    Case(
        "gate_notice",
        MO,
        ACT,
        _act(employee="EMP-TEST-0002"),
        "czynność odrzucona: pracownik nie otrzymał informacji o monitoringu przed 2026-11-20",
        "act refused: the employee has no monitoring notice received before 2026-11-20",
        _grant,
    ),
    Case(
        "seats_whole",
        IT,
        LICENCE,
        {"product": "7-Zip", "seats": "dużo"},
        "liczba licencji: podaj liczbę całkowitą",
        "seats: give a whole number",
    ),
    Case(
        "product_empty",
        IT,
        LICENCE,
        {"product": "", "seats": "3"},
        "brak nazwy produktu; podaj nazwę instalacji do liczenia",
        "product is empty; give the installed name to count",
    ),
    Case(
        "field_long",
        IT,
        LICENCE,
        {"product": "7-Zip", "seats": "3", "note": "x" * 401},
        "pole „uwagi”: najwyżej 400 znaków",
        "note: at most 400 characters",
    ),
]


def _written(office: Office) -> tuple[int, int]:
    with session_scope(office.ctx.sessions) as db:
        entries = db.scalar(select(func.count()).select_from(RegisterEntry)) or 0
        licences = db.scalar(select(func.count()).select_from(Licence)) or 0
        return int(entries), int(licences)


async def _client(office: Office, role: str, lang: str) -> tuple[AsgiClient, str]:
    client = AsgiClient(create_app(office.ctx))
    if lang == "en":
        assert (await client.get("/lang/en")).status == 303
    assert (await client.login(LOGINS[role], PASSWORD)).status == 303
    match = _CSRF.search((await client.get("/")).text)
    assert match
    return client, match.group(1)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_a_refused_post_speaks_the_pages_language_and_writes_nothing(
    office: Office, case: Case
) -> None:
    case.setup(office)
    before = _written(office)
    for lang in ("pl", "en"):
        client, token = await _client(office, case.role, lang)
        reply = await client.post(case.path, {**case.form, "csrf_token": token})
        assert 400 <= reply.status < 500, (lang, reply.status)
        page = html.unescape(reply.text)
        expected, other = (case.pl, case.en) if lang == "pl" else (case.en, case.pl)
        assert expected in page, (lang, expected)
        assert other not in page, (lang, other)
        assert _written(office) == before


@pytest.mark.parametrize("lang", ["pl", "en"])
async def test_a_bad_period_on_the_register_page_speaks_the_pages_language(
    office: Office, lang: str
) -> None:
    client, _ = await _client(office, MO, lang)
    for query, pl, en in (
        ("from=wczoraj", "„od” i „do” muszą być datami RRRR-MM-DD", "from/to must be dates"),
        ("from=2026-11-20&to=2026-11-01", "data „do” jest przed datą „od”", '"to" is before'),
    ):
        reply = await client.get(f"/register?{query}")
        assert reply.status == 400
        assert (pl if lang == "pl" else en) in html.unescape(reply.text)


@pytest.mark.engine("sqlite")
def test_the_software_search_refuses_in_both_languages(office: Office) -> None:
    with session_scope(office.ctx.sessions) as db:
        for name, version, pl in (
            (" ", "", "podaj fragment nazwy programu"),
            ("x" * 256, "", "nazwa najwyżej 255 znaków, wersja najwyżej 128"),
        ):
            with pytest.raises(ValidationError) as info:
                software.search(db, name, version)
            assert messages.render(info.value.summary(), "pl") == pl
            assert str(info.value) == messages.render(info.value.summary(), "en")


def test_every_refusal_code_has_both_texts_with_the_same_parameters() -> None:
    tables = {**register_texts.TEXTS, **software_texts.TEXTS}
    assert len(tables) >= 45
    for code, by_lang in tables.items():
        assert set(by_lang) == {"pl", "en"}, code
        assert by_lang["pl"].strip() and by_lang["en"].strip(), code
        assert placeholders(by_lang["pl"]) == placeholders(by_lang["en"]), code
        assert messages.texts()[code] == by_lang, code  # registered for every page


def test_the_register_and_software_pages_raise_no_english_prose() -> None:
    """Each refusal a page can show is a code: a new ``ValidationError("…")`` in these
    modules would reach a Polish page in English."""
    root = Path(__file__).resolve().parents[2]
    for module in (
        "inventory/register/service.py",
        "inventory/register/web.py",
        "inventory/register/web_base.py",
        "inventory/software.py",
        "inventory/web_software.py",
    ):
        source = (root / module).read_text(encoding="utf-8")
        assert not re.search(r"ValidationError\(\s*f?[\"']", source), module


async def test_correcting_another_inspectors_act_is_refused_in_the_pages_language(
    office: Office,
) -> None:
    """A 403 from the service (not the route's roles) speaks the page's language too."""
    office.grant()
    office.notice(office.jan)
    seq = office.act()
    other = "marta.monitor"
    with session_scope(office.ctx.sessions) as db:
        db.add(
            User(
                login=other,
                full_name="Marta Testowa",
                role=MO,
                password_hash=_password_hash(),
                disabled=False,
                created_at=T0,
                password_changed_at=T0,
            )
        )
    with session_scope(office.ctx.sessions) as db:
        service.grant(db, T0, office.admin, other, "computer_content", date(2026, 11, 1))
    before = _written(office)
    for lang, expected in (
        ("pl", f"czynność nr {seq} wpisał(a) {office.officer}; tylko ta osoba może ją skorygować"),
        ("en", f"act #{seq} was recorded by {office.officer}; only they may correct it"),
    ):
        client = AsgiClient(create_app(office.ctx))
        if lang == "en":
            await client.get("/lang/en")
        assert (await client.login(other, PASSWORD)).status == 303
        match = _CSRF.search((await client.get("/")).text)
        assert match
        form = {**_act(corrects=str(seq), reason="test"), "csrf_token": match.group(1)}
        reply = await client.post(ACT, form)
        assert reply.status == 403
        assert expected in html.unescape(reply.text)
        assert _written(office) == before
