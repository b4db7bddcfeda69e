"""Hostile targets give the right status within their timeout; other checks keep time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from checks.kinds import CHECK_KINDS
from itops.check import Check, Options
from itops.clock import SystemClock
from itops.config import validate
from itops.engine import CheckEngine
from itops.runner import CheckRunner
from itops.state import ProbeStats
from itops.status import ProbeResult, Status
from tests.conftest import MINIMAL_OFFICE
from tests.fakes import RecordingSink
from tests.faults.targets import (
    MARKER,
    HostileServers,
    expired_certificate,
    valid_certificate,
)

TIMEOUT = 2.0
SLACK = 1.0  # scheduling and teardown on a busy machine


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    directory = tmp_path_factory.mktemp("certs")
    return {"expired": expired_certificate(directory), "untrusted": valid_certificate(directory)}


@pytest.fixture(scope="module")
def targets(certs: dict[str, tuple[Path, Path]]) -> Iterator[HostileServers]:
    servers = HostileServers().start(certs)
    yield servers
    servers.close()


def make_check(
    name: str, kind: str, timeout: float = TIMEOUT, interval: str | None = None, **options: Any
) -> Check[Options]:
    interval = interval or f"{max(timeout, 1)}s"  # a timeout may not outlast its interval
    settings = validate(
        {
            "office": dict(MINIMAL_OFFICE),
            "checks": [
                {
                    "name": name,
                    "kind": kind,
                    "timeout": f"{timeout}s",
                    "interval": interval,
                    **options,
                }
            ],
        }
    )
    [config] = settings.checks
    return CHECK_KINDS.cls(kind)(config)


async def probe_once(check: Check[Options]) -> tuple[ProbeResult, float]:
    runner = CheckRunner(SystemClock(), 4, [])
    t0 = time.monotonic()
    result = await runner.run(check)
    assert result is not None
    return result, time.monotonic() - t0


async def test_http_to_a_server_that_never_answers_is_critical_within_the_timeout(
    targets: HostileServers,
) -> None:
    check = make_check("silent-http", "http", url=f"http://127.0.0.1:{targets.port('silent')}/")
    result, elapsed = await probe_once(check)
    assert result.status is Status.CRITICAL
    assert "no answer within 2 s" in str(result.summary)
    assert elapsed < TIMEOUT + SLACK


async def test_tls_to_a_server_that_never_answers_is_critical_within_the_timeout(
    targets: HostileServers,
) -> None:
    check = make_check("silent-tls", "tls", host="127.0.0.1", port=targets.port("silent"))
    result, elapsed = await probe_once(check)
    assert result.status is Status.CRITICAL
    assert elapsed < TIMEOUT + SLACK


async def test_tcp_to_a_server_that_accepts_but_never_answers_is_ok(
    targets: HostileServers,
) -> None:
    check = make_check("silent-tcp", "tcp", host="127.0.0.1", port=targets.port("silent"))
    result, elapsed = await probe_once(check)
    assert result.status is Status.OK
    assert elapsed < SLACK


async def test_http_answering_a_byte_per_second_is_critical_within_the_timeout(
    targets: HostileServers,
) -> None:
    check = make_check("trickle", "http", url=f"http://127.0.0.1:{targets.port('trickle')}/")
    result, elapsed = await probe_once(check)
    assert result.status is Status.CRITICAL
    assert "no answer within" in str(result.summary)
    assert elapsed < TIMEOUT + SLACK


async def test_a_huge_body_is_read_only_up_to_the_cap_and_its_text_found(
    targets: HostileServers,
) -> None:
    check = make_check(
        "huge",
        "http",
        timeout=5,
        url=f"http://127.0.0.1:{targets.port('huge')}/",
        body_contains=MARKER.decode(),
    )
    result, elapsed = await probe_once(check)
    assert result.status is Status.OK, result.summary
    assert elapsed < 5


async def test_text_beyond_the_body_cap_is_reported_missing_not_timed_out(
    targets: HostileServers,
) -> None:
    check = make_check(
        "huge-miss",
        "http",
        timeout=5,
        url=f"http://127.0.0.1:{targets.port('huge')}/",
        body_contains="text-that-never-comes",
    )
    result, elapsed = await probe_once(check)
    assert result.status is Status.CRITICAL
    assert "expected text is missing" in str(result.summary)
    assert elapsed < 5


async def test_a_catastrophic_body_regex_on_a_hostile_body_returns_within_the_timeout(
    targets: HostileServers,
) -> None:
    """``(a+)+$`` on "aaa…a!" backtracks exponentially in Python's ``re`` (30 a's froze
    the daemon for 40 s, its timeout unable to fire); on RE2 it is linear."""
    check = make_check(
        "redos", "http", url=f"http://127.0.0.1:{targets.port('redos')}/", body_regex="(a+)+$"
    )
    result, elapsed = await probe_once(check)
    assert result.status is Status.CRITICAL
    assert "expected text is missing" in str(result.summary)
    assert elapsed < TIMEOUT


async def test_a_huge_body_without_a_text_match_is_not_read_at_all(
    targets: HostileServers,
) -> None:
    check = make_check("huge-status", "http", url=f"http://127.0.0.1:{targets.port('huge')}/")
    result, elapsed = await probe_once(check)
    assert result.status is Status.OK
    assert elapsed < TIMEOUT


async def test_an_expired_certificate_is_critical_for_http_and_tls(
    targets: HostileServers, certs: dict[str, tuple[Path, Path]]
) -> None:
    ca = str(certs["expired"][0])
    port = targets.port("expired")
    http, _ = await probe_once(
        make_check("exp-http", "http", url=f"https://127.0.0.1:{port}/", ca_file=ca)
    )
    tls, elapsed = await probe_once(
        make_check("exp-tls", "tls", host="127.0.0.1", port=port, ca_file=ca)
    )
    assert http.status is Status.CRITICAL and "expired" in str(http.summary)
    assert tls.status is Status.CRITICAL and "expired" in str(tls.summary)
    assert elapsed < TIMEOUT


async def test_an_untrusted_certificate_is_critical_for_http_and_tls(
    targets: HostileServers,
) -> None:
    port = targets.port("untrusted")
    http, _ = await probe_once(make_check("bad-http", "http", url=f"https://127.0.0.1:{port}/"))
    tls, elapsed = await probe_once(make_check("bad-tls", "tls", host="127.0.0.1", port=port))
    assert http.status is Status.CRITICAL and "self-signed" in str(http.summary)
    assert tls.status is Status.CRITICAL and "self-signed" in str(tls.summary)
    assert elapsed < TIMEOUT


async def test_hostile_targets_do_not_delay_the_other_checks(
    targets: HostileServers, certs: dict[str, tuple[Path, Path]]
) -> None:
    """Every hostile kind at once, through the real CheckEngine and CheckRunner: a good
    check every 0.25 s keeps its schedule (no gap beyond 0.75 s) for 5 s."""
    port = targets.port
    hostile = [
        make_check("h-silent-http", "http", url=f"http://127.0.0.1:{port('silent')}/"),
        make_check("h-silent-tls", "tls", host="127.0.0.1", port=port("silent")),
        make_check("h-trickle", "http", url=f"http://127.0.0.1:{port('trickle')}/"),
        make_check(
            "h-huge", "http", url=f"http://127.0.0.1:{port('huge')}/", body_contains="never-there"
        ),
        make_check("h-expired", "tls", host="127.0.0.1", port=port("expired")),
        make_check("h-untrusted", "http", url=f"https://127.0.0.1:{port('untrusted')}/"),
    ]
    good = make_check("good", "http", url=f"http://127.0.0.1:{port('good')}/")
    # faster than any config may ask (an interval is at least 1 s): the engine's own
    # cadence is what is under test, so the validated check is copied with 0.25 s
    good.config = good.config.model_copy(update={"interval": timedelta(milliseconds=250)})
    sink = RecordingSink()
    runner = CheckRunner(SystemClock(), 50, [sink])
    engine = CheckEngine(runner, ProbeStats(), 50)
    engine.schedule([*hostile, good])
    engine.start()
    await asyncio.sleep(5)
    engine.stop()
    await runner.drain(TIMEOUT + SLACK)
    times = [t for t, r in sink.timed("good")]
    assert all(r.status is Status.OK for _, r in sink.timed("good"))
    assert len(times) >= 16, len(times)
    assert max(b - a for a, b in zip(times, times[1:], strict=False)) < 0.75
    for check in hostile:
        statuses = {r.status for _, r in sink.timed(check.name)}
        assert statuses == {Status.CRITICAL}, (check.name, statuses)
