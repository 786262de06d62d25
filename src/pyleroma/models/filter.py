"""Keyword filters (Mastodon 4's CustomFilter): one storage for the v1 and v2 APIs.

A filter has a title, the contexts it applies in, an optional expiry and an action (``warn``
shows the post behind a warning, ``hide`` drops it). What it matches is its keywords and its
statuses. A v1 filter (Pleroma/Akkoma, Mastodon 3) is one keyword of a filter, exactly as
Mastodon 4 maps it: the v1 id is the keyword id and v1 ``irreversible`` is ``hide``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
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

FILTER_CONTEXTS = ("home", "notifications", "public", "thread", "account")
FILTER_ACTIONS = ("warn", "hide")


class Filter(Base):
    __tablename__ = "filters"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(Text, nullable=False)
    # A subset of FILTER_CONTEXTS, in the order the client gave them.
    context: Mapped[list] = mapped_column(JSON, nullable=False)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    action: Mapped[str] = mapped_column(String(8), default="warn", nullable=False)
    created_at: Mapped[dt.datetime] = created_column()
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )

    __table_args__ = (Index("ix_filters_account_id", "account_id"),)


class FilterKeyword(Base):
    __tablename__ = "filter_keywords"

    id: Mapped[int] = id_column()
    filter_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("filters.id", ondelete="CASCADE"), nullable=False
    )
    keyword: Mapped[str] = mapped_column(Text, nullable=False)
    whole_word: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (Index("ix_filter_keywords_filter_id", "filter_id"),)


class FilterStatus(Base):
    __tablename__ = "filter_statuses"

    id: Mapped[int] = id_column()
    filter_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("filters.id", ondelete="CASCADE"), nullable=False
    )
    status_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), nullable=False
    )
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        UniqueConstraint("filter_id", "status_id"),
        Index("ix_filter_statuses_status_id", "status_id"),
    )
