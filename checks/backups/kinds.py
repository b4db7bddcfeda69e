"""BACKUP_KINDS: backup kind → "module:Class", kept apart from the ``[[checks]]`` table.

Backups are configured in ``[[backups]]``, not ``[[checks]]``, so their kinds never
appear in ``itops.registry.CHECK_KINDS``; the classes still subclass ``itops.check.Check``
and run through the core ``CheckRunner``.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checks.kinds.backup_base import BackupCheck
    from checks.kinds.clamav import ClamavCheck

BACKUP_KINDS: dict[str, str] = {
    "file": "checks.kinds.backup_file:FileBackupCheck",
    "restic": "checks.kinds.backup_restic:ResticBackupCheck",
    "borg": "checks.kinds.backup_borg:BorgBackupCheck",
    "push": "checks.kinds.backup_push:PushBackupCheck",
}

#: kinds with a separate, slower verification run (``restic check``, ``borg check``)
VERIFIED_KINDS = frozenset({"restic", "borg"})


@cache
def backup_class(kind: str) -> type[BackupCheck]:
    module, _, name = BACKUP_KINDS[kind].partition(":")
    cls: type[BackupCheck] = getattr(importlib.import_module(module), name)
    return cls


def clamav_class() -> type[ClamavCheck]:
    from checks.kinds.clamav import ClamavCheck

    return ClamavCheck
