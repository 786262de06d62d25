"""Instance announcements, and what each account did with them (dismissed, reacted).

Announcements are written by the admins (the CLI or the admin API) and shown
to users between ``starts_at`` and ``ends_at`` (either may be open-ended).
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
)
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column, utcnow


def _fk(table: str):
    return mapped_column(BigInteger, ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False)


class Announcement(Base):
    __tablename__ = "announcements"

    id: Mapped[int] = id_column()
    # Sanitised HTML, ready to serve.
    content: Mapped[str] = mapped_column(Text, nullable=False)
    starts_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    ends_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    all_day: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    published_at: Mapped[dt.datetime] = created_column()
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


class AnnouncementDismissal(Base):
    """``account_id`` has read (dismissed) the announcement."""

    __tablename__ = "announcement_dismissals"

    id: Mapped[int] = id_column()
    announcement_id: Mapped[int] = _fk("announcements")
    account_id: Mapped[int] = _fk("accounts")
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        UniqueConstraint("announcement_id", "account_id"),
        Index("ix_announcement_dismissals_account_id", "account_id"),
    )


class AnnouncementReaction(Base):
    """``account_id`` reacted to the announcement with emoji ``name``."""

    __tablename__ = "announcement_reactions"

    id: Mapped[int] = id_column()
    announcement_id: Mapped[int] = _fk("announcements")
    account_id: Mapped[int] = _fk("accounts")
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        UniqueConstraint("announcement_id", "account_id", "name"),
        Index("ix_announcement_reactions_account_id", "account_id"),
    )
