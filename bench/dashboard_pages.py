"""The Pulpit (``/``), the public status page (``/status``) and ``/status.json`` on the
DEMO office: time per request.

Run: .venv/bin/python bench/dashboard_pages.py [ROUNDS]
(default 20 rounds). Seeds this year's DEMO office into a temporary SQLite file with the
example config's ``[status_page]`` turned on (BIP, the website, EZD), logs in through the
real app (in process, ASGI, no network) and requests each page; prints median and worst.
The Pulpit's 30-day strip is drawn at most once a minute, so the first request (cold) is
printed apart. Asserts nothing.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from system_page import EXAMPLE, demo_client

from itops.db.session import upgrade


async def run(rounds: int) -> None:
    tmp = tempfile.TemporaryDirectory()
    url = f"sqlite:///{Path(tmp.name) / 'demo.db'}"
    upgrade(url)
    config = Path(tmp.name) / "itops.toml"
    text = EXAMPLE.read_text(encoding="utf-8")
    config.write_text(
        text.replace("[status_page]\nenabled = false", "[status_page]\nenabled = true")
    )
    ctx, client = await demo_client(config, url)
    for path in ("/", "/status", "/status.json"):
        times = []
        size = 0
        for _ in range(rounds):
            t0 = time.perf_counter()
            body = await client.request("GET", path)
            times.append((time.perf_counter() - t0) * 1000)
            size = len(body)
        print(
            f"{path}: first {times[0]:.1f} ms, median {statistics.median(times):.1f} ms, "
            f"worst {max(times):.1f} ms over {rounds} requests ({size / 1024:.0f} KiB)"
        )
    ctx.engine.dispose()
    tmp.cleanup()


def main() -> None:
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return
    asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 20))


if __name__ == "__main__":
    main()
