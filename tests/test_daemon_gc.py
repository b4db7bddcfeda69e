"""``itops run`` keeps what start-up built out of the garbage collector's full scans."""

from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path

from itops.context import AppContext
from itops.daemon import Daemon
from itops.db.session import upgrade
from itops.sdnotify import Notifier
from tests.conftest import free_port, make_settings
from tests.fakes import NotifySocket


async def _ready(daemon: Daemon, recorder: NotifySocket) -> int:
    """The daemon's start-up until READY=1; the freeze count then. Leaves gc as it was."""
    gc.unfreeze()
    running = asyncio.create_task(daemon.run())
    try:
        deadline = time.monotonic() + 20
        while not any("READY=1" in m for _, m in list(recorder.messages)):
            assert time.monotonic() < deadline, "no READY=1"
            await asyncio.sleep(0.05)
        return gc.get_freeze_count()
    finally:
        daemon.stop()
        assert await running == 0
        gc.unfreeze()  # the test process is not the daemon


async def test_the_daemon_freezes_start_up_objects_only_when_asked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'itops.db'}"
    upgrade(url)
    for freeze in (False, True):
        settings = make_settings(url, web={"bind": f"127.0.0.1:{free_port()}"})
        ctx = AppContext.create(settings, tmp_path / "itops.toml")
        recorder = NotifySocket(tmp_path / f"notify-{freeze}.sock")
        notifier = Notifier({"NOTIFY_SOCKET": str(recorder.path)})
        try:
            frozen = await _ready(Daemon(ctx, notifier, freeze_gc=freeze), recorder)
        finally:
            recorder.close()
            ctx.engine.dispose()
        # itops run asks (itops/cli.py); tests running a Daemon in-process do not
        assert (frozen > 1000) is freeze, frozen
