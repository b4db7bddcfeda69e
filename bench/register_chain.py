"""§82 register: append rate, verify time (unsigned and signed) and act-gate latency.

Appends are never signed (the head is signed periodically), so the append rate does not
depend on the key; the signed verify checks every stored signed head too.

Run: .venv/bin/python bench/register_chain.py [N] [POSTGRESQL_ADMIN_URL]
(default 5000 entries on a temporary SQLite file; with the URL, on a throw-away database
created beside it and dropped afterwards, never the one named). Prints figures; asserts
nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for bench.bench_inventory

from bench.bench_inventory import load, scratch_database  # noqa: E402
from inventory.register import seals, service, verification  # noqa: E402
from inventory.register.signing import create_key_file  # noqa: E402
from itops.auth import hash_password  # noqa: E402
from itops.db.models import Employee, OrgUnit, User  # noqa: E402
from itops.db.session import make_engine, make_sessionmaker, session_scope, upgrade  # noqa: E402


def main() -> None:
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    admin_url = sys.argv[2] if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory() as tmp, scratch_database(admin_url) as pg_url:
        run(n, pg_url or f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp))


def run(n: int, url: str, tmp: Path) -> None:
    print(load())
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    t0 = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)
    tz = ZoneInfo("Europe/Warsaw")
    pw = hash_password("bench-password-1")
    with session_scope(sessions) as db:
        db.add(OrgUnit(id="office", name="Urząd Testowy"))
        db.flush()
        for login, role in (("admin.test", "admin"), ("mo.test", "monitoring_officer")):
            db.add(
                User(
                    login=login, role=role, password_hash=pw, created_at=t0, password_changed_at=t0
                )
            )
        for i in range(n):
            db.add(Employee(code=f"EMP-TEST-{i:05d}", full_name=f"Pracownik Testowy {i}"))
    with session_scope(sessions) as db:
        service.grant(db, t0, "admin.test", "mo.test", "computer_content", date(2026, 1, 1))
    start = time.perf_counter()
    for i in range(n - 1):
        with session_scope(sessions) as db:
            service.record_notice(
                db,
                t0 + timedelta(seconds=i),
                "admin.test",
                f"EMP-TEST-{i:05d}",
                date(2025, 12, 1),
                "bench",
            )
    elapsed = time.perf_counter() - start
    print(
        f"{engine.dialect.name}: {n - 1} appends in {elapsed:.2f} s "
        f"({(n - 1) / elapsed:.0f} entries/s, one transaction each)"
    )
    start = time.perf_counter()
    with session_scope(sessions) as db:
        result = verification.verify(db, verification.Policy())
    print(
        f"verify of {result.count} entries: {time.perf_counter() - start:.3f} s "
        f"({result.describe()[:40]}…)"
    )
    key = create_key_file(tmp / "bench.key")
    start = time.perf_counter()
    with session_scope(sessions) as db:
        for _ in range(100):
            seals.seal_head(db, key, t0 + timedelta(days=30), only_if_moved=False)
    print(f"sign and store the head: {(time.perf_counter() - start) * 10:.2f} ms each")
    policy = verification.Policy(
        key=key.public, now=t0 + timedelta(days=30), seal_interval=timedelta(hours=1)
    )
    start = time.perf_counter()
    with session_scope(sessions) as db:
        signed = verification.verify(db, policy)
    print(
        f"signed verify of {signed.count} entries and 100 signed heads: "
        f"{time.perf_counter() - start:.3f} s (ok={signed.ok})"
    )
    act = service.ActInput(
        "EMP-TEST-00000",
        "INV-TEST-0001",
        "computer_content",
        "proper_use",
        "bench",
        t0 + timedelta(days=30),
        t0 + timedelta(days=30, hours=1),
        "bench",
    )
    start = time.perf_counter()
    with session_scope(sessions) as db:
        service.record_act(db, t0 + timedelta(days=31), tz, "mo.test", act)
    print(
        f"one act with all gates on a {n}-entry register: "
        f"{(time.perf_counter() - start) * 1000:.0f} ms"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
