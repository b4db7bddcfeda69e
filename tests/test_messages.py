"""Every message code of every kind renders in both languages (issue 18).

Why: a result carries ``Summary(code, params)``; a code without a Polish text, or a
template naming a parameter the other language does not, would show a half-filled or
English sentence on a Polish page. This walks every registered table.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks.backups.kinds import ANTIVIRUS_KINDS, BACKUP_KINDS
from checks.kinds import CHECK_KINDS
from itops import messages
from itops.messages import COMMA_LIST, LANGS, Summary, placeholders, raw, render
from itops.registry import KindRegistry


def _sample(code: str, names: set[str]) -> Summary:
    return Summary(code, {name: 12345.678 for name in names})


def test_every_code_has_both_languages_and_the_same_parameters() -> None:
    table = messages.texts()
    assert len(table) > 40  # the kinds' tables are loaded, not only the core's
    for code, by_lang in table.items():
        assert set(by_lang) == set(LANGS), code
        assert all(by_lang[lang].strip() for lang in LANGS), code
        pl, en = placeholders(by_lang["pl"]), placeholders(by_lang["en"])
        assert pl == en, f"{code}: Polish names {sorted(pl)}, English {sorted(en)}"


def test_every_code_renders_in_both_languages_with_polish_numbers() -> None:
    for code, by_lang in messages.texts().items():
        summary = _sample(code, placeholders(by_lang["pl"]))
        pl, en = render(summary, "pl"), render(summary, "en")
        assert "{" not in pl and "{" not in en, code
        if any(":" in f for f in _specs(by_lang["pl"])):  # a formatted number
            assert "12345.6" not in pl, f"{code}: {pl}"


def _specs(template: str) -> list[str]:
    import string

    return [f"{name}:{spec}" for _, name, spec, _ in string.Formatter().parse(template) if name]


def test_a_missing_parameter_fails_loudly() -> None:
    with pytest.raises(KeyError):
        render(Summary("tcp.connected", {}), "pl")


def test_an_unknown_code_fails_loudly() -> None:
    with pytest.raises(KeyError, match="no texts"):
        render(Summary("tcp.no_such_code"), "pl")


@pytest.mark.parametrize(
    ("registry", "family"),
    [(CHECK_KINDS, None), (BACKUP_KINDS, "backup"), (ANTIVIRUS_KINDS, "antivirus")],
    ids=["checks", "backups", "antivirus"],
)
def test_each_kind_owns_registered_texts_under_its_name(
    registry: KindRegistry[Any], family: str | None
) -> None:
    """Checks, backup and antivirus engines alike: a kind's own table, registered (so a page
    renders a stored code without importing the kind)."""
    table = messages.texts()
    for kind in registry:
        cls = registry.cls(kind)
        own = [code for code in cls.TEXTS if code.startswith(f"{family or kind}.")]
        assert own, f"{kind}: no code of its own"
        for code, by_lang in cls.TEXTS.items():
            assert table[code] == by_lang, code


def test_backup_verdicts_render_in_polish_with_the_rule_they_broke() -> None:
    rule = Summary("backup.rule.max_age", {"limit": 86400})
    old = Summary("backup.too_old.snapshot", {"age": 3 * 86400 + 4 * 3600, "rule": rule})
    sized = messages.joined([old, Summary("backup.size", {"size": 1.5 * 2**30})], COMMA_LIST)
    assert render(sized, "pl") == (
        "najnowsza migawka ma 3 d 4 h, przekroczono termin: maksymalny wiek 1 d, 1,5 GiB"
    )
    assert render(sized, "en") == "newest snapshot is 3 d 4 h old (max_age 1 d exceeded), 1.5 GiB"


def test_nested_summaries_render_in_the_same_language_and_survive_json() -> None:
    inner = Summary("net.refused")
    outer = Summary("tcp.cannot_connect", {"target": "demo-bip:443", "reason": inner})
    assert render(outer, "pl") == "brak połączenia z demo-bip:443: połączenie odrzucone"
    assert render(outer, "en") == "cannot connect to demo-bip:443: connection refused"
    assert messages.loads(messages.dumps(outer)) == (outer,)


def test_a_raw_text_renders_as_it_is_and_old_rows_read_back_as_raw() -> None:
    assert render(raw("DEMO: ok"), "pl") == "DEMO: ok"
    assert messages.loads(None, "stored before codes") == (raw("stored before codes"),)


def test_numbers_are_written_by_the_one_formatter() -> None:
    load = Summary("load.average", {"average": "5m", "load": 7.98, "per_cpu": 3.99})
    assert render(load, "pl") == "obciążenie (5m) 7,98, na procesor 3,99"
    assert render(load, "en") == "load 5m 7.98, 3.99 per CPU"
    memory = Summary("memory.used", {"used": 7.42, "swap": 0.0})
    assert render(memory, "pl") == "pamięć zajęta w 7,4%, pamięć wymiany w 0,0%"


def test_moments_in_office_time_are_written_by_the_one_formatter() -> None:
    """{since:wall} raised ValueError ("Invalid format specifier 'wall' for object of type
    'str'"): a silent antivirus host's summary could not be rendered (issue 13)."""
    silent = Summary("antivirus.silent", {"since": "2026-03-10T08:00:00+01:00", "days": 3})
    assert render(silent, "pl") == "brak raportu od 10.03.2026 08:00 (cisza dłuższa niż 3 d)"
    assert render(silent, "en") == "no report since 10/03/2026 08:00 (silent for over 3 d)"
    # a day: "{date:day}"; a text stored already written out reads as it was
    statement = Summary("freshness.statement_ok", {"date": "2026-11-01"})
    assert render(statement, "en") == "accessibility statement dated 01/11/2026"
    stored = Summary("freshness.statement_ok", {"date": "01.11.2026"})
    assert render(stored, "en") == "accessibility statement dated 01.11.2026"


def test_a_list_renders_each_item_in_the_language_and_one_item_stays_itself() -> None:
    refused = Summary("net.refused")
    assert messages.joined([refused]) == refused
    both = messages.joined([refused, Summary("net.reset")])
    assert render(both, "pl") == "połączenie odrzucone; połączenie zerwane"
    assert render(both, "en") == "connection refused; connection reset"
    names = messages.joined(["A", Summary("snmp.bit.lowToner")], messages.COMMA_LIST)
    assert render(names, "pl") == "A, mało tonera"
    assert messages.loads(messages.dumps(both)) == (both,)
