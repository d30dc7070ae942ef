"""video clips: a clip's duration on its photo row, the organisation's clip limits

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 16:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duration_ms', sa.Integer(), nullable=True))
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clip_max_seconds', sa.Integer(), server_default='90', nullable=False))
        batch_op.add_column(sa.Column('clip_max_megabytes', sa.Integer(), server_default='500', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('clip_max_megabytes')
        batch_op.drop_column('clip_max_seconds')
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_column('duration_ms')
