"""Media attachments and polls: the parts of a status that live in rows of their own."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column


class MediaAttachment(Base):
    """An uploaded (or, later, remote) file; attached to at most one status."""

    __tablename__ = "media_attachments"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    status_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="SET NULL")
    )
    # image | gifv | video | audio | unknown (Mastodon's types)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    mime_type: Mapped[str] = mapped_column(String(127), nullable=False)
    file_path: Mapped[str | None] = mapped_column(String(512))
    thumbnail_path: Mapped[str | None] = mapped_column(String(512))
    remote_url: Mapped[str | None] = mapped_column(String(2048))
    file_size: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    focus_x: Mapped[float | None] = mapped_column(Float)
    focus_y: Mapped[float | None] = mapped_column(Float)
    meta: Mapped[dict] = mapped_column(default=dict, nullable=False)
    blurhash: Mapped[str | None] = mapped_column(String(128))
    # Order within the status (the order of media_ids when posted).
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        Index("ix_media_attachments_status_id", "status_id"),
        Index("ix_media_attachments_account_id", "account_id"),
    )


class Poll(Base):
    __tablename__ = "polls"

    id: Mapped[int] = id_column()
    status_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    # [{"title": str, "votes_count": int}, ...]
    options: Mapped[list] = mapped_column(default=list, nullable=False)
    multiple: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    hide_totals: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    votes_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    voters_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    # Set when the poll-end job has notified the voters and the author.
    ended_notified: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()


class ScheduledStatus(Base):
    """A status to be posted later by the job runner (``params`` as POST /statuses got them)."""

    __tablename__ = "scheduled_statuses"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    application_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("oauth_apps.id", ondelete="SET NULL")
    )
    scheduled_at: Mapped[dt.datetime] = mapped_column(DateTime(), nullable=False)
    params: Mapped[dict] = mapped_column(default=dict, nullable=False)
    media_ids: Mapped[list] = mapped_column(default=list, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (Index("ix_scheduled_statuses_account_id", "account_id"),)
