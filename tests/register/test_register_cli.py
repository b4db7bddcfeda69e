"""``itops register …`` end to end: the real CLI entry point on a config file."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from inventory.register.models import RegisterEntry, RegisterRead
from itops.cli import main
from itops.db.session import session_scope
from tests.register.conftest import Office


def write_config(path: Path, db_url: str, extra: str = "") -> Path:
    path.write_text(
        f"""[office]
name = "Urząd Testowy w Przykładowie"
timezone = "Europe/Warsaw"

[storage]
url = "{db_url}"

[employee_monitoring]
policy_version = "Regulamin Pracy 2026 (test)"
{extra}""",
        encoding="utf-8",
    )
    return path


class Cli:
    def __init__(self, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.config, self.capsys = config, capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            main(["--config", str(self.config), "register", *args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = self.capsys.readouterr()
        return code, out.out, out.err


@pytest.fixture
def cli(office: Office, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(tmp_path / "itops.toml", db_url), capsys)


def _recent() -> tuple[str, str]:
    """An act that ended a minute ago (the CLI runs on the wall clock)."""
    end = datetime.now(UTC) - timedelta(minutes=1)
    return (end - timedelta(hours=1)).isoformat(), end.isoformat()


def test_the_cli_records_authorisation_notice_and_act(office: Office, cli: Cli) -> None:
    code, out, err = cli(
        "authorize",
        "--as",
        office.admin,
        "--user",
        office.officer,
        "--scope",
        "computer_content,work_email",
        "--from",
        "2026-01-01",
    )
    assert code == 0 and "entry #1" in out, err
    code, out, err = cli(
        "notice", "--as", office.admin, "--employee", office.jan, "--date", "2026-02-01"
    )
    assert code == 0, err
    # the authorisation was recorded just now: back-dated acts before it are refused
    code, _, err = cli(
        "act",
        "--as",
        office.officer,
        "--employee",
        office.jan,
        "--resource",
        "INV-TEST-0001",
        "--scope",
        "work_email",
        "--purpose",
        "proper_use",
        "--justification",
        "test",
        "--start",
        "2026-11-20T09:00",
        "--end",
        "2026-11-20T10:00",
        "--outcome",
        "ok",
    )
    assert code == 2 and "no authorisation valid" in err
    office.grant(scopes="work_email")
    start, end = _recent()
    code, out, err = cli(
        "act",
        "--as",
        office.officer,
        "--employee",
        office.jan,
        "--resource",
        "INV-TEST-0001",
        "--scope",
        "work_email",
        "--purpose",
        "proper_use",
        "--justification",
        "test",
        "--start",
        start,
        "--end",
        end,
        "--outcome",
        "ok",
    )
    assert code == 0 and "act recorded" in out, err
    with session_scope(office.ctx.sessions) as db:
        notice = db.get(RegisterEntry, 2)
        assert notice is not None and notice.policy_version == "Regulamin Pracy 2026 (test)"


def test_the_cli_refuses_an_it_officer_with_exit_4(office: Office, cli: Cli) -> None:
    code, _, err = cli("list", "--as", office.it)
    assert code == 4 and "needs monitoring_officer or auditor" in err
    code, _, err = cli(
        "authorize",
        "--as",
        office.officer,
        "--user",
        office.officer,
        "--scope",
        "work_email",
        "--from",
        "2026-01-01",
    )
    assert code == 4


def test_revoking_by_user_closes_every_authorisation_on_the_printed_list(
    office: Office, cli: Cli
) -> None:
    office.grant(scopes="work_email")
    office.grant(scopes="activity_logs")
    code, out, err = cli(
        "revoke", "--as", office.admin, "--user", office.officer, "--reason", "koniec zadania"
    )
    assert code == 0 and out.count("revoked") == 2, err
    code, out, _ = cli("authorised", "--as", office.admin)
    assert code == 0 and out.count("revoked") == 2 and "active" not in out
    assert (
        cli("revoke", "--as", office.admin, "--user", office.officer, "--reason", "jeszcze raz")[0]
        == 2
    )


def test_list_and_notices_missing_are_logged_reads(office: Office, cli: Cli) -> None:
    office.notice(office.jan)
    code, out, _ = cli("list", "--as", office.auditor)
    assert code == 0 and "Jan Testowy" in out
    code, out, _ = cli("notices", "--as", office.auditor, "--missing")
    assert code == 0 and office.anna in out and office.jan not in out
    with session_scope(office.ctx.sessions) as db:
        views = [(r.actor, r.channel, r.view) for r in db.scalars(select(RegisterRead))]
    assert views == [(office.auditor, "cli", "list"), (office.auditor, "cli", "notices")]


def test_verify_exits_0_with_the_head_hash_and_1_on_a_break(office: Office, cli: Cli) -> None:
    office.grant()
    office.notice(office.jan)
    office.notice(office.anna)
    code, out, _ = cli("verify")
    with session_scope(office.ctx.sessions) as db:
        head = db.get(RegisterEntry, 3)
    assert head is not None
    assert code == 0 and head.hash in out
    engine = office.ctx.engine
    drop = {
        "sqlite": "DROP TRIGGER register_entry_no_delete",
        "postgresql": "DROP TRIGGER register_entry_append_only ON register_entry",
    }[engine.dialect.name]
    with engine.begin() as conn:
        conn.execute(text(drop))
        conn.execute(text("DELETE FROM register_entry WHERE seq = 2"))
    code, out, _ = cli("verify")
    assert code == 1 and "BROKEN at entry #3" in out


def test_anchor_then_a_cut_tail_fails_verify_with_the_anchor(
    office: Office, cli: Cli, tmp_path: Path
) -> None:
    office.grant()
    office.notice(office.jan)
    anchor = tmp_path / "anchor.json"
    code, out, _ = cli("anchor", "--output", str(anchor))
    assert code == 0
    data = json.loads(anchor.read_text(encoding="utf-8"))
    assert data["seq"] == 2 and data["anchored_at"].endswith("Z")
    engine = office.ctx.engine
    drop = {
        "sqlite": "DROP TRIGGER register_entry_no_delete",
        "postgresql": "DROP TRIGGER register_entry_append_only ON register_entry",
    }[engine.dialect.name]
    with engine.begin() as conn:
        conn.execute(text(drop))
        conn.execute(text("DELETE FROM register_entry WHERE seq = 2"))
    assert cli("verify")[0] == 0
    code, out, _ = cli("verify", "--anchor", str(anchor))
    assert code == 1 and "cut off" in out


def test_export_writes_csv_and_a_pdf_with_polish_text(
    office: Office, cli: Cli, tmp_path: Path
) -> None:
    import subprocess

    office.notice(office.anna)
    csv_path, pdf_path = tmp_path / "r.csv", tmp_path / "r.pdf"
    assert (
        cli(
            "export",
            "--as",
            office.officer,
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--output",
            str(csv_path),
        )[0]
        == 0
    )
    assert "Anna Przykładowa" in csv_path.read_text(encoding="utf-8")
    assert (
        cli(
            "export",
            "--as",
            office.officer,
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "pdf",
            "--output",
            str(pdf_path),
        )[0]
        == 0
    )
    pdf_text = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pdf_text = " ".join(pdf_text.split())  # table cells wrap lines
    assert "Anna Przykładowa" in pdf_text and "Rejestr monitoringu" in pdf_text
    # issue 13: dates by the one formatter (26.11.2026 10:00), years by the plural rule
    assert re.search(r"\b\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}\b", pdf_text), pdf_text
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", pdf_text), pdf_text
    assert re.search(r"okres przechowywania: \d+ (rok|lata|lat);", pdf_text), pdf_text
    assert "register intact" not in pdf_text and "rejestr nienaruszony, wpisów:" in pdf_text


def test_prune_needs_a_register_role_and_leaves_a_verifiable_chain(
    office: Office, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    key = tmp_path / "register.key"
    cli = Cli(write_config(tmp_path / "signed.toml", db_url, f'signing_key_file = "{key}"'), capsys)
    assert cli("init-key")[0] == 0
    old = datetime(2015, 3, 2, 8, 0, tzinfo=UTC)
    office.grant(at=old, valid_from=date(2015, 3, 1), valid_to=date(2015, 12, 31))
    office.grant()
    code, _, err = cli("prune", "--as", office.it)
    assert code != 0 and "prune the register" in err
    code, out, err = cli("prune", "--as", office.officer, "--dry-run")
    assert code == 0 and "would have pruned 1 entries" in out, err
    code, out, err = cli("prune", "--as", office.officer)
    assert code == 0 and "pruned 1 entries #1–#1" in out and "checkpoint #3" in out, err
    code, out, err = cli("verify", "--as", office.auditor)
    assert code == 0 and "register intact: 2 entries, head #3" in out, err


def test_every_cli_write_records_the_os_user_and_sudo_user_beside_the_login(
    office: Office, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import pwd

    monkeypatch.setenv("SUDO_USER", "jan.testowy")
    monkeypatch.setenv("USER", "ktos.inny")  # $USER is not trusted: anyone can set it
    me = pwd.getpwuid(os.getuid()).pw_name
    code, _, err = cli(
        "authorize",
        "--as",
        office.admin,
        "--user",
        office.officer,
        "--scope",
        "work_email",
        "--from",
        "2026-01-01",
    )
    assert code == 0, err
    assert (
        cli("notice", "--as", office.admin, "--employee", office.jan, "--date", "2026-02-01")[0]
        == 0
    )
    assert cli("revoke", "--as", office.admin, "--entry", "1", "--reason", "koniec")[0] == 0
    with session_scope(office.ctx.sessions) as db:
        recorded = [e.os_user for e in db.scalars(select(RegisterEntry).order_by("seq"))]
    assert recorded == [f"{me} (sudo: jan.testowy)"] * 3
    code, out, _ = cli("list", "--as", office.auditor)
    assert f"[os: {me} (sudo: jan.testowy)]" in out and "ktos.inny" not in out
    assert cli("verify")[0] == 0  # the OS user is part of each entry's hash


def test_acts_corrections_and_prune_checkpoints_record_the_os_user_too(
    office: Office,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The other CLI writes: an act, a correction of it, a notice's correction, and the
    checkpoint a prune writes (issue 14.1: every CLI write names the OS account)."""
    import os
    import pwd
    from datetime import date

    monkeypatch.setenv("SUDO_USER", "ewa.testowa")
    me = pwd.getpwuid(os.getuid()).pw_name
    key = tmp_path / "register.key"
    cli = Cli(write_config(tmp_path / "signed.toml", db_url, f'signing_key_file = "{key}"'), capsys)
    assert cli("init-key")[0] == 0
    old = datetime(2015, 3, 2, 8, 0, tzinfo=UTC)
    office.grant(at=old, valid_from=date(2015, 3, 1), valid_to=date(2015, 12, 31))
    office.grant(scopes="work_email")
    with session_scope(office.ctx.sessions) as db:
        first_new = 1 + (db.scalar(select(func.max(RegisterEntry.seq))) or 0)
    assert (
        cli("notice", "--as", office.admin, "--employee", office.jan, "--date", "2026-02-01")[0]
        == 0
    )
    code, _, err = cli(
        "notice",
        "--as",
        office.admin,
        "--employee",
        office.jan,
        "--date",
        "2026-02-02",
        "--corrects",
        str(first_new),
        "--reason",
        "literówka w dacie",
    )
    assert code == 0, err
    start, end = _recent()
    act = ("act", "--as", office.officer, "--employee", office.jan, "--resource")
    act += ("INV-TEST-0001", "--scope", "work_email", "--purpose", "proper_use")
    act += ("--justification", "test", "--start", start, "--end", end, "--outcome", "ok")
    code, _, err = cli(*act)
    assert code == 0, err
    code, _, err = cli(*act, "--corrects", str(first_new + 2), "--reason", "zły wynik")
    assert code == 0, err
    code, out, err = cli("prune", "--as", office.officer)
    assert code == 0 and "pruned 1 entries" in out, err
    with session_scope(office.ctx.sessions) as db:
        written = list(
            db.scalars(
                select(RegisterEntry)
                .where(RegisterEntry.seq >= first_new)
                .order_by(RegisterEntry.seq)
            )
        )
    kinds = [e.kind for e in written]
    assert kinds.count("checkpoint") == 1 and len(written) >= 5, kinds
    assert [e.os_user for e in written] == [f"{me} (sudo: ewa.testowa)"] * len(written)
    assert cli("verify", "--as", office.auditor)[0] == 0


