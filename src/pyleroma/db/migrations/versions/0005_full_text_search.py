"""full text search

Revision ID: 0005
Revises: 0004

Written by hand: the objects are not in the models (db/fulltext.py says why). The same
statements build them for ``create_all``; here they also index the statuses already
there (one ``CREATE INDEX`` on PostgreSQL, one ``INSERT ... SELECT`` on SQLite).
"""

from collections.abc import Sequence

from alembic import op

from pyleroma.db import fulltext

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in fulltext.upgrade_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in fulltext.downgrade_statements(op.get_bind().dialect.name):
        op.execute(statement)
