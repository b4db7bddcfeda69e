"""The ``snmp`` kind against real agents: snmpd (v2c, v3 authPriv) and snmpsim's recorded
switch, UPS and printer walks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from checks.config import CheckConfig
from checks.kinds import CHECK_KINDS
from checks.kinds.snmp_eval import judge_printer, judge_ups
from itops.check import Check
from itops.config import validate
from itops.errors import ConfigError
from itops.messages import COMMA_LIST, Summary, joined, render
from itops.status import ProbeResult, Status
from tests.availability.test_check_kinds import run
from tests.snmp.conftest import COMMUNITY, V3_AUTH, V3_PRIV, V3_USER, Agent, free_udp_port

pytestmark = pytest.mark.slow


def snmp_check(agent: Agent, device: str, **keys: Any) -> Check[Any]:
    raw = {
        "name": f"snmp-{device}",
        "kind": "snmp",
        "timeout": "20s",
        "host": agent.host,
        "port": agent.port,
        "device": device,
        "request_timeout": 1,
        "retries": 0,
        **keys,
    }
    settings = validate({"office": {"name": "Urząd Testowy"}, "checks": [raw]})
    cfg: CheckConfig = settings.checks[0]
    return CHECK_KINDS.cls("snmp")(cfg)


def v3(**over: Any) -> dict[str, Any]:
    return {
        "version": "3",
        "user": V3_USER,
        "auth_password": V3_AUTH,
        "priv_password": V3_PRIV,
        **over,
    }


async def test_a_switch_port_down_is_critical_and_named(snmpsim: Agent) -> None:
    result = await run(snmp_check(snmpsim, "switch", community="switch"))
    assert result.status is Status.CRITICAL
    assert "port Gi0/5 down" in str(result.summary)
    assert "Gi0/7" not in str(result.summary)  # administratively down: nobody expects it up


async def test_watching_only_healthy_ports_is_ok(snmpsim: Agent) -> None:
    result = await run(
        snmp_check(snmpsim, "switch", community="switch", interfaces=["Gi0/1", "Gi0/2"])
    )
    assert result.status is Status.OK, result.summary
    assert str(result.summary) == "2 of 2 ports up"


async def test_interface_error_counters_are_compared_between_probes(snmpsim: Agent) -> None:
    check = snmp_check(snmpsim, "switch", community="switch", interfaces=["Gi0/3"])
    first = await run(check)
    assert first.status is Status.OK  # the first reading has nothing to compare with
    assert first.value("ifErrors:Gi0/3") == 1520
    again = await run(check)
    assert again.value("ifErrorsDelta:Gi0/3") == 0


async def test_a_ups_on_battery_is_a_warning_with_charge_and_runtime(snmpsim: Agent) -> None:
    result = await run(snmp_check(snmpsim, "ups", community="ups-battery"))
    assert result.status is Status.WARNING
    assert str(result.summary) == "UPS on battery for 420 s, battery 64%, 18 min left"
    assert result.value("ups_output_source") == 5


async def test_a_ups_on_battery_below_the_runtime_floor_is_critical(snmpsim: Agent) -> None:
    result = await run(
        snmp_check(snmpsim, "ups", community="ups-battery", critical_runtime_minutes=20)
    )
    assert result.status is Status.CRITICAL


async def test_a_ups_on_mains_over_v3_authpriv_is_ok(snmpsim: Agent) -> None:
    result = await run(snmp_check(snmpsim, "ups", **v3(context="ups-normal")))
    assert result.status is Status.OK, result.summary
    assert str(result.summary) == "UPS on mains, battery 100%, 95 min"


async def test_a_printer_low_on_toner_reports_toner_and_drum_levels(snmpsim: Agent) -> None:
    result = await run(snmp_check(snmpsim, "printer", community="printer-low"))
    assert result.status is Status.WARNING
    assert "DEMO TK-2000 Toner Black 8%" in str(result.summary)
    assert "DEMO DK-2000 Drum Unit 45%" in str(result.summary)
    assert "low toner" in str(result.summary)
    polish = render(result.summary, "pl")
    assert polish.startswith("drukarka zgłasza: mało tonera; "), polish
    # the one formatter writes no space before "%" (Babel pl_PL), as every page (issue 13)
    assert "DEMO TK-2000 Toner Black 8%" in polish
    assert result.value("supply_level:DEMO TK-2000 Toner Black") == 240


async def test_a_healthy_printer_is_ok(snmpsim: Agent) -> None:
    result = await run(snmp_check(snmpsim, "printer", community="printer-ok"))
    assert result.status is Status.OK, result.summary


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"auth_password": "DEMOwrongpass"}, "wrong authentication password"),
        ({"user": "nobody-here"}, "unknown user"),
        ({"priv_password": "DEMOwrongpriv"}, "refuses the SNMP credentials"),
    ],
    ids=["auth", "user", "priv"],
)
async def test_wrong_v3_credentials_are_unknown_never_downtime(
    snmpd: Agent, over: dict[str, str], reason: str
) -> None:
    result = await run(snmp_check(snmpd, "ups", **v3(**over)))
    assert result.status is Status.UNKNOWN
    assert reason in str(result.summary)
    assert "answers but refuses the SNMP credentials" in str(result.summary)


async def test_a_wrong_v2c_community_on_a_live_agent_is_unknown(snmpd: Agent) -> None:
    result = await run(snmp_check(snmpd, "switch", community="not-the-community"))
    assert result.status is Status.UNKNOWN
    assert "refuses the SNMP credentials" in str(result.summary)
    assert "odrzuca dane logowania SNMP" in render(result.summary, "pl")


async def test_snmpd_interfaces_are_read_over_v2c_and_v3(snmpd: Agent) -> None:
    for keys in ({"community": COMMUNITY}, v3()):
        result = await run(snmp_check(snmpd, "switch", interfaces=["lo"], **keys))
        assert result.status is Status.OK, result.summary
        assert result.value("ifOper:lo") == 1


async def test_no_agent_at_all_is_critical_no_answer() -> None:
    result = await run(snmp_check(Agent("127.0.0.1", free_udp_port()), "ups", community="x"))
    assert result.status is Status.CRITICAL
    assert "no SNMP answer" in str(result.summary)


async def test_a_community_file_is_read_at_probe_time(snmpsim: Agent, tmp_path: Path) -> None:
    secret = tmp_path / "community"
    secret.write_text("ups-battery\n")
    result: ProbeResult = await run(snmp_check(snmpsim, "ups", community_file=str(secret)))
    assert result.status is Status.WARNING


def test_v3_without_a_privacy_password_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="authPriv"):
        validate(
            {
                "office": {"name": "U"},
                "checks": [
                    {
                        "name": "u",
                        "kind": "snmp",
                        "host": "127.0.0.1",
                        "device": "ups",
                        "version": "3",
                        "user": "u",
                        "auth_password": "a" * 8,
                    }
                ],
            }
        )


def test_printer_judgement_is_critical_at_the_critical_level_and_names_severe_errors() -> None:
    values = {
        "supply_type:T": 3,
        "supply_level:T": 1,
        "supply_max:T": 100,
        "printer_error_bits": 0,
        "printer_error_bytes": 1,
    }
    assert judge_printer(values, 10, 2)[0] is Status.CRITICAL
    jammed = {**values, "supply_level:T": 50, "printer_error_bits": 0b00000100}
    status, code, params = judge_printer(jammed, 10, 2)
    assert (status, code) == (Status.CRITICAL, "snmp.printer_down")
    assert params["errors"] == joined([Summary("snmp.bit.jammed")], COMMA_LIST)


def test_a_supply_without_a_number_is_not_judged_as_empty() -> None:
    values = {"supply_type:T": 3, "supply_level:T": -3, "supply_max:T": -2}
    assert judge_printer(values, 10, 2)[0] is Status.OK


def test_ups_output_off_is_critical() -> None:
    assert judge_ups({"ups_output_source": 2}, 50, 20, 5)[0].status is Status.CRITICAL


def test_one_check_probes_again_on_another_event_loop(snmpsim: Agent) -> None:
    """The check keeps its SNMP engine between probes (its MIB state is dear to build) but
    not the socket: each probe opens one on its own loop, as worker restarts need."""
    import asyncio

    check = snmp_check(snmpsim, "ups", **v3(context="ups-battery"))
    first = asyncio.run(run(check))
    second = asyncio.run(run(check))
    assert first.status is second.status is Status.WARNING
    assert first.summary == second.summary
    assert "on battery" in str(second.summary)