@pytest.mark.parametrize(
    ("who", "args"),
    [
        (
            "officer",
            (
                "authorize",
                "--user",
                "marek.monitor",
                "--scope",
                "work_email",
                "--from",
                "2026-01-01",
            ),
        ),
        ("auditor", ("revoke", "--entry", "1", "--reason", "x")),
        ("auditor", ("notice", "--employee", "EMP-TEST-0001", "--date", "2026-02-01")),
        (
            "admin",
            (
                "act",
                "--employee",
                "EMP-TEST-0001",
                "--resource",
                "INV-TEST-0001",
                "--scope",
                "work_email",
                "--purpose",
                "proper_use",
                "--justification",
                "x",
                "--start",
                "2026-11-20T09:00",
                "--end",
                "2026-11-20T10:00",
                "--outcome",
                "x",
            ),
        ),
        ("it", ("prune",)),
    ],
)
def test_as_a_login_without_the_role_every_cli_write_is_refused_with_nothing_written(
    office: Office, cli: Cli, who: str, args: tuple[str, ...]
) -> None:
    office.grant()
    login = getattr(office, who)
    code, _, err = cli(args[0], "--as", login, *args[1:])
    assert code == 4 and f'user "{login}" has the role' in err
    with session_scope(office.ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(RegisterEntry)) == 1


