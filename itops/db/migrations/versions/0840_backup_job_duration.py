"""backups: the backup job's own duration on each look (``backup_run.job_duration``)

Revision ID: 0840_backup_job_duration
Revises: 0830_check_history
Create Date: 2026-12-02

``backup_run.duration`` is how long itops took to look at a backup; the job's own run
time is a different figure, known only where the tool gives it (restic >= 0.17's snapshot
summary, borg's archive, a push job's start and success pings). NULL where it is not
known: the rows written before this revision and every file backup ("no data", never 0).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0840_backup_job_duration"
down_revision = "0830_check_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("backup_run") as batch:
        batch.add_column(sa.Column("job_duration", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("backup_run") as batch:
        batch.drop_column("job_duration")
