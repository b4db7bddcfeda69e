"""availability: what the probe measured of the service's speed, kept with each result

Revision ID: 0860_service_time
Revises: 0850_notice_in_register
Create Date: 2026-12-02

Why: the system page's response-time chart drew the check's whole duration (a router's
check ran 407 ms while its ICMP round trip was 0.4 ms; issue 13). ``probe_result.service_ms``
and the rollups' ``service_*`` columns keep the time the probe measured (TCP connect,
HTTP time to first byte, ICMP round trip, TLS handshake, DNS answer), NULL or a count of
0 where it measured none. Rows written before this migration have none: the chart shows
no figure for that time rather than a duration under the wrong name.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0860_service_time"
down_revision = "0850_notice_in_register"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("probe_result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_ms", sa.Float(), nullable=True))
    with op.batch_alter_table("probe_rollup", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("service_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("service_min", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("service_sum", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("service_max", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("service_p95", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("probe_rollup", schema=None) as batch_op:
        for name in ("service_p95", "service_max", "service_sum", "service_min", "service_count"):
            batch_op.drop_column(name)
    with op.batch_alter_table("probe_result", schema=None) as batch_op:
        batch_op.drop_column("service_ms")
