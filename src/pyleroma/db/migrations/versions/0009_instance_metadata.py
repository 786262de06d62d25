"""instances.metadata_updated_at

Revision ID: 0009
Revises: 0008

- ``instances.metadata_updated_at``: when the host's nodeinfo was last asked for, so it is
  asked at most once a day (federation/nodeinfo_client.py). Existing rows have never been
  asked: NULL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("instances") as batch:
        batch.add_column(sa.Column("metadata_updated_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instances") as batch:
        batch.drop_column("metadata_updated_at")
