"""``clamav``: the local ClamAV daemon and the age of its signatures.

Three signals: ``clamd`` answers ``PING`` with ``PONG`` on its socket; the daily
database's build time (the ``.cvd/.cld/.cud`` header, else ``sigtool --info``, else the
date in clamd's ``VERSION`` reply) is not too old; ``freshclam`` ran recently (the mtime
of ``freshclam.dat``, which freshclam rewrites on every run, or of its log file).
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import model_validator

from checks.kinds.backup_base import run_tool, tool_env
from checks.kinds.backup_texts import TEXTS
from checks.kinds.texts import errno_reason
from itops.check import Check, KindSpec, Options
from itops.clock import Clock, SystemClock
from itops.config import Duration, PositiveDuration
from itops.errors import ProbeError
from itops.messages import Param, Summary, joined
from itops.status import Measurement, Status, worst

CLAMD_UP = "clamd_up"
SIGNATURE_AT = "signature_ts"
SIGNATURE_VERSION = "signature_version"
FRESHCLAM_AT = "freshclam_ts"
OBSERVED = "observed_at"

HEADER_TIME = "%d %b %Y %H-%M %z"
_SIGTOOL_TIME = re.compile(r"^Build time:\s*(.+)$", re.MULTILINE)
_SIGTOOL_VERSION = re.compile(r"^Version:\s*(\d+)\s*$", re.MULTILINE)


class ClamavOptions(Options):
    socket: Path | None = Path("/run/clamav/clamd.ctl")
    tcp: str | None = None
    database_dir: Path = Path("/var/lib/clamav")
    signature_warning: PositiveDuration = timedelta(days=1)
    signature_critical: PositiveDuration = timedelta(days=7)
    freshclam_max_age: Duration | None = timedelta(hours=26)
    freshclam_log: Path | None = None
    sigtool: str = "sigtool"
    connect_timeout: PositiveDuration = timedelta(seconds=5)

    @model_validator(mode="after")
    def _one_address(self) -> ClamavOptions:
        if self.tcp is not None:
            host, sep, port = self.tcp.rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError('tcp must be "HOST:PORT", e.g. "127.0.0.1:3310"')
        if self.signature_critical < self.signature_warning:
            raise ValueError("signature_critical must not be shorter than signature_warning")
        return self


def parse_header(head: bytes) -> tuple[datetime, int] | None:
    """Build time and version from a ClamAV database header (512 bytes, ``ClamAV-VDB:``)."""
    text = head[:512].split(b"\0", 1)[0].decode("ascii", "replace").strip()
    if not text.startswith("ClamAV-VDB:"):
        return None
    fields = text.split(":")
    try:
        built = datetime.strptime(fields[1], HEADER_TIME).astimezone(UTC)
        version = int(fields[2])
    except (IndexError, ValueError):
        return None
    return built, version


def parse_sigtool_info(output: str) -> tuple[datetime, int | None] | None:
    """Build time and version from ``sigtool --info`` (``Build time: 26 Nov 2026 23:43 +0000``).

    sigtool reads the header more leniently than ``parse_header`` (C ``atoi`` for numbers),
    so it still tells the age of a database whose header Python rejects.
    """
    match = _SIGTOOL_TIME.search(output)
    if not match:
        return None
    try:
        built = datetime.strptime(match.group(1).strip(), "%d %b %Y %H:%M %z").astimezone(UTC)
    except ValueError:
        return None
    version = _SIGTOOL_VERSION.search(output)
    return built, int(version.group(1)) if version else None


def daily_database(database_dir: Path) -> Path | None:
    """The newest ``daily.{cld,cvd,cud}`` in ``database_dir``."""
    found = [database_dir / f"daily.{ext}" for ext in ("cld", "cvd", "cud")]
    existing = [p for p in found if p.is_file()]
    return max(existing, key=lambda p: p.stat().st_mtime) if existing else None


def parse_version_reply(reply: str) -> tuple[int | None, datetime | None]:
    """``ClamAV 1.4.6/27830/Thu Nov 26 08:19:52 2026`` → (27830, time in the host's zone)."""
    parts = reply.strip().split("/")
    if len(parts) < 3:
        return None, None
    try:
        version = int(parts[1])
        local = time.strptime(parts[2].strip(), "%a %b %d %H:%M:%S %Y")
        return version, datetime.fromtimestamp(time.mktime(local), UTC)
    except (ValueError, OverflowError):
        return None, None


class ClamavCheck(Check[ClamavOptions]):
    """clamd answers, signatures are fresh, freshclam keeps running."""

    kind = "clamav"
    TEXTS = TEXTS
    Options = ClamavOptions
    counts_for_kpi_default = False
    timeout_status = Status.UNKNOWN

    def __init__(self, config: KindSpec, clock: Clock | None = None) -> None:
        super().__init__(config)
        self.clock: Clock = clock or SystemClock()
        self.detail: Summary | None = None

    @property
    def target(self) -> str:
        return self.options.tcp or str(self.options.socket)

    async def _command(self, command: bytes) -> str:
        opts = self.options
        limit = opts.connect_timeout.total_seconds()
        if opts.tcp:
            host, _, port = opts.tcp.rpartition(":")
            opening = asyncio.open_connection(host.strip("[]"), int(port))
        else:
            opening = asyncio.open_unix_connection(str(opts.socket))
        reader, writer = await asyncio.wait_for(opening, limit)
        try:
            writer.write(b"z" + command + b"\0")
            await writer.drain()
            data = await asyncio.wait_for(reader.read(4096), limit)
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass
        return data.rstrip(b"\0").decode("utf-8", "replace")

    async def probe(self) -> Sequence[Measurement]:
        out = [Measurement(OBSERVED, self.clock.now().timestamp(), "ts")]
        reply_version = ""
        try:
            pong = await self._command(b"PING")
            up = pong.strip() == "PONG"
            if up:
                reply_version = await self._command(b"VERSION")
            self.detail = None if up else Summary("antivirus.clamd_odd", {"reply": repr(pong[:40])})
        except (OSError, TimeoutError) as exc:
            up = False
            self.detail = (
                Summary(
                    "antivirus.clamd_unreachable",
                    {"target": self.target, "reason": errno_reason(exc.errno or 0)},
                )
                if isinstance(exc, OSError)
                else Summary("antivirus.clamd_slow", {"target": self.target})
            )
        out.append(Measurement(CLAMD_UP, 1 if up else 0))
        built = await self._signature_time(reply_version)
        if built is not None:
            out.append(Measurement(SIGNATURE_AT, built[0].timestamp(), "ts"))
            if built[1] is not None:
                out.append(Measurement(SIGNATURE_VERSION, built[1]))
        freshclam = self._freshclam_time()
        if freshclam is not None:
            out.append(Measurement(FRESHCLAM_AT, freshclam, "ts"))
        return out

    async def _signature_time(self, reply: str) -> tuple[datetime, int | None] | None:
        """Header first (exact UTC offset), then ``sigtool --info``, then clamd's VERSION."""
        path = await asyncio.to_thread(daily_database, self.options.database_dir)
        if path is not None:
            try:
                with path.open("rb") as fh:
                    parsed = parse_header(fh.read(512))
            except PermissionError:
                parsed = None
            if parsed is not None:
                return parsed[0], parsed[1]
            try:
                result = await run_tool(
                    [self.options.sigtool, "--info", str(path)], env=tool_env(), timeout=30
                )
            except ProbeError:
                result = None
            info = parse_sigtool_info(result.stdout) if result and result.returncode == 0 else None
            if info is not None:
                return info
        version, replied = parse_version_reply(reply)
        return (replied, version) if replied is not None else None

    def _freshclam_time(self) -> float | None:
        for candidate in (self.options.database_dir / "freshclam.dat", self.options.freshclam_log):
            if candidate is not None:
                try:
                    return os.stat(candidate).st_mtime
                except OSError:
                    continue
        return None

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        opts = self.options
        v = {m.name: m.value for m in measurements}
        now = v[OBSERVED]
        statuses: list[Status] = []
        notes: list[Summary] = []
        if v.get(CLAMD_UP) == 1:
            notes.append(Summary("antivirus.clamd_up"))
        else:
            statuses.append(Status.CRITICAL)
            notes.append(self.detail or Summary("antivirus.clamd_down"))
        built = v.get(SIGNATURE_AT)
        if built is None:
            statuses.append(Status.UNKNOWN)
            notes.append(Summary("antivirus.no_database", {"dir": str(opts.database_dir)}))
        else:
            age = now - built
            version = v.get(SIGNATURE_VERSION)
            shown = str(int(version)) if version is not None else "?"
            label = Summary("antivirus.signatures", {"version": shown, "age": age})
            for status, limit in (
                (Status.CRITICAL, opts.signature_critical),
                (Status.WARNING, opts.signature_warning),
            ):
                if age > limit.total_seconds():
                    statuses.append(status)
                    params: dict[str, Param] = {
                        "version": shown,
                        "age": age,
                        "limit": limit.total_seconds(),
                    }
                    label = Summary("antivirus.signatures_old", params)
                    break
            notes.append(label)
        if opts.freshclam_max_age:  # None or 0 = do not watch freshclam
            fresh = v.get(FRESHCLAM_AT)
            if fresh is None:
                statuses.append(Status.WARNING)
                notes.append(Summary("antivirus.no_freshclam"))
            elif now - fresh > opts.freshclam_max_age.total_seconds():
                statuses.append(Status.WARNING)
                notes.append(Summary("antivirus.freshclam_old", {"ago": now - fresh}))
        # A dead clamd is a known failure even when the signature age cannot be read.
        status = Status.CRITICAL if Status.CRITICAL in statuses else worst(statuses)
        return status, joined(notes)
