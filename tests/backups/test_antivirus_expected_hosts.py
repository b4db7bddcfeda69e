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


def test_compliant_ratio_metric_counts_the_inventory_computers_in_service(
    ctx: AppContext,
) -> None:
    """A computer in service that never reported pulls the ratio down; a printer does not."""
    from prometheus_client import CollectorRegistry, generate_latest

    from checks.backups.metrics import BackupCollector
    from checks.backups.service import service
    from tests.backups.backup_support import agent_report, store_antivirus

    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", hostname="pc-test-01")
        asset(db, "INV-TEST-0002", hostname="pc-test-02")
        asset(db, "INV-TEST-0003", category="printer", hostname="drukarka-test")
    svc = service(ctx)
    svc.load()
    store_antivirus(svc, agent_report("PC-TEST-01", ctx.clock.now()))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BackupCollector(svc))
    text = generate_latest(registry).decode()
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        expected = inventory_computers(db, ctx.settings, now)
        figure = antivirus_compliance(db, ctx.settings, now, expected)
    assert figure.ratio == 0.5
    assert "itops_antivirus_compliant_ratio 0.5" in text


def test_the_pulpit_tile_counts_the_same_computers_as_the_metric(ctx: AppContext) -> None:
    """A host that reported but is not an inventoried computer in service is not counted."""
    from checks.backups.plugin import tiles
    from checks.backups.service import service
    from tests.backups.backup_support import agent_report, store_antivirus

    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", hostname="pc-test-01")
        asset(db, "INV-TEST-0002", hostname="pc-test-02")
    svc = service(ctx)
    svc.load()
    store_antivirus(svc, agent_report("PC-TEST-01", ctx.clock.now()))
    store_antivirus(svc, agent_report("laptop-prywatny-test", ctx.clock.now()))
    [tile] = [t for t in tiles(ctx) if t.label == "Ochrona antywirusowa"]
    assert (tile.value, tile.detail, tile.ok) == ("50%", "1/2", False)
