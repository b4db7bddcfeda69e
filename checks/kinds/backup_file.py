"""``file``: dumps written to a directory (``/srv/kopie/ewidencja/*.sql.gz``).

Freshness is the newest matching file's mtime; plausibility is its size against
``min_size`` and against the median of the previous files (a dump that suddenly shrank
by more than ``max_shrink`` usually means a half-empty database or a failed export);
verification is the optional ``.sha256`` sidecar, hashed once per new file.
"""

from __future__ import annotations

import asyncio
import glob
import hashlib
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ByteSize, Field, field_validator

from checks.kinds.backup_base import (
    COUNT,
    LAST_SUCCESS,
    OBSERVED_AT,
    SIZE,
    VERIFY_AT,
    VERIFY_OK,
    BackupCheck,
    BackupOptions,
    at_ts,
    freshness,
    from_ts,
    human_size,
)
from itops.clock import Clock
from itops.errors import ProbeError
from itops.messages import Summary, raw
from itops.status import Measurement, Status, worst

if TYPE_CHECKING:
    from checks.backups.public import BackupConfig

MEDIAN_PREV = "median_previous_bytes"
DIR_MISSING = "dir_missing"
SIDECAR = ".sha256"


class FileBackupOptions(BackupOptions):
    path: str = Field(min_length=2)
    min_size: ByteSize = ByteSize(1)
    max_shrink: float = Field(default=0.5, gt=0, le=1)
    require_sha256: bool = False

    @field_validator("path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError('an absolute path or glob, e.g. "/srv/kopie/ewidencja/*.sql.gz"')
        return value


@dataclass(frozen=True)
class _Newest:
    path: str
    mtime: float
    size: int


def _base_dir(pattern: str) -> Path:
    """The directory part of a glob before its first wildcard (what must exist and be readable)."""
    parts = Path(pattern).parts
    fixed: list[str] = []
    for part in parts[:-1]:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path("/")


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class FileBackupCheck(BackupCheck):
    """Newest file: age, size, shrink against the previous ones, ``.sha256`` sidecar."""

    kind = "file"
    Options = FileBackupOptions

    def __init__(
        self, config: BackupConfig, *, verify: bool = False, clock: Clock | None = None
    ) -> None:
        super().__init__(config, verify=verify, clock=clock)
        self._verified: dict[tuple[str, float, int], bool] = {}

    @property
    def target(self) -> str:
        return str(self.options.path)

    async def probe(self) -> Sequence[Measurement]:
        return await asyncio.to_thread(self._probe)

    def _probe(self) -> list[Measurement]:
        opts: FileBackupOptions = self.options
        now = self.observed()
        base = _base_dir(opts.path)
        if not base.is_dir():
            if base.exists():
                raise ProbeError(f"{self.name}: {base} is not a directory (check path)")
            self.detail = str(base)
            return [now, Measurement(DIR_MISSING, 1), Measurement(COUNT, 0)]
        try:
            os.listdir(base)
        except PermissionError:
            raise ProbeError(
                f"{self.name}: cannot read directory {base}: permission denied "
                f"(give the itops user read access, e.g. setfacl -m u:itops:rx {base})"
            ) from None
        files: list[_Newest] = []
        for name in glob.glob(opts.path):
            if name.endswith(SIDECAR):
                continue
            try:
                st = os.stat(name)
            except OSError:
                continue
            if os.path.isfile(name):
                files.append(_Newest(name, st.st_mtime, st.st_size))
        files.sort(key=lambda f: f.mtime, reverse=True)
        out = [now, Measurement(COUNT, len(files))]
        if not files:
            return out
        newest = files[0]
        self.detail = newest.path
        out += [Measurement(LAST_SUCCESS, newest.mtime, "ts"), Measurement(SIZE, newest.size, "B")]
        previous = [f.size for f in files[1:6]]
        if previous:
            out.append(Measurement(MEDIAN_PREV, statistics.median(previous), "B"))
        verified = self._verify_sidecar(newest)
        if verified is not None:
            out += [Measurement(VERIFY_OK, 1 if verified else 0), Measurement(VERIFY_AT, now.value)]
        return out

    def _verify_sidecar(self, newest: _Newest) -> bool | None:
        """True/False when a sidecar exists (cached per file version), None when there is none."""
        key = (newest.path, newest.mtime, newest.size)
        if key in self._verified:
            return self._verified[key]
        sidecar = newest.path + SIDECAR
        if not os.path.exists(sidecar):
            return None
        try:
            expected = Path(sidecar).read_text(encoding="utf-8", errors="replace").split()
            ok = bool(expected) and expected[0].lower() == _sha256(newest.path)
        except PermissionError:
            raise ProbeError(
                f"{self.name}: cannot read {newest.path} or its .sha256: permission denied"
            ) from None
        self._verified = {key: ok}
        return ok

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        status, text = self.evaluate_text(measurements)
        return status, raw(text)  # English until this kind has its own texts (issue 18)

    def evaluate_text(self, measurements: Sequence[Measurement]) -> tuple[Status, str]:
        opts: FileBackupOptions = self.options
        v = self.values(measurements)
        now = at_ts(v[OBSERVED_AT])
        if v.get(DIR_MISSING):
            return Status.CRITICAL, (
                f"directory {self.detail} does not exist (is the backup disk mounted?)"
            )
        if not v.get(COUNT):
            return Status.CRITICAL, f"no file matches {opts.path}"
        status, summary = freshness(from_ts(v[LAST_SUCCESS]), now, self.backup, "file")
        statuses, notes = [status], [summary, human_size(v[SIZE])]
        if v[SIZE] < opts.min_size:
            statuses.append(Status.CRITICAL)
            notes.append(f"smaller than min_size {human_size(opts.min_size)}")
        median = v.get(MEDIAN_PREV)
        if median and v[SIZE] < median * (1 - opts.max_shrink):
            statuses.append(Status.WARNING)
            shrink = 100 * (1 - v[SIZE] / median)
            notes.append(
                f"{shrink:.0f}% smaller than the median of the previous files "
                f"({human_size(median)}): check the dump is complete"
            )
        if VERIFY_OK in v:
            if v[VERIFY_OK]:
                notes.append("sha256 matches")
            else:
                statuses.append(Status.CRITICAL)
                notes.append(
                    f"sha256 of {os.path.basename(self.detail)} does not match its .sha256"
                )
        elif opts.require_sha256:
            statuses.append(Status.CRITICAL)
            notes.append("the .sha256 sidecar is missing")
        return worst(statuses), "; ".join(notes)
