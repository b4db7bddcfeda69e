"""Every check kind against real servers on 127.0.0.1 (and the real host for psutil kinds)."""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from checks.config import CheckConfig
from checks.kinds import CHECK_KINDS
from itops.check import Check
from itops.clock import SystemClock
from itops.config import validate
from itops.runner import CheckRunner
from itops.status import ProbeResult, Status
from tests.availability.avail_helpers import DnsServer, Pki, make_pki
from tests.conftest import free_port

OFFICE = {"name": "Urząd Testowy"}


def make_check(kind: str, **keys: Any) -> Check[Any]:
    raw = {"name": f"test-{kind}", "kind": kind, "timeout": "5s", **keys}
    settings = validate({"office": OFFICE, "checks": [raw]})
    cfg: CheckConfig = settings.checks[0]
    return CHECK_KINDS.cls(kind)(cfg)


async def run(check: Check[Any]) -> ProbeResult:
    result = await CheckRunner(SystemClock(), 10, []).run(check)
    assert result is not None
    return result


def test_every_registered_kind_imports_and_subclasses_check() -> None:
    for kind in CHECK_KINDS:
        cls = CHECK_KINDS.cls(kind)
        assert issubclass(cls, Check)
        assert cls.kind == kind
        assert CHECK_KINDS.options_model(kind) is cls.Options


def test_example_config_documents_every_kind() -> None:
    from itops.config import load

    example = Path(__file__).parents[2] / "config" / "itops.example.toml"
    settings = load(example, environ={})
    assert {c.kind for c in settings.checks} == set(CHECK_KINDS)


def test_host_kinds_do_not_count_for_kpi_by_default() -> None:
    for kind in ("disk", "process", "memory", "load"):
        assert CHECK_KINDS.cls(kind).counts_for_kpi_default is False
        assert CHECK_KINDS.cls(kind).timeout_status is Status.UNKNOWN
    assert make_check("disk", path="/").config.kpi is False
    assert make_check("http", url="http://127.0.0.1:1/").config.kpi is True


# --- http -------------------------------------------------------------------------------


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path)


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="Biuletyn Informacji Publicznej — Urząd Testowy")


async def broken(request: web.Request) -> web.Response:
    return web.Response(status=503, text="przerwa techniczna")


@pytest.fixture
async def http_server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/", hello)
    app.router.add_get("/broken", broken)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def serve_tls(cert: tuple[Path, Path]) -> tuple[web.AppRunner, int]:
    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*cert)
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=ctx).start()
    return runner, port


async def test_http_expected_status_and_body_is_ok(http_server: str) -> None:
    result = await run(
        make_check("http", url=http_server + "/", body_contains="Biuletyn Informacji")
    )
    assert result.status is Status.OK
    assert result.value("status_code") == 200
    # The service's time to first byte (headers in), measured apart from the whole check.
    ttfb, whole = result.value("ttfb_seconds"), result.value("response_seconds")
    assert ttfb is not None and whole is not None and 0 < ttfb <= whole <= result.duration
    shown = result.service_time()
    assert shown is not None and shown.label == "czas do pierwszego bajtu HTTP"
    assert shown.ms == ttfb * 1000


async def test_http_missing_body_text_is_critical(http_server: str) -> None:
    result = await run(make_check("http", url=http_server + "/", body_regex=r"Sesja\s+Rady"))
    assert result.status is Status.CRITICAL
    assert "expected text" in str(result.summary)


async def test_http_unexpected_status_is_critical(http_server: str) -> None:
    result = await run(make_check("http", url=http_server + "/broken"))
    assert (result.status, str(result.summary)) == (Status.CRITICAL, "HTTP 503, expected 200")


async def test_http_refused_connection_is_critical() -> None:
    result = await run(make_check("http", url=f"http://127.0.0.1:{free_port()}/"))
    assert result.status is Status.CRITICAL
    assert "refused" in str(result.summary)


async def test_https_with_trusted_certificate_records_expiry(pki: Pki) -> None:
    runner, port = await serve_tls(pki.valid)
    try:
        result = await run(
            make_check("http", url=f"https://localhost:{port}/", ca_file=str(pki.ca_file))
        )
    finally:
        await runner.cleanup()
    assert result.status is Status.OK
    assert result.value("cert_not_after") is not None


async def test_https_verifies_tls_by_default(pki: Pki) -> None:
    runner, port = await serve_tls(pki.valid)
    try:
        result = await run(make_check("http", url=f"https://localhost:{port}/"))
        unverified = await run(
            make_check("http", url=f"https://localhost:{port}/", verify_tls=False)
        )
    finally:
        await runner.cleanup()
    assert result.status is Status.CRITICAL
    assert "not trusted" in str(result.summary)
    assert unverified.status is Status.OK


async def test_https_expired_certificate_is_critical(pki: Pki) -> None:
    runner, port = await serve_tls(pki.expired)
    try:
        result = await run(
            make_check("http", url=f"https://localhost:{port}/", ca_file=str(pki.ca_file))
        )
    finally:
        await runner.cleanup()
    assert result.status is Status.CRITICAL
    assert "expired" in str(result.summary)


