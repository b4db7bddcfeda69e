"""The register's Ed25519 key, signed heads and anchors, and how verify judges them."""

from __future__ import annotations

import json
import logging
import os
import stat
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from inventory.register import anchors, jobs, seals
from inventory.register.models import RegisterSeal
from inventory.register.signing import (
    KeyFileError,
    PublicKey,
    create_key_file,
    load_key_file,
)
from itops.db.session import session_scope
from itops.errors import ValidationError
from tests.register.conftest import Office


def _seal_count(office: Office) -> int:
    with session_scope(office.ctx.sessions) as db:
        return int(db.scalar(select(func.count()).select_from(RegisterSeal)) or 0)


def test_a_new_key_file_has_mode_0600_and_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "register.key"
    key = create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    with pytest.raises(ValidationError, match="never overwritten"):
        create_key_file(path)
    assert path.read_bytes() == before
    assert load_key_file(path).public.text == key.public.text
    assert len(key.public.text) == 44 and len(key.public.key_id) == 64


def test_a_key_file_others_may_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "register.key"
    create_key_file(path)
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="mode 0600"):
        load_key_file(path)


def test_a_missing_configured_key_fails_verify_with_the_fixing_command(
    signed: Office, tmp_path: Path
) -> None:
    signed.configure(signing_key_file=tmp_path / "nowhere.key")
    result = signed.verify()
    assert not result.ok and "itops register init-key" in result.problem


def test_entries_no_signed_head_covers_fail_verify_until_the_head_is_signed(
    signed: Office,
) -> None:
    signed.grant()  # recorded at T0, three weeks before the clock
    result = signed.verify()
    assert not result.ok and result.stale and "no signed head covers them" in result.problem
    jobs.seal_job(signed.ctx)
    assert signed.verify().ok and _seal_count(signed) == 1
    jobs.seal_job(signed.ctx)  # the head did not move: no new signature
    assert _seal_count(signed) == 1


def test_the_seal_job_never_signs_a_register_that_fails_verify(
    signed: Office, caplog: pytest.LogCaptureFixture
) -> None:
    signed.grant()
    signed.notice(signed.jan)
    signed.seal()
    with signed.ctx.engine.begin() as conn:
        trigger = {
            "sqlite": "DROP TRIGGER register_entry_no_update",
            "postgresql": "DROP TRIGGER register_entry_append_only ON register_entry",
        }
        conn.execute(text(trigger[signed.ctx.engine.dialect.name]))
        conn.execute(text("UPDATE register_entry SET policy_version = 'inna' WHERE seq = 2"))
    signed.notice(signed.anna)
    with caplog.at_level(logging.ERROR, logger="inventory.register.jobs"):
        jobs.seal_job(signed.ctx)
    assert "head not signed" in caplog.text and _seal_count(signed) == 1


def test_verify_with_the_printed_public_key_and_fails_with_another(
    signed: Office, tmp_path: Path
) -> None:
    signed.grant()
    signed.seal()
    assert signed.verify(public_key=signed.key.public.text).ok
    stranger = create_key_file(tmp_path / "stranger.key").public.text
    result = signed.verify(public_key=stranger)
    assert not result.ok and "not signed by the register's key" in result.problem
    with pytest.raises(ValidationError, match="not a register public key"):
        PublicKey.from_text("abc")


def test_anchors_load_from_json_files_and_from_their_one_line_text(
    signed: Office, tmp_path: Path
) -> None:
    signed.grant()
    first = signed.seal()
    signed.notice(signed.jan)
    second = signed.seal()
    assert first is not None and second is not None
    path = tmp_path / "kotwica.json"
    anchors.write(path, first)
    loaded = [anchors.load(str(path)), anchors.load(second.text()), anchors.load(second.dumps())]
    assert loaded[0] == first and loaded[1] == replace(second, office="") and loaded[2] == second
    assert signed.verify(loaded).ok
    assert json.loads(path.read_text(encoding="utf-8"))["signature"] == first.signature


def test_an_anchor_with_an_altered_signature_or_seq_fails_verify(signed: Office) -> None:
    signed.grant()
    signed.notice(signed.jan)
    anchor = signed.seal()
    assert anchor is not None
    bad_sig = replace(anchor, signature=anchor.signature[:-4] + "AAA=")  # type: ignore[index]
    assert "is not signed by the register's key" in signed.verify([bad_sig]).problem
    moved = replace(anchor, seq=1)  # same signature, other entry
    assert "is not signed by the register's key" in signed.verify([moved]).problem


def test_a_signed_head_record_inserted_with_a_forged_signature_fails_verify(
    signed: Office,
) -> None:
    signed.grant()
    anchor = signed.seal()
    assert anchor is not None
    with session_scope(signed.ctx.sessions) as db:
        seals.store(db, replace(anchor, hash="0" * 64), seals.HEAD)
    assert "is not signed by the register's key" in signed.verify().problem


def test_an_anchor_of_a_pruned_entry_is_covered_by_the_signed_checkpoint(
    signed: Office,
) -> None:
    from tests.register.attacks import OLD

    signed.grant(at=OLD, valid_from=OLD.date(), valid_to=OLD.date() + timedelta(days=30))
    old_anchor = signed.seal()
    signed.grant()
    assert old_anchor is not None and signed.prune().count == 1
    signed.seal()
    assert signed.verify([old_anchor]).ok
    forged = replace(old_anchor, hash="1" * 64).signed_by(signed.key)
    result = signed.verify([forged])
    assert not result.ok and "neither in the register nor covered" in result.problem
