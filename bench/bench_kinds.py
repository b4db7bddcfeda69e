"""What one probe of each check kind costs itops: wall time and CPU time per probe.

Each kind is run through the real ``CheckRunner`` (probe + evaluate, as the daemon does),
one probe after another, against targets on 127.0.0.1 that live in *other* processes
(``python -m http.server`` for http/tcp/freshness, snmpsim's recorded switch, UPS and
printer walks for snmp), so the CPU figure is this process's own (``time.process_time``)
and not the server's. ``host`` reads a canned agent report through its source hook, as
the daemon reads the database (the database read itself is not in the figure).

Prints one line per kind: probes, statuses seen, wall median / p95 and CPU per probe
(ms), and the load average before and after, because on a shared machine the wall
figures move with it. Not part of the pass/fail suite.

    .venv/bin/python bench/bench_kinds.py [--probes 200] [--kinds snmp-v2c-ups,http]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SNMP_DATA = ROOT / "tests" / "snmp" / "data"
V3_USER, V3_AUTH, V3_PRIV = "demo-v3", "DEMOauthpass1", "DEMOprivpass1"


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bip_page() -> str:
    now = datetime.now(UTC) - timedelta(hours=2)
    items = "".join(
        f'<li class="pub"><a href="/a/{i}">Zarządzenie nr {i}/2026 Burmistrza DEMO</a>'
        f'<span class="meta">opublikowano: {(now - timedelta(days=i)):%d.%m.%Y %H:%M}</span></li>'
        for i in range(40)
    )
    return (
        "<!doctype html><html lang=pl><head><meta charset=utf-8><title>BIP Urzędu DEMO"
        f"</title></head><body><h1>Biuletyn Informacji Publicznej</h1><ul>{items}</ul>"
        "<footer>Redakcja BIP DEMO</footer></body></html>"
    )


def _wait_tcp(port: int, proc: subprocess.Popen[bytes], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _wait_snmp(port: int, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"snmpsim exited with {proc.returncode}")
        done = subprocess.run(
            ["snmpget", "-v2c", "-c", "switch", "-r", "0", "-t", "0.5"]
            + [f"127.0.0.1:{port}", "1.3.6.1.2.1.1.3.0"],
            capture_output=True,
            check=False,
        )
        if done.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("snmpsim did not answer")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@contextmanager
def http_server() -> Iterator[int]:
    base = Path(tempfile.mkdtemp(prefix="itops-bench-http-"))
    (base / "index.html").write_text("<html><body>OK DEMO</body></html>", encoding="utf-8")
    (base / "bip.html").write_text(bip_page(), encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        cwd=base,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_tcp(port, proc)
        yield port
    finally:
        _stop(proc)
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def snmpsim() -> Iterator[int]:
    responder = Path(sys.executable).parent / "snmpsim-command-responder"
    if not responder.exists() or shutil.which("snmpget") is None:
        raise RuntimeError("snmpsim (test extra) and snmpget (Debian snmp) are needed")
    base = Path(tempfile.mkdtemp(prefix="itops-bench-snmpsim-"))
    shutil.copytree(SNMP_DATA, base / "data")
    port = free_port(socket.SOCK_DGRAM)
    argv = [
        str(responder),
        f"--data-dir={base / 'data'}",
        f"--cache-dir={base / 'cache'}",
        f"--agent-udpv4-endpoint=127.0.0.1:{port}",
        f"--v3-user={V3_USER}",
        f"--v3-auth-key={V3_AUTH}",
        "--v3-auth-proto=SHA",
        f"--v3-priv-key={V3_PRIV}",
        "--v3-priv-proto=AES",
        "--logging-method=null",
    ]
    if os.geteuid() == 0:
        argv += ["--process-user=root", "--process-group=root"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_snmp(port, proc)
        yield port
    finally:
        _stop(proc)
        shutil.rmtree(base, ignore_errors=True)


def canned_report() -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "hostname": "demo-srv-bench",
        "filesystems": [
            {"mount": m, "size_bytes": 500 * 10**9, "free_bytes": 120 * 10**9}
            for m in ("/", "/srv", "/var", "/home")
        ],
        "memory": {"total_bytes": 32 * 2**30, "available_bytes": 12 * 2**30},
        "load": {"load1": 0.4, "load5": 0.3, "load15": 0.2, "cpu_count": 8},
        "services": [{"name": f"demo{i}.service", "state": "running"} for i in range(10)],
        "updates": {
            "pending": 3,
            "security": 0,
            "reboot_required": False,
            "last_success": (now - timedelta(days=2)).isoformat(),
        },
    }


def build(raw: dict[str, Any]) -> Any:
    from checks.kinds import CHECK_KINDS
    from itops.config import validate

    settings = validate({"office": {"name": "Urząd DEMO (bench)"}, "checks": [raw]})
    return CHECK_KINDS.cls(raw["kind"])(settings.checks[0])


def configs(http_port: int | None, snmp_port: int | None) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {
        "host": {"kind": "host", "host": "demo-srv-bench", "services": ["demo1.service"]},
        "disk": {"kind": "disk", "path": "/"},
        "memory": {"kind": "memory"},
        "load": {"kind": "load"},
    }
    if http_port is not None:
        out["tcp"] = {"kind": "tcp", "host": "127.0.0.1", "port": http_port}
        out["http"] = {
            "kind": "http",
            "url": f"http://127.0.0.1:{http_port}/index.html",
            "body_contains": "OK DEMO",
        }
        out["freshness"] = {
            "kind": "freshness",
            "url": f"http://127.0.0.1:{http_port}/bip.html",
            "selector": ".meta",
        }
    if snmp_port is not None:
        snmp = {"kind": "snmp", "host": "127.0.0.1", "port": snmp_port, "retries": 0}
        v3 = {"version": "3", "user": V3_USER, "auth_password": V3_AUTH, "priv_password": V3_PRIV}
        out["snmp-v2c-switch"] = {**snmp, "device": "switch", "community": "switch"}
        out["snmp-v2c-ups"] = {**snmp, "device": "ups", "community": "ups-battery"}
        out["snmp-v2c-printer"] = {**snmp, "device": "printer", "community": "printer-low"}
        out["snmp-v3-ups"] = {**snmp, "device": "ups", "context": "ups-battery", **v3}
        out["snmp-v3-printer"] = {**snmp, "device": "printer", "context": "printer-low", **v3}
    return out


async def measure(check: Any, probes: int) -> tuple[list[float], list[float], Counter[str]]:
    from itops.clock import SystemClock
    from itops.runner import CheckRunner

    runner = CheckRunner(SystemClock(), 1, [])
    for _ in range(3):  # warm-up: imports, first connections, SNMP engine discovery
        await runner.run(check)
    walls, cpus, seen = [], [], Counter[str]()
    for _ in range(probes):
        w0, c0 = time.perf_counter(), time.process_time()
        result = await runner.run(check)
        cpus.append(time.process_time() - c0)
        walls.append(time.perf_counter() - w0)
        assert result is not None  # noqa: S101 - the runner is not closed
        seen[result.status.name] += 1
    return walls, cpus, seen


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--probes", type=int, default=200, help="probes per kind (default 200)")
    parser.add_argument("--kinds", default="", help="comma-separated subset (default: all)")
    args = parser.parse_args()
    wanted = {k for k in args.kinds.split(",") if k}

    from checks.kinds import host_report

    report = canned_report()
    host_report.SOURCE = lambda _host: (report, datetime.now(UTC))

    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    print(
        f"{'kind':<18} {'probes':>6}  {'wall p50 ms':>11} {'wall p95 ms':>11} "
        f"{'CPU ms':>8}  statuses"
    )
    with http_server() as http_port, snmpsim() as snmp_port:
        for name, raw in configs(http_port, snmp_port).items():
            if wanted and name not in wanted:
                continue
            check = build({"name": f"bench-{name}", "timeout": "20s", **raw})
            walls, cpus, seen = asyncio.run(measure(check, args.probes))
            statuses = ", ".join(f"{k} {v}" for k, v in sorted(seen.items()))
            print(
                f"{name:<18} {len(walls):>6}  {1000 * statistics.median(walls):>11.3f} "
                f"{1000 * p95(walls):>11.3f} {1000 * statistics.fmean(cpus):>8.3f}  {statuses}"
            )
    load_after = os.getloadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
