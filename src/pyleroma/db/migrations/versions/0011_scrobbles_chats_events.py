"""scrobbles, chats, events; accounts.accepts_chat_messages

Revision ID: 0011
Revises: 0010

Federation part 2 (issue 11), the activity side of Pleroma's scrobbles, chats and the pl
fork's events:
- ``scrobbles``: Listen activities (an Audio's title, artist, album, length, link).
- ``chats``, ``chat_messages``, ``chat_message_references``: ChatMessage objects and each
  local participant's chat with its unread flags (Pleroma's shape).
- ``events``, ``event_participations``: what makes a status an event, and its Joins.
- ``accounts.accepts_chat_messages``: Pleroma's switch, on by default.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE"):
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "scrobbles",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("activity_id", sa.String(length=2048), nullable=False),
        sa.Column("object_id", sa.String(length=2048), nullable=True),
        sa.Column("title", sa.String(length=1024), nullable=False),
        sa.Column("artist", sa.String(length=1024), nullable=True),
        sa.Column("album", sa.String(length=1024), nullable=True),
        sa.Column("length", sa.BigInteger(), nullable=True),
        sa.Column("external_link", sa.String(length=2048), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("scrobbles", "account_id", "accounts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scrobbles")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_scrobbles_activity_id")),
    )
    op.create_index("ix_scrobbles_account_id_id", "scrobbles", ["account_id", "id"])

    op.create_table(
        "chats",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("recipient_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("chats", "account_id", "accounts"),
        _fk("chats", "recipient_id", "accounts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chats")),
        sa.UniqueConstraint(
            "account_id", "recipient_id", name=op.f("uq_chats_account_id_recipient_id")
        ),
    )
    op.create_index("ix_chats_account_id_updated_at", "chats", ["account_id", "updated_at"])
    op.create_index("ix_chats_recipient_id", "chats", ["recipient_id"])

    op.create_table(
        "chat_messages",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ap_id", sa.String(length=2048), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("recipient_id", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("emojis", sa.JSON(), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("media_attachment_id", sa.BigInteger(), nullable=True),
        sa.Column("local", sa.Boolean(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("chat_messages", "account_id", "accounts"),
        _fk("chat_messages", "recipient_id", "accounts"),
        _fk("chat_messages", "media_attachment_id", "media_attachments", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
        sa.UniqueConstraint("ap_id", name=op.f("uq_chat_messages_ap_id")),
    )
    op.create_index("ix_chat_messages_account_id", "chat_messages", ["account_id"])
    op.create_index("ix_chat_messages_recipient_id", "chat_messages", ["recipient_id"])

    op.create_table(
        "chat_message_references",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("unread", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("chat_message_references", "chat_id", "chats"),
        _fk("chat_message_references", "message_id", "chat_messages"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_message_references")),
        sa.UniqueConstraint(
            "chat_id", "message_id", name=op.f("uq_chat_message_references_chat_id_message_id")
        ),
    )
    op.create_index(
        "ix_chat_message_references_chat_id_id", "chat_message_references", ["chat_id", "id"]
    )
    op.create_index(
        "ix_chat_message_references_message_id", "chat_message_references", ["message_id"]
    )

    op.create_table(
        "events",
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("start_time", sa.DateTime(), nullable=True),
        sa.Column("end_time", sa.DateTime(), nullable=True),
        sa.Column("join_mode", sa.String(length=16), nullable=False),
        sa.Column("location", sa.JSON(), nullable=True),
        sa.Column("participants_count", sa.Integer(), nullable=False),
        sa.Column("participation_request_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("events", "status_id", "statuses"),
        sa.PrimaryKeyConstraint("status_id", name=op.f("pk_events")),
    )

    op.create_table(
        "event_participations",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("activity_id", sa.String(length=2048), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("event_participations", "account_id", "accounts"),
        _fk("event_participations", "status_id", "statuses"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_participations")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_event_participations_activity_id")),
        sa.UniqueConstraint(
            "account_id", "status_id", name=op.f("uq_event_participations_account_id_status_id")
        ),
    )
    op.create_index(
        "ix_event_participations_status_id_state_id",
        "event_participations",
        ["status_id", "state", "id"],
    )

    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column(
                "accepts_chat_messages",
                sa.Boolean(),
                server_default=sa.text("true"),
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("accepts_chat_messages")
    op.drop_index("ix_event_participations_status_id_state_id", table_name="event_participations")
    op.drop_table("event_participations")
    op.drop_table("events")
    op.drop_index("ix_chat_message_references_message_id", table_name="chat_message_references")
    op.drop_index("ix_chat_message_references_chat_id_id", table_name="chat_message_references")
    op.drop_table("chat_message_references")
    op.drop_index("ix_chat_messages_recipient_id", table_name="chat_messages")
    op.drop_index("ix_chat_messages_account_id", table_name="chat_messages")
    op.drop_table("chat_messages")
    op.drop_index("ix_chats_recipient_id", table_name="chats")
    op.drop_index("ix_chats_account_id_updated_at", table_name="chats")
    op.drop_table("chats")
    op.drop_index("ix_scrobbles_account_id_id", table_name="scrobbles")
    op.drop_table("scrobbles")
