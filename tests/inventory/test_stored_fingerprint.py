"""The writer reads a stored asset's fingerprint without decoding the whole stored report
(issue 17 'agent API'): what it reads is what decoding the whole ``facts`` gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from inventory.candidates import stored_fingerprint
from inventory.intake import _facts
from inventory.payload import fingerprint, parse_report

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
BODY = {
    "hostname": "pc-test-01",
    "collected_at": "2026-03-02T07:59:00+00:00",
    "hardware": {"serial": "SN-TEST-01", "product": 'OptiPlex "7010" – ł'},
    "cpu": {"model": "Test CPU {x}", "cores": 4},
    "memory_bytes": 16 * 1024**3,
    "disks": [{"device": "sda", "model": "SSD, 1", "serial": "D1", "size_bytes": 512 * 10**9}],
    "os": {"system": "Windows", "install_date": "2024-05-01T10:00:00+00:00"},
}


def test_the_fingerprint_of_facts_the_writer_stored() -> None:
    report = parse_report(json.dumps(BODY).encode(), NOW)
    facts = _facts(report, fingerprint(report), NOW)
    assert stored_fingerprint(facts) == json.loads(facts)["fingerprint"] == fingerprint(report)


@pytest.mark.parametrize(
    "facts",
    [
        "",
        "{}",
        '{"report": {"hostname": "x"}, "fingerprint": {"cpu": "a"}}',
        '{"received_at": "2026-01-01T00:00:00+00:00"}',
        '{"fingerprint": null, "report": {}}',
        '{ "fingerprint": {"cpu": "b"}}',
    ],
)
def test_any_other_layout_reads_as_decoding_it_whole(facts: str) -> None:
    assert stored_fingerprint(facts) == json.loads(facts or "{}").get("fingerprint")
