"""What accounts do to statuses: favourites, reactions, bookmarks, pins, thread mutes, poll
votes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column


def _fk(table: str):
    return mapped_column(BigInteger, ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False)


class Favourite(Base):
    __tablename__ = "favourites"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = _fk("accounts")
    status_id: Mapped[int] = _fk("statuses")
    # The Like's AP id (``/activities/<id>`` for ours): the one an Undo names.
    activity_id: Mapped[str | None] = mapped_column(String(2048), unique=True)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        UniqueConstraint("account_id", "status_id"),
        Index("ix_favourites_status_id", "status_id"),
        Index("ix_favourites_account_id_id", "account_id", "id"),
    )


class StatusReaction(Base):
    """An emoji reaction (Pleroma's EmojiReact, Misskey's reacting Like): one row per
    account, status and emoji, so an account may react with several emoji."""

    __tablename__ = "status_reactions"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = _fk("accounts")
    status_id: Mapped[int] = _fk("statuses")
    # A unicode emoji, or a custom one's shortcode without colons.
    emoji: Mapped[str] = mapped_column(String(255), nullable=False)
    # A custom emoji's image (absolute URL); None for unicode emoji.
    emoji_url: Mapped[str | None] = mapped_column(String(2048))
    # The EmojiReact's AP id (``/activities/<id>`` for ours): the one an Undo names.
    activity_id: Mapped[str | None] = mapped_column(String(2048), unique=True)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        UniqueConstraint("account_id", "status_id", "emoji"),
        Index("ix_status_reactions_status_id", "status_id"),
    )


class BookmarkFolder(Base):
    """A named folder of one account's bookmarks (the pl fork's bookmark folders)."""

    __tablename__ = "bookmark_folders"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = _fk("accounts")
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    # A unicode emoji or a custom :shortcode: shown beside the name.
    emoji: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (UniqueConstraint("account_id", "name"),)


class Bookmark(Base):
    __tablename__ = "bookmarks"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = _fk("accounts")
    status_id: Mapped[int] = _fk("statuses")
    # The folder it is filed in, if any (a deleted folder leaves its bookmarks unfiled).
    folder_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("bookmark_folders.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        UniqueConstraint("account_id", "status_id"),
        Index("ix_bookmarks_status_id", "status_id"),
        Index("ix_bookmarks_account_id_id", "account_id", "id"),
        Index("ix_bookmarks_folder_id", "folder_id"),
    )


class StatusPin(Base):
    __tablename__ = "status_pins"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = _fk("accounts")
    status_id: Mapped[int] = _fk("statuses")
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (UniqueConstraint("account_id", "status_id"),)


class ThreadMute(Base):
    """An account muted a thread (conversation): no notifications, hidden from timelines."""

    __tablename__ = "thread_mutes"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = _fk("accounts")
    conversation_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (UniqueConstraint("account_id", "conversation_id"),)


class PollVote(Base):
    __tablename__ = "poll_votes"

    id: Mapped[int] = id_column()
    poll_id: Mapped[int] = _fk("polls")
    account_id: Mapped[int] = _fk("accounts")
    choice: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        UniqueConstraint("poll_id", "account_id", "choice"),
        Index("ix_poll_votes_account_id", "account_id"),
    )
