"""``[[host_checks]]``: one ``host`` check per matching agent host, thresholds per group."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from checks.config import CHECKS
from checks.hosts import plugin as hosts_plugin
from checks.hosts.config import HOST_CHECKS
from checks.hosts.groups import Host, cover, derive, host_tags
from checks.kinds import CHECK_KINDS, host_report
from inventory.api import create_token
from inventory.intake import store_report
from inventory.models import Asset
from inventory.payload import AgentReport
from itops.config import Settings, load, validate
from itops.context import AppContext, derive_settings
from itops.db.session import read_scope, session_scope
from itops.errors import ConfigError
from itops.status import Status
from tests.agent.test_agent_linux import health_root
from tests.availability.test_check_kinds import run
from tests.conftest import write_config
from tests.hosts.test_host_kind import fs, healthy

OFFICE = {"name": "Urząd Testowy"}


def settings_with(
    groups: list[dict[str, Any]], checks: list[dict[str, Any]] | None = None, **more: Any
) -> Settings:
    return validate({"office": OFFICE, "checks": checks or [], "host_checks": groups, **more})


def host(name: str, category: str = "server", unit: str = "office") -> Host:
    return Host(name, host_tags(category, unit), unit)


def bad_config(tmp_path: Path, groups: str) -> str:
    path = write_config(
        tmp_path / "itops.toml", "sqlite:///" + str(tmp_path / "x.db"), extra=groups
    )
    with pytest.raises(ConfigError) as caught:
        load(path)
    return str(caught.value)


def test_a_group_without_hosts_or_tags_is_a_config_error_naming_file_and_key(
    tmp_path: Path,
) -> None:
    text = bad_config(tmp_path, '[[host_checks]]\nname = "serwery"\n')
    assert f"{tmp_path / 'itops.toml'}: host_checks[0](serwery): " in text
    assert 'give hosts (name patterns such as "srv-*") or tags' in text


def test_a_misspelt_threshold_in_a_group_is_a_config_error(tmp_path: Path) -> None:
    text = bad_config(
        tmp_path,
        '[[host_checks]]\nname = "serwery"\ntags = ["server"]\ndisk_warning_percent = 20\n',
    )
    assert "host_checks[0](serwery).disk_warning_percent" in text


def test_a_group_check_name_must_hold_the_host_placeholder(tmp_path: Path) -> None:
    text = bad_config(
        tmp_path, '[[host_checks]]\nname = "serwery"\ntags = ["server"]\ncheck_name = "stan"\n'
    )
    assert "host_checks[0](serwery).check_name: " in text and '"{host}"' in text


def test_groups_with_the_same_name_or_an_unknown_unit_are_config_errors(tmp_path: Path) -> None:
    text = bad_config(
        tmp_path,
        '[[host_checks]]\nname = "a"\ntags = ["server"]\n'
        'unit = "nieznana"\n[[host_checks]]\nname = "a"\nhosts = ["x"]\n',
    )
    assert "duplicate group names: a" in text
    text = bad_config(
        tmp_path, '[[host_checks]]\nname = "a"\ntags = ["server"]\nunit = "nieznana"\n'
    )
    assert 'host_checks: "a": unknown unit "nieznana"' in text


def test_each_matching_host_gets_a_check_with_its_groups_thresholds() -> None:
    settings = settings_with(
        [
            {
                "name": "serwery",
                "hosts": ["srv-*"],
                "disk_warning_percent_free": 25,
                "services": ["smbd"],
                "interval": "2m",
            },
            {
                "name": "stacje",
                "tags": ["desktop", "laptop"],
                "check_name": "stacja-{host}",
                "max_silence": "72h",
            },
        ]
    )
    derived, coverage = cover(
        settings.section(HOST_CHECKS),
        [],
        [host("srv-pliki"), host("pc-01", "desktop"), host("ups-1", "ups")],
    )
    by_name = {c.name: c for c in derived}
    assert sorted(by_name) == ["srv-pliki", "stacja-pc-01"]
    srv = by_name["srv-pliki"]
    assert srv.kind == "host" and srv.options.host == "srv-pliki"
    assert srv.options.disk_warning_percent_free == 25
    assert srv.options.services == ["smbd"]
    assert srv.interval == timedelta(minutes=2)
    assert by_name["stacja-pc-01"].options.max_silence == timedelta(hours=72)
    assert [c.reason for c in coverage if c.host == "ups-1"] == ["no group matches"]


def test_the_first_matching_group_wins_so_special_cases_go_first() -> None:
    settings = settings_with(
        [
            {"name": "ksiegowosc", "hosts": ["srv-fk"], "disk_warning_percent_free": 40},
            {"name": "serwery", "tags": ["server"], "disk_warning_percent_free": 10},
        ]
    )
    derived, _ = cover(settings.section(HOST_CHECKS), [], [host("srv-fk"), host("srv-www")])
    assert {c.name: c.options.disk_warning_percent_free for c in derived} == {
        "srv-fk": 40,
        "srv-www": 10,
    }


def test_a_host_with_its_own_host_check_keeps_it() -> None:
    settings = settings_with(
        [{"name": "serwery", "tags": ["server"]}],
        [{"name": "serwer-plikow", "kind": "host", "host": "SRV-Pliki"}],
    )
    derived, coverage = cover(
        settings.section(HOST_CHECKS),
        settings.section(CHECKS),
        [host("srv-pliki"), host("srv-www")],
    )
    assert [c.name for c in derived] == ["srv-www"]
    assert [(c.host, c.check, c.group) for c in coverage] == [
        ("srv-pliki", "serwer-plikow", None),
        ("srv-www", "srv-www", "serwery"),
    ]


def test_a_derived_name_already_taken_is_skipped_not_renamed() -> None:
    settings = settings_with(
        [{"name": "serwery", "tags": ["server"]}],
        [{"name": "poczta", "kind": "tcp", "host": "127.0.0.1", "port": 25}],
    )
    derived, coverage = cover(
        settings.section(HOST_CHECKS), settings.section(CHECKS), [host("poczta")]
    )
    assert derived == []
    assert coverage[0].reason == 'check name "poczta" is already taken'


def test_group_checks_do_not_count_for_kpi_unless_the_group_says_so() -> None:
    settings = settings_with(
        [
            {"name": "a", "hosts": ["srv-a"]},
            {"name": "b", "hosts": ["srv-b"], "counts_for_kpi": True},
        ]
    )
    derived, _ = cover(settings.section(HOST_CHECKS), [], [host("srv-a"), host("srv-b")])
    assert {c.name: c.kpi for c in derived} == {"srv-a": False, "srv-b": True}


def test_a_group_check_takes_the_hosts_unit_unless_the_group_names_one() -> None:
    units = [{"id": "szkola-1", "name": "Szkoła"}]
    settings = settings_with(
        [
            {"name": "a", "tags": ["unit:szkola-1"]},
            {"name": "b", "tags": ["server"], "unit": "szkola-1"},
        ],
        units=units,
    )
    derived, _ = cover(
        settings.section(HOST_CHECKS),
        [],
        [host("pc-s", "desktop", "szkola-1"), host("srv", "server", "office")],
        settings.unit_names(),
    )
    assert {c.name: c.unit for c in derived} == {"pc-s": "szkola-1", "srv": "szkola-1"}


def _store(ctx: AppContext, tmp_path: Path, hostname: str, **changes: Any) -> None:
    data = healthy(health_root(tmp_path / hostname)) | {"hostname": hostname, "nics": [], **changes}
    data["hardware"] = {**data.get("hardware", {}), "serial": f"DEMO-SN-{hostname}", "uuid": ""}
    with session_scope(ctx.sessions) as db:
        store_report(db, AgentReport.model_validate(data), ctx.clock.now())


def test_agent_hosts_are_those_with_a_report_or_a_token_and_not_retired(
    ctx: AppContext, tmp_path: Path
) -> None:
    _store(ctx, tmp_path, "demo-srv-a")
    _store(ctx, tmp_path, "demo-srv-old")
    with session_scope(ctx.sessions) as db:
        create_token(db, "DEMO-PC-NEW", ctx.clock.now())
        create_token(db, "demo-srv-old", ctx.clock.now())
        db.query(Asset).filter(Asset.hostname == "demo-srv-old").update({"status": "retired"})
        db.add(Asset(category="desktop", hostname="demo-pc-no-agent", facts="{}"))
    settings = settings_with([{"name": "wszystkie", "hosts": ["*"]}])
    with read_scope(ctx.sessions) as db:
        names = [c.name for c in derive(settings, db).section(CHECKS)]
    assert names == ["demo-pc-new", "demo-srv-a"]


async def test_a_derived_check_judges_the_stored_report_and_silence_is_unknown(
    ctx: AppContext, tmp_path: Path
) -> None:
    _store(ctx, tmp_path, "demo-srv-a", filesystems=fs(8))
    with session_scope(ctx.sessions) as db:
        create_token(db, "demo-srv-b", ctx.clock.now())
    base = settings_with(
        [
            {
                "name": "serwery",
                "hosts": ["demo-srv-*"],
                "max_silence": "3650d",
                "disk_warning_percent_free": 10,
            }
        ]
    )
    derived = derive_settings(base, ctx.sessions)
    previous = host_report.SOURCE
    hosts_plugin.bind(ctx)
    try:
        results = {c.name: await run(CHECK_KINDS.create(c)) for c in derived.section(CHECKS)}
    finally:
        host_report.SOURCE = previous
    assert results["demo-srv-a"].status is Status.WARNING
    assert "/srv/dane: 8.0% free" in str(results["demo-srv-a"].summary)
    assert results["demo-srv-b"].status is Status.UNKNOWN
    assert "no agent report yet" in str(results["demo-srv-b"].summary)


def test_derivation_starts_from_the_files_settings_so_a_retired_host_loses_its_check(
    ctx: AppContext, tmp_path: Path
) -> None:
    _store(ctx, tmp_path, "demo-srv-a")
    base = settings_with([{"name": "serwery", "hosts": ["demo-*"]}])
    assert [c.name for c in derive_settings(base, ctx.sessions).section(CHECKS)] == ["demo-srv-a"]
    with session_scope(ctx.sessions) as db:
        db.query(Asset).filter(Asset.hostname == "demo-srv-a").update({"status": "retired"})
    assert derive_settings(base, ctx.sessions).section(CHECKS) == []


def _token(db_url: str, hostname: str) -> None:
    from itops.clock import utcnow
    from itops.db.session import make_engine, make_sessionmaker

    engine = make_engine(db_url)
    try:
        with session_scope(make_sessionmaker(engine)) as db:
            create_token(db, hostname, utcnow())
    finally:
        engine.dispose()


@pytest.mark.slow
def test_the_daemon_derives_group_checks_at_start_and_again_on_reload(tmp_path: Path) -> None:
    import re
    import signal
    import time

    from tests.daemon import Daemon

    daemon = Daemon(
        tmp_path,
        extra_config='[[host_checks]]\nname = "stacje"\nhosts = ["demo-pc-*"]\ninterval = "1s"\n',
    )
    _token(daemon.db_url, "demo-pc-01")
    try:
        daemon.start().wait_ready()

        def status_of(check: str) -> str | None:
            found = re.search(
                rf'^itops_check_status\{{check="{check}",kind="host"\}} (\S+)$',
                daemon.get("/metrics")[1],
                re.M,
            )
            return found.group(1) if found else None

        def wait_for(check: str) -> str:
            deadline = time.monotonic() + 20
            while (value := status_of(check)) is None and time.monotonic() < deadline:
                time.sleep(0.2)
            assert value is not None, daemon.log.read_text()
            return value

        assert float(wait_for("demo-pc-01")) == float(Status.UNKNOWN)  # no report yet: a gap
        _token(daemon.db_url, "demo-pc-02")
        daemon.signal(signal.SIGHUP)
        wait_for("demo-pc-02")
    finally:
        daemon.stop()


async def test_the_periodic_refresh_schedules_a_new_host_and_drops_a_retired_one(
    ctx: AppContext, tmp_path: Path
) -> None:
    from itops.daemon import Daemon

    _store(ctx, tmp_path, "demo-srv-a")
    ctx.settings = settings_with(
        [{"name": "serwery", "hosts": ["demo-*"]}], storage={"url": ctx.settings.storage.url}
    )
    daemon = Daemon(ctx)
    await daemon._apply_derived()
    assert daemon.engine.names() == ["demo-srv-a"]
    _store(ctx, tmp_path, "demo-srv-b")
    with session_scope(ctx.sessions) as db:
        db.query(Asset).filter(Asset.hostname == "demo-srv-a").update({"status": "retired"})
    await daemon._apply_derived()
    assert daemon.engine.names() == ["demo-srv-b"]
    assert [c.name for c in ctx.settings.section(CHECKS)] == ["demo-srv-b"]


def test_itops_hosts_lists_who_watches_each_host(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from itops.cli import main

    config = write_config(
        tmp_path / "itops.toml",
        db_url,
        extra=(
            '[[checks]]\nname = "serwer-plikow"\nkind = "host"\nhost = "demo-srv-pliki"\n'
            '[[host_checks]]\nname = "stacje"\nhosts = ["demo-pc-*"]\n'
        ),
    )
    for name in ("demo-srv-pliki", "demo-pc-01", "demo-drukarka"):
        _token(db_url, name)
    capsys.readouterr()
    main(["--config", str(config), "hosts", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {"host": "demo-drukarka", "check": None, "group": None, "reason": "no group matches"},
        {"host": "demo-pc-01", "check": "demo-pc-01", "group": "stacje", "reason": None},
        {"host": "demo-srv-pliki", "check": "serwer-plikow", "group": None, "reason": None},
    ]
