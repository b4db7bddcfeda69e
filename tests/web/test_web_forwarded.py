"""``X-Forwarded-For`` is believed only from ``[web] trusted_proxies`` (real daemon: the
header is handled by uvicorn, below the app).

Before, uvicorn's default believed any process on 127.0.0.1: 30 guesses with rotating
forged addresses never reached the address lockout.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from sqlalchemy import select

from itops.db.models import AuditLog
from itops.db.session import make_engine, make_sessionmaker, read_scope
from tests.daemon import Daemon

LIMIT = 5


def _guess(base: str, forged: str) -> int:
    """One failed login from a fresh browser that claims to be ``forged``."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(f"{base}/login", timeout=30) as page:
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
    assert token
    form = urllib.parse.urlencode(
        {"login": f"nikt-{forged}", "password": "zle-haslo", "csrf_token": token.group(1)}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1
        f"{base}/login",
        data=form,
        headers={"X-Forwarded-For": forged},
    )
    try:
        with opener.open(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _guesses(tmp_path: Path, extra: str) -> tuple[list[int], set[str]]:
    daemon = Daemon(
        tmp_path,
        f'address_max_failures = {LIMIT}\n{extra}[inventory]\ncollect_interval = "1000d"\n',
    )
    try:
        daemon.start().wait_ready(60)
        codes = [_guess(daemon.url(""), f"203.0.113.{n}") for n in range(1, LIMIT + 3)]
    finally:
        daemon.stop()
    engine = make_engine(daemon.db_url)
    with read_scope(make_sessionmaker(engine)) as db:
        addresses = {a or "" for a in db.scalars(select(AuditLog.remote_addr))}
    engine.dispose()
    return codes, addresses


def test_forged_forwarded_addresses_do_not_dodge_the_address_lockout(tmp_path: Path) -> None:
    codes, addresses = _guesses(tmp_path, "")
    # the LIMIT-th failure locks the real address, 127.0.0.1, whatever the header says
    assert codes == [401] * (LIMIT - 1) + [429] * 3, codes
    assert addresses == {"127.0.0.1"}


def test_a_trusted_proxy_passes_the_client_address_on(tmp_path: Path) -> None:
    codes, addresses = _guesses(tmp_path, 'trusted_proxies = ["127.0.0.1"]\n')
    assert codes == [401] * (LIMIT + 2)  # every client address is new
    assert {f"203.0.113.{n}" for n in range(1, LIMIT + 3)} <= addresses
