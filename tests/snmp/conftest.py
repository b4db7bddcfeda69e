"""Real SNMP agents on 127.0.0.1: Debian's snmpd with a config of our own, and snmpsim
serving the recorded device walks in ``data/`` (community or v3 context = file name)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.notifications.conftest import receiver  # noqa: F401 - the webhook receiver fixture

DATA = Path(__file__).parent / "data"
V3_USER, V3_AUTH, V3_PRIV = "demo-v3", "DEMOauthpass1", "DEMOprivpass1"
COMMUNITY = "demo-community"


@dataclass(frozen=True)
class Agent:
    host: str
    port: int


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, community: str, deadline: float, proc: subprocess.Popen[bytes]) -> None:
    """Until the agent answers a v2c GET of sysUpTime (snmpget from Debian's snmp package)."""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"SNMP agent exited with {proc.returncode}")
        done = subprocess.run(
            [
                "snmpget",
                "-v2c",
                "-c",
                community,
                "-r",
                "0",
                "-t",
                "0.5",
                f"127.0.0.1:{port}",
                "1.3.6.1.2.1.1.3.0",
            ],
            capture_output=True,
            check=False,
        )
        if done.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("SNMP agent did not answer in time")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="session")
def snmpd() -> Iterator[Agent]:
    """Debian's snmpd: v2c community and a v3 authPriv user (SHA/AES), this host's own MIBs."""
    if shutil.which("snmpd") is None and not os.environ.get("CI"):
        pytest.skip("snmpd is not installed (make deb-deps)")
    base = Path(tempfile.mkdtemp(prefix="itops-snmpd-"))
    port = free_udp_port()
    (base / "persist").mkdir()
    conf = base / "snmpd.conf"
    conf.write_text(
        f"agentAddress udp:127.0.0.1:{port}\nrocommunity {COMMUNITY} 127.0.0.1\n"
        f'createUser {V3_USER} SHA "{V3_AUTH}" AES "{V3_PRIV}"\nrouser {V3_USER} priv\n'
        "sysName DEMO-SNMPD\nsysLocation DEMO serwerownia\n"
    )
    proc = subprocess.Popen(
        [
            "snmpd",
            "-f",
            "-Lo",
            "-C",
            "-c",
            str(conf),
            "-p",
            str(base / "pid"),
            "-M",
            "/dev/null",
            "-m",
            "",
        ],
        env={**os.environ, "SNMP_PERSISTENT_DIR": str(base / "persist")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, COMMUNITY, time.monotonic() + 20, proc)
        yield Agent("127.0.0.1", port)
    finally:
        _stop(proc)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def snmpsim() -> Iterator[Agent]:
    """snmpsim serving switch / ups-battery / ups-normal / printer-low / printer-ok."""
    base = Path(tempfile.mkdtemp(prefix="itops-snmpsim-"))
    shutil.copytree(DATA, base / "data")
    port = free_udp_port()
    argv = [
        str(Path(sys.executable).parent / "snmpsim-command-responder"),
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
        # snmpsim refuses to run as root unless told whom to run as; staying root keeps
        # the interpreter's own files readable (they may live under /root).
        argv += ["--process-user=root", "--process-group=root"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port, "switch", time.monotonic() + 60, proc)
        yield Agent("127.0.0.1", port)
    finally:
        _stop(proc)
        shutil.rmtree(base, ignore_errors=True)
