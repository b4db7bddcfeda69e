"""The backup engines and antivirus engines, kept apart from the ``[[checks]]`` kinds.

Backups are configured in ``[[backups]]``, local antivirus in ``[[antivirus.clamav]]``,
not in ``[[checks]]``, so their kinds never appear in ``checks.kinds.CHECK_KINDS``; the
classes still subclass ``itops.check.Check`` and run through the core ``CheckRunner``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from itops.registry import KindRegistry

if TYPE_CHECKING:
    from checks.kinds.backup_base import BackupCheck
    from checks.kinds.clamav import ClamavCheck

BACKUP_KINDS: KindRegistry[BackupCheck] = KindRegistry(
    "backup",
    {
        "file": "checks.kinds.backup_file:FileBackupCheck",
        "restic": "checks.kinds.backup_restic:ResticBackupCheck",
        "borg": "checks.kinds.backup_borg:BorgBackupCheck",
        "push": "checks.kinds.backup_push:PushBackupCheck",
    },
)

#: kinds with a separate, slower verification run (``restic check``, ``borg check``)
VERIFIED_KINDS = frozenset({"restic", "borg"})

#: local antivirus engines (``[[antivirus.clamav]]``); Defender reports through the agent
ANTIVIRUS_KINDS: KindRegistry[ClamavCheck] = KindRegistry(
    "antivirus",
    {
        "clamav": "checks.kinds.clamav:ClamavCheck",
    },
)
