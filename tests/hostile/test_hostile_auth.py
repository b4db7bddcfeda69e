"""Secrets at rest and in logs: passwords and tokens stored hashed, never logged; /metrics token.

Session fixation, CSRF and the role matrix are covered in tests/web; this adds the
ways a password or token enters itops outside the login form (admin page, CLI, agent
token creation) and scans every table's text for the plain value.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from inventory.models import AgentToken
from itops.cli import main
from itops.context import AppContext
from itops.db.models import Base, User
from itops.db.session import session_scope
from itops.web.app import create_app
from tests.conftest import make_settings, write_config
from tests.web.conftest import AsgiClient

MARKER = "Znacznik-Hasla-7f3a9c"


def _all_text(ctx: AppContext) -> str:
    """Every value of every row of every table, as one string."""
    parts: list[str] = []
    with ctx.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                parts.extend(str(v) for v in row)
    return "\n".join(parts)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = 0
    try:
        main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
    out = capsys.readouterr()
    return code, out.out + out.err


async def test_a_password_set_on_the_users_page_is_stored_hashed_and_never_logged(
    app: Starlette, ctx: AppContext, users: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = AsgiClient(app)
    await admin.login(users["admin"])
    token = await admin.csrf()
    reply = await admin.post(
        "/admin/users",
        {
            "csrf_token": token,
            "login": "nowy_urzednik",
            "role": "auditor",
            "full_name": "Nowy Urzędnik",
            "password": MARKER,
            "password2": MARKER,
            "password_repeat": MARKER,
        },
    )
    assert reply.status in (200, 303), reply.text[:300]
    with session_scope(ctx.sessions) as db:
        user = db.scalar(select(User).where(User.login == "nowy_urzednik"))
        assert user is not None, "the user was not created: the test would prove nothing"
        assert user.password_hash.startswith("$argon2id$")
    newcomer = AsgiClient(app)
    assert (await newcomer.login("nowy_urzednik", MARKER)).status == 303
    await newcomer.login("nowy_urzednik", MARKER + "-zle")
    assert MARKER not in caplog.text
    assert MARKER not in _all_text(ctx)


def test_cli_passwords_are_stored_hashed_and_never_printed_or_audited(
    ctx: AppContext,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ITOPS_DATABASE_URL", raising=False)
    caplog.set_level(logging.DEBUG)
    cfg = str(write_config(tmp_path / "itops.toml", ctx.settings.storage.url))
    secret = tmp_path / "haslo"
    secret.write_text(MARKER + "\n")
    code, out = _run(
        capsys,
        "--config",
        cfg,
        "user",
        "add",
        "kadry",
        "--role",
        "auditor",
        "--password-file",
        str(secret),
    )
    assert code == 0, out
    secret.write_text(MARKER + "-nowe\n")
    code, out2 = _run(
        capsys, "--config", cfg, "user", "passwd", "kadry", "--password-file", str(secret)
    )
    assert code == 0, out2
    assert MARKER not in out + out2 + caplog.text
    assert MARKER not in _all_text(ctx)
    with session_scope(ctx.sessions) as db:
        stored = db.scalar(select(User.password_hash).where(User.login == "kadry"))
    assert stored is not None and stored.startswith("$argon2id$")


def test_an_agent_token_is_stored_only_as_its_hash(
    ctx: AppContext,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ITOPS_DATABASE_URL", raising=False)
    cfg = str(write_config(tmp_path / "itops.toml", ctx.settings.storage.url))
    code, out = _run(capsys, "--config", cfg, "agent", "token", "create", "pc-kadry-01")
    assert code == 0, out
    candidates = [w for w in out.split() if len(w) >= 40]
    assert candidates, out
    token = candidates[0]
    everything = _all_text(ctx)
    assert token not in everything
    with session_scope(ctx.sessions) as db:
        row = db.scalar(select(AgentToken).where(AgentToken.hostname == "pc-kadry-01"))
        assert row is not None
        assert len(row.token_sha256) == 64 and row.token_sha256 in everything


# --- /metrics token -------------------------------------------------------------------------


@pytest.fixture
def metrics_app(ctx: AppContext, tmp_path: Path) -> Starlette:
    token_file = tmp_path / "metrics.token"
    token_file.write_text("s3cret-metrics-token\n")
    ctx.settings = make_settings(
        ctx.settings.storage.url, web={"metrics_token_file": str(token_file)}
    )
    return create_app(ctx)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer wrong-token",
        "bearer s3cret-metrics-token-x",
        "Basic czNjcmV0LW1ldHJpY3MtdG9rZW4=",
        "s3cret-metrics-token",
        "Bearer s3cret-metrics-token\n",
    ],
)
async def test_metrics_refuse_a_missing_or_wrong_token_with_401(
    metrics_app: Starlette, header: str | None
) -> None:
    headers = {"authorization": header} if header is not None else {}
    reply = await AsgiClient(metrics_app).get("/metrics", headers=headers)
    assert reply.status == 401
    assert "itops_" not in reply.text


async def test_metrics_answer_200_with_the_configured_token(metrics_app: Starlette) -> None:
    reply = await AsgiClient(metrics_app).get(
        "/metrics", headers={"authorization": "Bearer s3cret-metrics-token"}
    )
    assert reply.status == 200
    assert "itops_build_info" in reply.text


async def test_metrics_are_open_when_no_token_is_configured(app: Starlette) -> None:
    reply = await AsgiClient(app).get("/metrics")
    assert reply.status == 200
