"""Hostile input against the agent API, the backup pings and the §82 act API, per engine.

    .venv/bin/python bench/hostile.py [--requests 2000] [--engines sqlite,postgresql]
                                      [--postgres-url URL] [--seed 1]

The assembled app is driven in process (as tests/hostile does) with reports carrying a
hostile value at a random place (NaN, Infinity, 1e20, 1e400, 10**400, /Date(...)/ far
out of range, NUL, lone surrogates, 600 levels of nesting, wrong types …), pings with
random exit codes and bodies, and acts with hostile fields. Printed per engine:
requests sent, answers by status, 5xx seen (goal 0), acknowledged but not in the
database (goal 0) and refused but written (goal 0). Figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.bench_inventory import scratch_database  # noqa: E402
from inventory.api import create_token  # noqa: E402
from itops.config import validate  # noqa: E402
from itops.context import AppContext  # noqa: E402
from itops.db.models import Base  # noqa: E402
from itops.db.session import make_engine, make_sessionmaker, session_scope, upgrade  # noqa: E402
from tests.hostile.test_hostile_agent import PATHS, RAW_VALUES, _body  # noqa: E402
from tests.hostile.test_hostile_http import AUDIT_TABLES, HOST, PUSH_TOKEN, RawClient  # noqa: E402

OFFICE = {"name": "Urząd Testowy (bench)", "timezone": "Europe/Warsaw"}


def counts(ctx: AppContext) -> dict[str, int]:
    with session_scope(ctx.sessions) as db:
        return {
            name: int(db.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in Base.metadata.tables.items()
            if name not in AUDIT_TABLES
        }


async def run(ctx: AppContext, requests: int, rng: random.Random) -> Counter[str]:
    from itops.daemon import sync_units
    from itops.web.app import create_app

    sync_units(ctx)
    app = create_app(ctx)
    client = RawClient(app)
    with session_scope(ctx.sessions) as db:
        token = create_token(db, HOST, ctx.clock.now())
    tally: Counter[str] = Counter()
    for _ in range(requests):
        before = counts(ctx)
        if rng.random() < 0.75:
            body = _body(ctx.clock.now(), rng.choice(PATHS), rng.choice(RAW_VALUES))
            reply = await client.request(
                "POST",
                "/api/v1/agent/report",
                body=body,
                headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
            )
            after = counts(ctx)
            stored = after["inv_asset"] >= 1 and after["av_report"] == before["av_report"] + 1
            kind = "report"
        else:
            action = rng.choice(
                ["", "/start", "/fail", "/0", "/7", "/256", "/²", "/-1", "/" + "9" * 40]
            )
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(200)))
            reply = await client.request("POST", f"/ping/{PUSH_TOKEN}{action}", body=body)
            after = counts(ctx)
            stored = after["backup_ping"] == before["backup_ping"] + 1
            kind = "ping"
        tally["sent"] += 1
        tally[f"{kind} {reply.status}"] += 1
        if reply.status >= 500:
            tally["5xx"] += 1
        elif reply.status < 300 and not stored:
            tally["acknowledged but lost"] += 1
        elif reply.status >= 400 and after != before:
            tally["refused but written"] += 1
    return tally


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "ITOPS_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        with (
            tempfile.TemporaryDirectory() as tmp,
            scratch_database(args.postgres_url if name == "postgresql" else None) as pg_url,
        ):
            url = pg_url or f"sqlite:///{tmp}/hostile.db"
            upgrade(url)
            settings = validate(
                {
                    "office": OFFICE,
                    "storage": {"url": url},
                    "backups": [
                        {"name": "nas", "kind": "push", "token": PUSH_TOKEN, "period": "1d"}
                    ],
                }
            )
            engine = make_engine(url)
            ctx = AppContext(
                settings=settings,
                config_path=Path("hostile.toml"),
                engine=engine,
                sessions=make_sessionmaker(engine),
            )
            try:
                tally = asyncio.run(run(ctx, args.requests, random.Random(args.seed)))
            finally:
                engine.dispose()
        statuses = ", ".join(
            f"{k}: {v}" for k, v in sorted(tally.items()) if k.startswith(("report", "ping"))
        )
        print(
            f"{name}: {tally['sent']} requests sent; 5xx seen {tally['5xx']}; "
            f"acknowledged but lost {tally['acknowledged but lost']}; refused but "
            f"written {tally['refused but written']}  ({statuses})",
            flush=True,
        )


if __name__ == "__main__":
    main()
