"""Materialised home timelines, notifications, lists and Pleroma direct conversations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column, utcnow


class HomeTimelineEntry(Base):
    """One status in one account's home timeline, written by the fan-out job.

    The primary key (account_id, status_id) makes a page one index range scan.
    ``author_id`` (who posted or boosted) and ``reblog_of_author_id`` let unfollow, block and
    mute remove an account's entries with one indexed delete.
    """

    __tablename__ = "home_timeline_entries"

    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    status_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True
    )
    author_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reblog_of_author_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_home_timeline_entries_account_id_author_id", "account_id", "author_id"),
        Index("ix_home_timeline_entries_status_id", "status_id"),
    )


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    from_account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    # mention, status, reblog, follow, follow_request, favourite, poll, update, ...
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    status_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="CASCADE")
    )
    seen: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        Index("ix_notifications_account_id_id", "account_id", "id"),
        Index("ix_notifications_status_id", "status_id"),
        Index("ix_notifications_from_account_id", "from_account_id"),
    )


class List(Base):
    __tablename__ = "lists"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    replies_policy: Mapped[str] = mapped_column(String(16), default="list", nullable=False)
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (Index("ix_lists_account_id", "account_id"),)


class ListAccount(Base):
    __tablename__ = "list_accounts"

    list_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_list_accounts_account_id", "account_id"),)


class Conversation(Base):
    """A Pleroma direct conversation: the thread a direct status belongs to."""

    __tablename__ = "conversations"

    id: Mapped[int] = id_column()
    # The thread (Status.conversation_id) this conversation follows.
    thread_id: Mapped[int] = mapped_column(BigInteger, unique=True, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()


class ConversationParticipation(Base):
    """An account's view of a direct conversation (Pleroma's participation)."""

    __tablename__ = "conversation_participations"

    id: Mapped[int] = id_column()
    conversation_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    read: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    last_status_id: Mapped[int | None] = mapped_column(BigInteger)
    # The accounts this participant addresses when replying to the conversation.
    recipient_ids: Mapped[list] = mapped_column(default=list, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(), default=utcnow, nullable=False)

    __table_args__ = (
        UniqueConstraint("conversation_id", "account_id"),
        Index("ix_conversation_participations_account_id_updated", "account_id", "updated_at"),
    )
