"""RFC 3161: the daily anchor is time-stamped by a real TSA (``openssl ts`` on 127.0.0.1)
and verify checks the token's signature chain and that it stamps exactly this anchor."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from inventory.register import jobs
from inventory.register import tsa as tsa_client
from tests.register.conftest import Office
from tests.register.tsa_server import Authority, make_authority


def _timestamped(signed: Office, authority: Authority) -> jobs.MadeAnchor:
    signed.configure(tsa_url=authority.url, tsa_ca_file=authority.ca_file)
    signed.grant()
    signed.seal()
    return jobs.make_anchor(signed.ctx)


def test_the_anchor_carries_a_token_that_verifies_against_the_tsa_ca(
    signed: Office, tsa: Authority
) -> None:
    made = _timestamped(signed, tsa)
    assert made.anchor is not None and made.anchor.tsa_token and tsa.requests == 1
    check = tsa_client.check_token(made.anchor.tsa_token, made.anchor.stamp_digest(), tsa.ca_file)
    assert check.ok and check.at is not None
    result = signed.verify([made.anchor])
    assert result.ok, result.describe()
    assert any("time-stamped by the TSA at" in n for n in result.notes)


def test_a_token_moved_to_another_anchor_fails_verify(signed: Office, tsa: Authority) -> None:
    first = _timestamped(signed, tsa).anchor
    signed.notice(signed.jan)
    second = jobs.make_anchor(signed.ctx).anchor
    assert first is not None and second is not None and first.tsa_token
    swapped = replace(second, tsa_token=first.tsa_token)
    result = signed.verify([swapped])
    assert not result.ok and "time-stamp token does not verify" in result.problem


def test_a_token_of_an_untrusted_authority_fails_verify(
    signed: Office, tsa: Authority, tmp_path: Path
) -> None:
    made = _timestamped(signed, tsa)
    _, stranger_ca, _, _ = make_authority(tmp_path / "other", "other")
    signed.configure(tsa_ca_file=stranger_ca)
    assert made.anchor is not None
    result = signed.verify([made.anchor])
    assert not result.ok and "time-stamp token does not verify" in result.problem


def test_an_unreachable_tsa_still_gives_a_signed_anchor_and_says_so(signed: Office) -> None:
    from tests.conftest import free_port

    signed.configure(tsa_url=f"http://127.0.0.1:{free_port()}/tsa")
    signed.grant()
    signed.seal()
    made = jobs.make_anchor(signed.ctx)
    assert made.anchor is not None and made.anchor.signature and made.anchor.tsa_token is None
    assert any("not time-stamped" in n for n in made.notes)
    assert signed.verify([made.anchor]).ok


def test_the_token_states_the_time_it_was_made(signed: Office, tsa: Authority) -> None:
    made = _timestamped(signed, tsa)
    assert made.anchor is not None and made.anchor.tsa_token
    stamped = tsa_client.token_time(made.anchor.tsa_token)
    assert stamped is not None and abs((stamped - datetime.now(UTC)).total_seconds()) < 3600
