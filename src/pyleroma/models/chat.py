"""Chats (Pleroma's ChatMessage): one chat per account and counterpart, the messages, and
each chat's references to them.

As in Pleroma, a message exists once (``chat_messages``, the ``ChatMessage`` object) and
every local participant's chat points at it through a ``chat_message_references`` row,
which carries that participant's ``unread`` flag. The Pleroma chat API shows a message
under its reference's id and pages a chat's messages by it; a chat's unread count is the
number of its unread references.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column, utcnow


def _account_fk():
    return mapped_column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)


class Chat(Base):
    """A local account's chat with one other account (Pleroma's ``chats``: ``user_id``,
    ``recipient``). ``updated_at`` moves with every message, so chat lists sort by it."""

    __tablename__ = "chats"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = _account_fk()
    recipient_id: Mapped[int] = _account_fk()
    created_at: Mapped[dt.datetime] = created_column()
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(), default=utcnow, nullable=False)

    __table_args__ = (
        UniqueConstraint("account_id", "recipient_id"),
        Index("ix_chats_account_id_updated_at", "account_id", "updated_at"),
        Index("ix_chats_recipient_id", "recipient_id"),
    )


class ChatMessage(Base):
    """A ChatMessage object: sent by ``account_id`` to ``recipient_id`` (exactly one)."""

    __tablename__ = "chat_messages"

    id: Mapped[int] = id_column()
    # The object's AP id (``/objects/<id>`` for ours): a second delivery is no new row.
    ap_id: Mapped[str] = mapped_column(String(2048), unique=True, nullable=False)
    account_id: Mapped[int] = _account_fk()
    recipient_id: Mapped[int] = _account_fk()
    # Sanitised HTML (ours rendered from the text the client sent).
    content: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # Custom emoji of the content, {shortcode: absolute URL}, as a status keeps them.
    emojis: Mapped[dict] = mapped_column(default=dict, server_default=text("'{}'"), nullable=False)
    # At most one attachment (Pleroma keeps the first); a remote one is a row with its URL.
    media_attachment_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("media_attachments.id", ondelete="SET NULL")
    )
    local: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # The object a remote message arrived as (None for ours).
    raw: Mapped[dict | None] = mapped_column()
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        Index("ix_chat_messages_account_id", "account_id"),
        Index("ix_chat_messages_recipient_id", "recipient_id"),
    )


class ChatMessageReference(Base):
    """A message as one chat shows it: its id is the message id of Pleroma's chat API."""

    __tablename__ = "chat_message_references"

    id: Mapped[int] = id_column()
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False
    )
    message_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chat_messages.id", ondelete="CASCADE"), nullable=False
    )
    unread: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        UniqueConstraint("chat_id", "message_id"),
        Index("ix_chat_message_references_chat_id_id", "chat_id", "id"),
        Index("ix_chat_message_references_message_id", "message_id"),
    )