def test_as_a_disabled_user_the_cli_is_refused(office: Office, cli: Cli) -> None:
    from itops.db.models import User

    with session_scope(office.ctx.sessions) as db:
        user = db.scalar(select(User).where(User.login == office.admin))
        assert user is not None
        user.disabled = True
    code, _, err = cli(
        "notice", "--as", office.admin, "--employee", office.jan, "--date", "2026-02-01"
    )
    assert code == 4 and "no enabled user" in err


def test_init_key_prints_the_public_key_and_verify_takes_anchors_as_files_and_text(
    office: Office, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os
    import stat

    key = tmp_path / "register.key"
    cli = Cli(write_config(tmp_path / "signed.toml", db_url, f'signing_key_file = "{key}"'), capsys)
    code, out, _ = cli("init-key")
    assert code == 0 and stat.S_IMODE(os.stat(key).st_mode) == 0o600
    public = out.split("public key:", 1)[1].split()[0]
    assert cli("init-key")[0] == 2  # never overwritten
    office.grant()
    first = tmp_path / "a1.json"
    code, out, err = cli("anchor", "--output", str(first))
    assert code == 0 and "(signed)" in out, err
    office.notice(office.jan)
    code, out, _ = cli("anchor", "--output", str(tmp_path / "a2.json"))
    text_form = out.strip().splitlines()[-1]
    assert text_form.startswith("itops-82-anchor v2 2 ")
    code, out, err = cli(
        "verify", "--anchor", str(first), "--anchor", text_form, "--public-key", public
    )
    assert code == 0, out + err
    tampered = text_form.replace(" v2 2 ", " v2 1 ")
    code, out, _ = cli("verify", "--anchor", str(first), "--anchor", tampered)
    assert code == 1 and "not signed by the register's key" in out


def test_grants_prints_sql_that_keeps_delete_from_the_service_role(cli: Cli) -> None:
    code, out, _ = cli("grants", "--service-role", "itops", "--prune-role", "itops_prune")
    assert code == 0
    assert "REVOKE ALL ON register_entry, register_read_log" in out
    assert (
        "GRANT SELECT, INSERT ON register_entry, register_read_log, register_seal TO itops;" in out
    )
    assert "GRANT SELECT, INSERT, DELETE ON register_entry TO itops_prune;" in out
    assert cli("grants", "--service-role", "itops; DROP TABLE x")[0] == 2


def test_list_authorised_and_notices_write_dates_in_office_time_as_the_reader_does(
    office: Office, cli: Cli
) -> None:
    """Issue 13: `register list` printed ISO moments ("2026-11-02T09:00+01:00") and days
    ("2026-10-01"); they read "02.11.2026 09:00" / "01.10.2026" in Polish (the config's
    language, or --lang), "02/11/2026 09:00" in English; the CSV export keeps ISO."""
    office.grant()
    office.notice(office.jan)
    office.act()
    code, out, err = cli("list", "--as", office.auditor)
    assert code == 0, err
    assert "#1 02.11.2026 09:00 authorisation" in out  # 08:00 UTC is 09:00 in Warsaw
    assert "20.11.2026 10:00..20.11.2026 11:00: Nie stwierdzono" in out
    assert "01.11.2026.." in out and "received 01.10.2026 (Regulamin 2026)" in out
    assert not re.search(r"\d{4}-\d{2}-\d{2}", out), out
    code, out, _ = cli("list", "--as", office.auditor, "--lang", "en")
    assert "#1 02/11/2026 09:00 authorisation" in out and "received 01/10/2026" in out
    code, out, _ = cli("authorised", "--as", office.auditor)
    assert code == 0 and "01.11.2026.." in out, out
    code, out, _ = cli("notices", "--as", office.auditor)
    assert code == 0 and "received 01.10.2026 (Regulamin 2026)" in out, out
    assert not re.search(r"\d{4}-\d{2}-\d{2}", out), out
