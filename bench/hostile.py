"""Hostile input against every route and the §82 register, per engine: the issue 14 summary.

    .venv/bin/python bench/hostile.py [--requests 2000] [--rounds 3] [--engines sqlite,postgresql]
                                      [--postgres-url URL] [--seed 1] [--no-register]

The assembled app is driven in process (as tests/hostile does):
- the agent API with reports carrying a hostile value at a random place (NaN, Infinity,
  1e20, 1e400, 10**400, /Date(...)/ far out of range, NUL, lone surrogates, 600 levels of
  nesting, wrong types …), and the backup pings with random exit codes and bodies
  (``--requests`` in all); an acknowledged report must have its antivirus row, an
  acknowledged ping its row;
- every dashboard route (learnt as tests/hostile/test_hostile_routes.py learns them: the
  pages' forms and the keys each handler reads), as each role allowed to use it, with a
  valid session and CSRF token, ``--rounds`` requests per route and role, each field
  valid, hostile or missing at random; a refused request (4xx) must commit no write;
- the §82 register attacks of bench/register_attacks.py (SQLite, and PostgreSQL with a
  real SELECT/INSERT/DELETE attacker role).
Printed: per engine and part the answers by status, then one summary line: requests
fuzzed, 5xx seen, acknowledged writes lost, refused but written (goal 0 each), register
attacks tried and caught. Figures only; exit 1 when any goal is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench import register_attacks  # noqa: E402
from bench.bench_inventory import scratch_database  # noqa: E402
from inventory.api import create_token  # noqa: E402
from itops.config import validate  # noqa: E402
from itops.context import AppContext  # noqa: E402
from itops.db.models import Base  # noqa: E402
from itops.db.session import make_engine, make_sessionmaker, session_scope, upgrade  # noqa: E402
from tests.hostile.test_hostile_agent import PATHS, RAW_VALUES, _body  # noqa: E402
from tests.hostile.test_hostile_forms import _rows  # noqa: E402
from tests.hostile.test_hostile_http import AUDIT_TABLES, HOST, PUSH_TOKEN, RawClient  # noqa: E402
from tests.hostile.test_hostile_routes import (  # noqa: E402
    HOSTILE,
    HOSTILE_INT_PARAM,
    SLOW,
    VICTIM,
    Session,
    Target,
    WriteWatch,
    _learn,
)

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


def _random_case(target: Target, rng: random.Random) -> tuple[str, dict[str, str]]:
    """A path (each parameter seen or hostile) and fields (each valid, hostile or missing)."""

    def param(match: re.Match[str]) -> str:
        seen = sorted(target.params.get(match.group(1)) or [])
        if seen and rng.random() < 0.6:
            return quote(rng.choice(seen), safe="")
        if match.group(2) in ("int", "id"):
            return rng.choice(HOSTILE_INT_PARAM)
        return quote(rng.choice(HOSTILE) or "x", safe="")

    url = _PARAM.sub(param, target.endpoint.path)
    fields: dict[str, str] = {}
    for name, valid in target.fields.items():
        pick = rng.random()
        if pick < 0.4:
            fields[name] = valid
        elif pick < 0.8:
            fields[name] = rng.choice(HOSTILE)
    if rng.random() < 0.3:
        fields[rng.choice(["id", "year", "q", "x"])] = rng.choice(HOSTILE)
    return url, fields


_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-z]+))?}")


def run_routes(ctx: AppContext, rounds: int, rng: random.Random) -> Counter[str]:
    """Every dashboard route as each role allowed to use it, ``rounds`` times each."""
    from itops import auth
    from itops.auth import ROLES
    from itops.web.app import create_app
    from tests.web.conftest import PASSWORD, role_login

    with session_scope(ctx.sessions) as db:
        for role in ROLES:
            auth.add_user(db, role_login(role), role, PASSWORD, ctx.clock.now(), "DEMO Bench")
        auth.add_user(db, VICTIM, "auditor", PASSWORD, ctx.clock.now(), "DEMO Ofiara")
    _rows(ctx)
    app = create_app(ctx)
    watch = WriteWatch()
    tally: Counter[str] = Counter()
    with asyncio.Runner() as runner, watch.attached(ctx.engine):
        targets = _learn(app, runner)
        watch.take()
        for role in ROLES:
            session = Session(app, runner, role)
            for target in targets:
                e = target.endpoint
                if e.public and role != "admin":
                    continue
                if not e.public and not (e.roles and role in e.roles):
                    continue
                for _ in range(1 if target.cost > SLOW else rounds):
                    url, fields = _random_case(target, rng)
                    watch.take()
                    try:
                        status = session.send(e.method, url, fields).status
                    except Exception:  # a crash the app did not turn into an answer
                        status = 599
                    written = watch.take()
                    tally["sent"] += 1
                    tally[f"form {status // 100}xx"] += 1
                    if status >= 500:
                        tally["5xx"] += 1
                    elif 400 <= status < 500 and written:
                        tally["refused but written"] += 1
                    if not e.public and status in (401, 403):
                        tally["allowed role refused"] += 1
    tally["routes"] = len(targets)
    return tally


def _database(args: argparse.Namespace, name: str, tmp: str) -> Any:
    return scratch_database(args.postgres_url if name == "postgresql" else None)


def _context(url: str) -> AppContext:
    from itops.clock import FixedClock

    upgrade(url)
    settings = validate(
        {
            "office": OFFICE,
            "storage": {"url": url},
            "backups": [{"name": "nas", "kind": "push", "token": PUSH_TOKEN, "period": "1d"}],
            "checks": [{"name": "bip", "kind": "tcp", "host": "127.0.0.1", "port": 9}],
        }
    )
    engine = make_engine(url)
    return AppContext(
        settings=settings,
        config_path=Path("hostile.toml"),
        engine=engine,
        sessions=make_sessionmaker(engine),
        clock=FixedClock(datetime(2026, 11, 26, 10, 0, tzinfo=UTC)),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "ITOPS_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-register", action="store_true")
    args = parser.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    total: Counter[str] = Counter()
    for name in engines:
        for part in ("api", "routes"):
            with tempfile.TemporaryDirectory() as tmp, _database(args, name, tmp) as pg_url:
                ctx = _context(pg_url or f"sqlite:///{tmp}/hostile.db")
                try:
                    from itops.daemon import sync_units

                    sync_units(ctx)
                    rng = random.Random(args.seed)
                    if part == "api":
                        tally = asyncio.run(run(ctx, args.requests, rng))
                    else:
                        tally = run_routes(ctx, args.rounds, rng)
                finally:
                    ctx.engine.dispose()
            statuses = ", ".join(
                f"{k}: {v}"
                for k, v in sorted(tally.items())
                if k.startswith(("report", "ping", "form"))
            )
            extra = f"; {tally['routes']} routes" if part == "routes" else ""
            print(
                f"{name} {part}: {tally['sent']} requests{extra}; 5xx {tally['5xx']}; "
                f"acknowledged but lost {tally['acknowledged but lost']}; refused but "
                f"written {tally['refused but written']}; allowed role refused "
                f"{tally['allowed role refused']}  ({statuses})",
                flush=True,
            )
            total.update(tally)
    tried = caught = 0
    if not args.no_register:
        admin = args.postgres_url if "postgresql" in engines else None
        tried, caught = register_attacks.run_all(admin, say=lambda line: None)
    print(
        f"issue 14 summary ({', '.join(engines)}): requests fuzzed {total['sent']}; "
        f"5xx seen {total['5xx']}; acknowledged writes lost {total['acknowledged but lost']}; "
        f"refused but written {total['refused but written']}; register attacks tried "
        f"{tried}, caught {caught}",
        flush=True,
    )
    bad = total["5xx"] + total["acknowledged but lost"] + total["refused but written"]
    sys.exit(1 if bad or caught != tried else 0)


if __name__ == "__main__":
    main()
