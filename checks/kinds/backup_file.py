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
)
from checks.kinds.backup_texts import TEXTS
from itops.clock import Clock
from itops.errors import ProbeError
from itops.messages import COMMA_LIST, Summary, joined
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
    TEXTS = TEXTS
    Options = FileBackupOptions

    def __init__(
        self, config: BackupConfig, *, verify: bool = False, clock: Clock | None = None
    ) -> None:
        super().__init__(config, verify=verify, clock=clock)
        self._verified: dict[tuple[str, float, int], bool] = {}
        self.missing_dir = ""
        self.newest_path = ""

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
                raise ProbeError.of(
                    Summary("backup.not_a_directory", {"name": self.name, "path": str(base)})
                )
            self.missing_dir = str(base)
            return [now, Measurement(DIR_MISSING, 1), Measurement(COUNT, 0)]
        try:
            os.listdir(base)
        except PermissionError:
            raise ProbeError.of(
                Summary("backup.dir_unreadable", {"name": self.name, "path": str(base)})
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
        self.newest_path = newest.path
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
            raise ProbeError.of(
                Summary("backup.file_unreadable", {"name": self.name, "path": newest.path})
            ) from None
        self._verified = {key: ok}
        return ok

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        opts: FileBackupOptions = self.options
        v = self.values(measurements)
        now = at_ts(v[OBSERVED_AT])
        if v.get(DIR_MISSING):
            return Status.CRITICAL, Summary("backup.dir_missing", {"dir": self.missing_dir})
        if not v.get(COUNT):
            return Status.CRITICAL, Summary("backup.no_match", {"path": str(opts.path)})
        status, summary = freshness(from_ts(v[LAST_SUCCESS]), now, self.backup, "file")
        statuses = [status]
        notes = [joined([summary, Summary("backup.size", {"size": v[SIZE]})], COMMA_LIST)]
        if v[SIZE] < opts.min_size:
            statuses.append(Status.CRITICAL)
            notes.append(Summary("backup.too_small", {"min": opts.min_size}))
        median = v.get(MEDIAN_PREV)
        if median and v[SIZE] < median * (1 - opts.max_shrink):
            statuses.append(Status.WARNING)
            shrink = 100 * (1 - v[SIZE] / median)
            notes.append(Summary("backup.shrunk", {"pct": shrink, "median": median}))
        if VERIFY_OK in v:
            if v[VERIFY_OK]:
                notes.append(Summary("backup.sha_ok"))
            else:
                statuses.append(Status.CRITICAL)
                name = os.path.basename(self.newest_path)
                notes.append(Summary("backup.sha_bad", {"file": name}))
        elif opts.require_sha256:
            statuses.append(Status.CRITICAL)
            notes.append(Summary("backup.sha_missing"))
        return worst(statuses), joined(notes)
