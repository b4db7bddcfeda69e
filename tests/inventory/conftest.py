"""Fixtures for inventory tests: a canned /sys tree and a real server on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from itops.context import AppContext
from itops.events import Event
from itops.web.app import create_app
from tests.conftest import free_port


def make_root(base: Path, serial: str = "INV-TEST-SN-0001", disks: int = 1) -> Path:
    """A canned filesystem root: DMI, block devices, os-release, cpuinfo."""
    dmi = base / "sys/class/dmi/id"
    dmi.mkdir(parents=True, exist_ok=True)
    (dmi / "sys_vendor").write_text("Dell Inc.\n")
    (dmi / "product_name").write_text("OptiPlex 7010\n")
    (dmi / "product_serial").write_text(serial + "\n")
    (dmi / "product_uuid").write_text("00000000-0000-4000-8000-000000000001\n")
    (dmi / "chassis_type").write_text("3\n")
    for i in range(disks):
        dev = base / f"sys/block/sd{'abcd'[i]}"
        (dev / "device").mkdir(parents=True, exist_ok=True)
        (dev / "size").write_text(str(500_107_862_016 // 512) + "\n")
        (dev / "device/model").write_text("TEST SSD 500\n")
        (dev / "device/serial").write_text(f"DISK-TEST-{i}\n")
    loop = base / "sys/block/loop0"
    loop.mkdir(parents=True, exist_ok=True)
    (loop / "size").write_text("1000\n")
    (base / "etc").mkdir(exist_ok=True)
    (base / "etc/os-release").write_text(
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
    )
    (base / "proc").mkdir(exist_ok=True)
    (base / "proc/cpuinfo").write_text("processor\t: 0\nmodel name\t: Test CPU 3000\n")
    return base


@pytest.fixture
def canned_root(tmp_path: Path) -> Path:
    return make_root(tmp_path / "root")


class RunningServer:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.events: list[Event] = []
        ctx.events.subscribe(self.events.append)
        config = uvicorn.Config(
            create_app(ctx),
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> RunningServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def server(ctx: AppContext) -> Iterator[RunningServer]:
    with RunningServer(ctx) as running:
        yield running
