"""Statuses and what hangs off them: mentions, hashtags, edits, idempotency keys.

A boost (reblog) is a Status row of its own whose ``reblog_of_id`` points at the original, as
in Mastodon: it has its own id, so timelines and pagination treat it like any entry.
``conversation_id`` is the thread (Pleroma's ``context``): the root's id, inherited by replies.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column

VISIBILITIES = ("public", "unlisted", "private", "direct", "local")


class Status(Base):
    __tablename__ = "statuses"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    # ActivityPub id, for every status: a post's object id (``/objects/<id>`` here), a
    # reblog's Announce activity id (``/activities/<id>``); see urls.py.
    uri: Mapped[str] = mapped_column(String(2048), unique=True, nullable=False)
    # The web page; None for local statuses (urls.status_url derives ``/notice/<id>``).
    url: Mapped[str | None] = mapped_column(String(2048))
    local: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    visibility: Mapped[str] = mapped_column(String(16), default="public", nullable=False)
    content_type: Mapped[str] = mapped_column(String(32), default="text/plain", nullable=False)
    source: Mapped[str] = mapped_column(Text, default="", nullable=False)
    content: Mapped[str] = mapped_column(Text, default="", nullable=False)
    spoiler_text: Mapped[str] = mapped_column(Text, default="", nullable=False)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    language: Mapped[str | None] = mapped_column(String(16))
    # No foreign keys on reply/quote links: the parent may be deleted and the link kept
    # (Mastodon keeps in_reply_to_id; Pleroma renders a ghost).
    in_reply_to_id: Mapped[int | None] = mapped_column(BigInteger)
    in_reply_to_account_id: Mapped[int | None] = mapped_column(BigInteger)
    # The parent's AP id, kept even when the parent is unknown here (not fetched, or gone),
    # so a parent that arrives later can adopt its replies.
    in_reply_to_uri: Mapped[str | None] = mapped_column(String(2048))
    # The thread's AP context (Pleroma's ``context``, Mastodon's ``conversation``): remote
    # statuses of one thread find their conversation_id through it.
    context: Mapped[str | None] = mapped_column(String(2048))
    conversation_id: Mapped[int | None] = mapped_column(BigInteger)
    reblog_of_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="CASCADE")
    )
    quote_id: Mapped[int | None] = mapped_column(BigInteger)
    application_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("oauth_apps.id", ondelete="SET NULL")
    )
    # The Pleroma direct conversation (participations) a direct status belongs to.
    direct_conversation_id: Mapped[int | None] = mapped_column(BigInteger)
    has_media: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    has_poll: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # Custom emoji of the text, content warning and poll, {shortcode: absolute URL}, fixed
    # when the status is written (Pleroma's object "emoji"); see services/text/emoji.py.
    emojis: Mapped[dict] = mapped_column(default=dict, server_default=text("'{}'"), nullable=False)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    # The ActivityPub object a remote status was made from (None for local statuses).
    raw: Mapped[dict | None] = mapped_column()
    edited_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    # Replies anyone may see (public, unlisted, local-only): see policy.visibility
    # ``open_to_everyone``; a followers-only or direct reply is never counted.
    replies_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    reblogs_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    favourites_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    quotes_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        Index("ix_statuses_account_id_id", "account_id", "id"),
        Index("ix_statuses_conversation_id", "conversation_id"),
        Index("ix_statuses_in_reply_to_id", "in_reply_to_id"),
        # Partial: only reblogs are indexed. A full index tempts SQLite's planner (once it has
        # statistics) to walk it for timelines that exclude reblogs, then sort: seconds at 1M.
        Index(
            "ix_statuses_reblog_of_id",
            "reblog_of_id",
            sqlite_where=text("reblog_of_id IS NOT NULL"),
            postgresql_where=text("reblog_of_id IS NOT NULL"),
        ),
        Index("ix_statuses_quote_id", "quote_id"),
        Index(
            "ix_statuses_in_reply_to_uri",
            "in_reply_to_uri",
            sqlite_where=text("in_reply_to_id IS NULL AND in_reply_to_uri IS NOT NULL"),
            postgresql_where=text("in_reply_to_id IS NULL AND in_reply_to_uri IS NOT NULL"),
        ),
        Index("ix_statuses_context", "context"),
        # Public timelines: newest public/local posts, optionally local-only.
        Index("ix_statuses_visibility_local_id", "visibility", "local", "id"),
        Index("ix_statuses_expires_at", "expires_at"),
        # One reblog per account and original: a double click can't boost twice (NULLs, i.e.
        # ordinary statuses, never collide).
        UniqueConstraint("account_id", "reblog_of_id"),
    )


class StatusMention(Base):
    """An account a status mentions or explicitly addresses (its recipients besides followers).

    For private and direct statuses these rows decide who may see them.
    """

    __tablename__ = "status_mentions"

    status_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    # Silent recipients (e.g. a conversation's participants) are addressed, not rendered.
    silent: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    __table_args__ = (Index("ix_status_mentions_account_id_status_id", "account_id", "status_id"),)


class Hashtag(Base):
    __tablename__ = "hashtags"

    id: Mapped[int] = id_column()
    # Lower-cased; the display form comes from the status text.
    name: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()


class StatusTag(Base):
    __tablename__ = "status_tags"

    status_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True
    )
    hashtag_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("hashtags.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_status_tags_hashtag_id_status_id", "hashtag_id", "status_id"),)


class StatusEdit(Base):
    """A past version of an edited status (the current version lives on the status)."""

    __tablename__ = "status_edits"

    id: Mapped[int] = id_column()
    status_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), nullable=False
    )
    content: Mapped[str] = mapped_column(Text, default="", nullable=False)
    source: Mapped[str] = mapped_column(Text, default="", nullable=False)
    content_type: Mapped[str] = mapped_column(String(32), default="text/plain", nullable=False)
    spoiler_text: Mapped[str] = mapped_column(Text, default="", nullable=False)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    media_ids: Mapped[list] = mapped_column(default=list, nullable=False)
    poll_options: Mapped[list | None] = mapped_column()
    # That version's custom emoji (the status's ``emojis`` before the edit).
    emojis: Mapped[dict] = mapped_column(default=dict, server_default=text("'{}'"), nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (Index("ix_status_edits_status_id", "status_id"),)


class IdempotencyKey(Base):
    """Idempotency-Key of POST /api/v1/statuses: the same key gives back the same status."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    status_id: Mapped[int | None] = mapped_column(BigInteger)
    scheduled_status_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (UniqueConstraint("account_id", "key"),)