async def test_concurrent_https_probes_each_record_their_own_certificate(pki: Pki) -> None:
    """The connector is shared per event loop: each probe still sees only its own peer."""
    from cryptography import x509

    valid_runner, valid_port = await serve_tls(pki.valid)
    expired_runner, expired_port = await serve_tls(pki.expired)
    valid = make_check("http", url=f"https://localhost:{valid_port}/", ca_file=str(pki.ca_file))
    expired = make_check("http", url=f"https://localhost:{expired_port}/", verify_tls=False)
    try:
        results = await asyncio.gather(*(run(c) for c in [valid, expired] * 10))
    finally:
        await valid_runner.cleanup()
        await expired_runner.cleanup()

    def expiry(cert: tuple[Path, Path]) -> float:
        pem = cert[0].read_bytes()
        return x509.load_pem_x509_certificate(pem).not_valid_after_utc.timestamp()

    for i, result in enumerate(results):
        assert result.status is Status.OK
        want = expiry(pki.valid if i % 2 == 0 else pki.expired)
        assert result.value("cert_not_after") == want


async def test_an_http_url_redirected_to_https_is_verified_on_that_hop(pki: Pki) -> None:
    tls_runner, tls_port = await serve_tls(pki.valid)  # signed by a CA the system lacks

    async def to_tls(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"https://localhost:{tls_port}/")

    app = web.Application()
    app.router.add_get("/", to_tls)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        untrusted = await run(make_check("http", url=f"http://127.0.0.1:{port}/"))
        trusted = await run(
            make_check("http", url=f"http://127.0.0.1:{port}/", ca_file=str(pki.ca_file))
        )
        unverified = await run(
            make_check("http", url=f"http://127.0.0.1:{port}/", verify_tls=False)
        )
    finally:
        await runner.cleanup()
        await tls_runner.cleanup()
    assert untrusted.status is Status.CRITICAL
    assert "not trusted" in str(untrusted.summary)
    assert trusted.status is Status.OK and trusted.value("cert_not_after") is not None
    assert unverified.status is Status.OK


async def test_http_opens_a_fresh_connection_per_probe_and_keeps_no_cookies() -> None:
    """Keep-alive offered by the server is not taken (a server refusing new connections
    must fail its check), and a cookie lives only through one probe's redirect chain."""
    peers: list[object] = []
    cookies_seen: list[str | None] = []

    async def login(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        cookies_seen.append(request.cookies.get("sesja"))
        response = web.HTTPFound("/panel")
        response.set_cookie("sesja", "demo-123")
        raise response

    async def panel(request: web.Request) -> web.Response:
        if request.cookies.get("sesja") != "demo-123":
            return web.Response(status=403, text="brak sesji")
        return web.Response(text="panel")

    app = web.Application()
    app.router.add_get("/", login)
    app.router.add_get("/panel", panel)
    runner = web.AppRunner(app)  # aiohttp's server offers keep-alive
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    # a host name: aiohttp's cookie jar, like a browser's, takes no cookie from a bare IP
    check = make_check("http", url=f"http://localhost:{port}/")
    try:
        results = [await run(check) for _ in range(3)]
    finally:
        await runner.cleanup()
    assert [r.status for r in results] == [Status.OK] * 3  # the chain carried its cookie
    assert cookies_seen == [None, None, None]  # never the previous probe's cookie
    assert len(set(peers)) == 3  # a new connection (client port) for every probe


# --- tls --------------------------------------------------------------------------------


async def tls_result(pki: Pki, cert: tuple[Path, Path], **keys: Any) -> ProbeResult:
    runner, port = await serve_tls(cert)
    try:
        return await run(
            make_check("tls", host="localhost", port=port, ca_file=str(pki.ca_file), **keys)
        )
    finally:
        await runner.cleanup()


async def test_tls_valid_certificate_is_ok(pki: Pki) -> None:
    result = await tls_result(pki, pki.valid)
    assert result.status is Status.OK, result.summary


async def test_tls_expired_certificate_is_critical_with_its_expiry(pki: Pki) -> None:
    result = await tls_result(pki, pki.expired)
    assert result.status is Status.CRITICAL
    assert "expired" in str(result.summary)
    assert result.value("cert_not_after") is not None


async def test_tls_certificate_for_another_host_is_critical(pki: Pki) -> None:
    result = await tls_result(pki, pki.wrong_host)
    assert result.status is Status.CRITICAL
    assert "does not match" in str(result.summary)


async def test_tls_certificate_expiring_soon_warns_then_goes_critical(pki: Pki) -> None:
    warned = await tls_result(pki, pki.expiring, warning_days=30, critical_days=1)
    critical = await tls_result(pki, pki.expiring, warning_days=30, critical_days=7)
    assert warned.status is Status.WARNING
    assert critical.status is Status.CRITICAL


# --- dns --------------------------------------------------------------------------------


@pytest.fixture
async def dns_port() -> AsyncIterator[int]:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: DnsServer({"intranet.urzad.test": ["10.0.0.5"]}), local_addr=("127.0.0.1", 0)
    )
    yield transport.get_extra_info("sockname")[1]
    transport.close()


