"""A system's page (``/systemy/{name}``) on the DEMO office: time per request.

Run: .venv/bin/python bench/system_page.py [CHECK] [ROUNDS]
(default demo-poczta, 20 rounds). Seeds this year's DEMO office into a temporary SQLite
file, logs in through the real app (in process, ASGI, no network) and requests the page
with each response-time range; prints median and worst per range. Goal: under 200 ms.
Asserts nothing.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from itops import auth
from itops.config import load
from itops.context import AppContext
from itops.db.session import session_scope, upgrade
from itops.web.app import create_app
from reports.demo import seed

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "itops.example.toml"


class Client:
    def __init__(self, app: Any) -> None:
        self.app, self.cookies = app, {}  # type: ignore[var-annotated]

    async def request(self, method: str, path: str, form: dict[str, str] | None = None) -> str:
        path, _, query = path.partition("?")
        body = urlencode(form).encode() if form is not None else b""
        headers = [(b"host", b"bench")]
        if form is not None:
            headers.append((b"content-type", b"application/x-www-form-urlencoded"))
        if self.cookies:
            jar = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            headers.append((b"cookie", jar.encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("bench", 80),
        }
        chunks: list[bytes] = []
        done = False

        async def receive() -> dict[str, Any]:
            nonlocal done
            if not done:
                done = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()
            return {}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                for k, v in message["headers"]:
                    if k.lower() == b"set-cookie":
                        name, _, rest = v.decode().partition("=")
                        self.cookies[name] = rest.split(";", 1)[0]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return b"".join(chunks).decode()


async def demo_client(config: Path, url: str) -> tuple[AppContext, Client]:
    """This year's DEMO office seeded into ``url`` with ``config``, and a client logged in
    as an auditor with the year's figures already cached, as in the daemon."""
    settings = load(config, environ={"ITOPS_DATABASE_URL": url})
    ctx = AppContext.create(settings, config)
    now = datetime.now(UTC)
    started = time.perf_counter()
    seed(ctx, now.year)
    print(f"DEMO {now.year} seeded in {time.perf_counter() - started:.1f} s")
    with session_scope(ctx.sessions) as db:
        auth.add_user(db, "bench", "auditor", "Haslo-Benchu-123", now)
    client = Client(create_app(ctx))
    page = await client.request("GET", "/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token  # noqa: S101 - a bench, not a test
    form = {"login": "bench", "password": "Haslo-Benchu-123", "csrf_token": token[1], "next": "/"}
    await client.request("POST", "/login", form)
    await client.request("GET", "/systemy")
    return ctx, client


async def run(check: str, rounds: int) -> None:
    tmp = tempfile.TemporaryDirectory()
    url = f"sqlite:///{Path(tmp.name) / 'demo.db'}"
    upgrade(url)
    ctx, client = await demo_client(EXAMPLE, url)
    for key in ("24h", "7d", "30d"):
        times = []
        size = 0
        for _ in range(rounds):
            t0 = time.perf_counter()
            html = await client.request("GET", f"/systemy/{check}?zakres={key}")
            times.append((time.perf_counter() - t0) * 1000)
            size = len(html)
        print(
            f"/systemy/{check}?zakres={key}: median {statistics.median(times):.1f} ms, "
            f"worst {max(times):.1f} ms over {rounds} requests ({size / 1024:.0f} KiB)"
        )
    ctx.engine.dispose()
    tmp.cleanup()


def main() -> None:
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return
    check = sys.argv[1] if len(sys.argv) > 1 else "demo-poczta"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    asyncio.run(run(check, rounds))


if __name__ == "__main__":
    main()
