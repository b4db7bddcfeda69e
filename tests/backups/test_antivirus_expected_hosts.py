"""Antivirus compliance counts the inventory's computers, not only the hosts that reported."""

from __future__ import annotations

from checks.backups.public import antivirus_compliance, inventory_computers
from itops.context import AppContext
from itops.db.session import session_scope
from tests.inventory.helpers import asset


def test_no_inventory_means_every_reporting_host(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        assert inventory_computers(db, ctx.settings, ctx.clock.now()) is None


def test_a_computer_in_service_that_never_reported_is_unknown_not_compliant(
    ctx: AppContext,
) -> None:
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", hostname="pc-test-01")
        asset(db, "INV-TEST-0002", category="printer", hostname="drukarka-test")
    with session_scope(ctx.sessions) as db:
        expected = inventory_computers(db, ctx.settings, now)
        compliance = antivirus_compliance(db, ctx.settings, now, expected)
    assert expected == ["pc-test-01"]
    assert compliance.expected == 1 and compliance.compliant == 0
    assert [(h.host, h.state) for h in compliance.hosts] == [("pc-test-01", "unknown")]
