"""The functions other features call: hostnames in service, trainings, ages, OS support."""

from __future__ import annotations

import json
from datetime import date

from inventory.people import add_employee, add_training
from inventory.public import (
    active_computer_hostnames,
    fleet_age_distribution,
    os_support_status,
    training_counts,
)
from itops.context import AppContext
from itops.db.session import session_scope
from tests.inventory.helpers import NOW, asset


def test_active_hostnames_follow_the_ledger_on_the_day(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", bought=date(2020, 1, 1), hostname="PC-01")
        asset(
            db, "INV-TEST-0002", bought=date(2020, 1, 1), retired=date(2026, 6, 1), hostname="pc-02"
        )
        asset(db, "INV-TEST-0003", category="printer", hostname="drukarka")
        asset(db, "INV-TEST-0004", bought=date(2026, 7, 1), hostname="pc-04")
    with session_scope(ctx.sessions) as db:
        assert active_computer_hostnames(db, ctx.settings, date(2026, 5, 31)) == ["pc-01", "pc-02"]
        assert active_computer_hostnames(db, ctx.settings, date(2026, 12, 31)) == ["pc-01", "pc-04"]


def test_training_counts_per_year(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        add_employee(db, "EMP-TEST-1", "Jan Testowy")
        add_employee(db, "EMP-TEST-2", "Anna Przykładowa")
        add_training(db, date(2026, 3, 1), "Phishing", "IT", "group", ["EMP-TEST-1", "EMP-TEST-2"])
        add_training(db, date(2026, 4, 1), "EZD", "IT", "individual", ["EMP-TEST-1"])
        add_training(db, date(2025, 4, 1), "RODO", "IT", "group", ["EMP-TEST-1"])
    with session_scope(ctx.sessions) as db:
        counts = training_counts(db, 2026)
        assert (counts.trainings, counts.group, counts.individual) == (2, 1, 1)
        assert (counts.participants, counts.participations) == (2, 3)


def test_fleet_age_buckets_count_computers_in_service(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", bought=date(2026, 1, 1))
        asset(db, "INV-TEST-0002", bought=date(2022, 12, 31))
        asset(db, "INV-TEST-0003", bought=date(2015, 1, 1))
        asset(db, "INV-TEST-0004", bought=date(2015, 1, 1), retired=date(2020, 1, 1))
    with session_scope(ctx.sessions) as db:
        buckets = fleet_age_distribution(db, ctx.settings, date(2026, 12, 31))
    assert [(b.label, b.count) for b in buckets] == [
        ("0–1 rok", 1),
        ("1–3 lata", 0),
        ("3–5 lat", 1),
        ("5–7 lat", 0),
        ("7+ lat", 1),
    ]


def test_windows_10_is_unsupported_after_14_october_2025(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        for no, os_name in (
            ("INV-TEST-0001", "Windows 10 Pro"),
            ("INV-TEST-0002", "Windows 11 Pro"),
            ("INV-TEST-0003", "Debian GNU/Linux 12 (bookworm)"),
        ):
            a = asset(db, no, hostname=no.lower())
            a.last_seen = NOW
            a.facts = json.dumps({"report": {"os": {"pretty": os_name}}})
    with session_scope(ctx.sessions) as db:
        before = {
            s.os: s.supported for s in os_support_status(db, ctx.settings, date(2025, 10, 14))
        }
        after = {s.os: s.supported for s in os_support_status(db, ctx.settings, date(2025, 10, 15))}
    assert before["Windows 10 Pro"] is True
    assert after == {
        "Windows 10 Pro": False,
        "Windows 11 Pro": None,
        "Debian GNU/Linux 12 (bookworm)": None,
    }
