"""status_reactions, accounts.moved_to_id / indexable / invisible

Revision ID: 0010
Revises: 0009

Federation part 2 (issue 11):
- ``status_reactions``: emoji reactions (EmojiReact, Misskey's reacting Like), one row per
  account, status and emoji.
- ``accounts.moved_to_id``: the account an account moved to (Move).
- ``accounts.indexable``: consent to full-text search of one's posts by others (off).
- ``accounts.invisible``: service actors (the relay actor), never listed or counted.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_reactions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("emoji", sa.String(length=255), nullable=False),
        sa.Column("emoji_url", sa.String(length=2048), nullable=True),
        sa.Column("activity_id", sa.String(length=2048), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_status_reactions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["statuses.id"],
            name=op.f("fk_status_reactions_status_id_statuses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_reactions")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_status_reactions_activity_id")),
        sa.UniqueConstraint(
            "account_id",
            "status_id",
            "emoji",
            name=op.f("uq_status_reactions_account_id_status_id_emoji"),
        ),
    )
    op.create_index("ix_status_reactions_status_id", "status_reactions", ["status_id"])
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("moved_to_id", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("indexable", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
        batch.add_column(
            sa.Column("invisible", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("invisible")
        batch.drop_column("indexable")
        batch.drop_column("moved_to_id")
    op.drop_index("ix_status_reactions_status_id", table_name="status_reactions")
    op.drop_table("status_reactions")