async def test_dns_name_resolving_to_expected_address_is_ok(dns_port: int) -> None:
    result = await run(
        make_check(
            "dns",
            query="intranet.urzad.test",
            server="127.0.0.1",
            port=dns_port,
            expect=["10.0.0.5"],
        )
    )
    assert result.status is Status.OK, result.summary


async def test_dns_answer_without_expected_address_is_critical(dns_port: int) -> None:
    result = await run(
        make_check(
            "dns",
            query="intranet.urzad.test",
            server="127.0.0.1",
            port=dns_port,
            expect=["10.0.0.6"],
        )
    )
    assert result.status is Status.CRITICAL


async def test_dns_unknown_name_is_critical(dns_port: int) -> None:
    result = await run(
        make_check("dns", query="brak.urzad.test", server="127.0.0.1", port=dns_port)
    )
    assert result.status is Status.CRITICAL
    assert "NXDOMAIN" in str(result.summary)


# --- icmp -------------------------------------------------------------------------------


def icmp_with_range(tmp_path: Path, text: str, **keys: Any) -> Check[Any]:
    from checks.kinds.icmp import IcmpCheck

    sysctl = tmp_path / "ping_group_range"
    sysctl.write_text(text + "\n")

    class Injected(IcmpCheck):
        ping_group_range = sysctl

    return Injected(make_check("icmp", host="127.0.0.1", **keys).config)


async def test_icmp_without_permission_is_unknown_with_a_hint(tmp_path: Path) -> None:
    check = icmp_with_range(tmp_path, "1\t0", privileged=False)
    result = await run(check)
    assert result.status is Status.UNKNOWN
    assert "ping_group_range" in str(result.summary) and "sysctl -w" in str(result.summary)


@pytest.mark.skipif(os.geteuid() != 0, reason="raw ICMP sockets need root or CAP_NET_RAW")
async def test_icmp_reply_from_localhost_is_ok(tmp_path: Path) -> None:
    check = icmp_with_range(tmp_path, "1\t0", count=2, echo_interval=0.05)
    result = await run(check)
    assert result.status is Status.OK, result.summary
    assert result.value("loss_percent") == 0


async def test_icmp_allowed_group_tries_an_unprivileged_socket(tmp_path: Path) -> None:
    gid = os.getegid()
    check = icmp_with_range(tmp_path, f"{gid} {gid}", privileged=False, count=1)
    result = await run(check)
    real = Path("/proc/sys/net/ipv4/ping_group_range").read_text().split()
    if int(real[0]) <= gid <= int(real[1]):
        assert result.status is Status.OK
    else:
        assert result.status is Status.UNKNOWN
        assert "refused by the kernel" in str(result.summary)


# --- host resources ---------------------------------------------------------------------


async def test_disk_free_space_thresholds(tmp_path: Path) -> None:
    fine = await run(
        make_check("disk", path=str(tmp_path), warning_percent_free=0, critical_percent_free=0)
    )
    full = await run(
        make_check("disk", path=str(tmp_path), warning_percent_free=100, critical_percent_free=100)
    )
    assert fine.status is Status.OK
    assert full.status is Status.CRITICAL


async def test_disk_missing_path_is_unknown(tmp_path: Path) -> None:
    result = await run(make_check("disk", path=str(tmp_path / "brak")))
    assert result.status is Status.UNKNOWN


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "itops-test-777"])
    yield proc
    proc.kill()
    proc.wait()


async def test_process_running_is_ok_and_gone_is_critical(
    sleeper: subprocess.Popen[bytes],
) -> None:
    check = make_check("process", cmdline_contains="itops-test-777")
    assert (await run(check)).status is Status.OK
    sleeper.kill()
    sleeper.wait()
    assert (await run(check)).status is Status.CRITICAL


async def test_memory_and_load_read_the_host() -> None:
    memory = await run(make_check("memory", warning_percent=100, critical_percent=100))
    load = await run(make_check("load", warning_per_cpu=1000, critical_per_cpu=1000))
    assert memory.status is Status.OK and memory.value("used_percent") is not None
    assert load.status is Status.OK and load.value("cpus") is not None
    squeezed = await run(make_check("memory", warning_percent=0, critical_percent=0))
    assert squeezed.status is Status.CRITICAL


def test_timeout_default_interval_is_kept() -> None:
    assert make_check("load").config.interval == timedelta(seconds=60)


def test_no_kind_option_shadows_a_common_check_key() -> None:
    from checks.config import CheckConfig

    common = set(CheckConfig.model_fields) - {"options"}
    for kind in CHECK_KINDS:
        assert not common & set(CHECK_KINDS.options_model(kind).model_fields), kind
