"""feed items keyed by (user_id, seq), without a surrogate id or a foreign key;
feed counters leave half of each page free on PostgreSQL (issue 23, big audiences)

A 2,000-family post writes 2,000 feed items and updates 2,000 counters; the foreign
key's per-row check, the id sequence and its index, and counter updates that could
not stay on their page were most of its database time (docs/benchmarks.md).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 23:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feed_item", schema=None) as batch_op:
        batch_op.drop_constraint("fk_feed_item_user_id_app_user", type_="foreignkey")
        batch_op.drop_constraint("uq_feed_item_user_id_seq", type_="unique")
        batch_op.drop_constraint("pk_feed_item", type_="primary")
        batch_op.drop_column("id")
        batch_op.create_primary_key("pk_feed_item", ["user_id", "seq"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE feed_counter SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE feed_counter RESET (fillfactor)")
        op.execute("ALTER TABLE feed_item DROP CONSTRAINT pk_feed_item")
        op.execute("ALTER TABLE feed_item ADD COLUMN id SERIAL")
        op.execute("ALTER TABLE feed_item ADD CONSTRAINT pk_feed_item PRIMARY KEY (id)")
    else:
        with op.batch_alter_table("feed_item", schema=None, recreate="always") as batch_op:
            batch_op.drop_constraint("pk_feed_item", type_="primary")
            batch_op.add_column(sa.Column("id", sa.Integer(), nullable=False))
            batch_op.create_primary_key("pk_feed_item", ["id"])
    with op.batch_alter_table("feed_item", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_feed_item_user_id_seq", ["user_id", "seq"])
        batch_op.create_foreign_key(
            "fk_feed_item_user_id_app_user", "app_user", ["user_id"], ["id"], ondelete="CASCADE"
        )
