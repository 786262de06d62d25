"""Timeline read positions (Mastodon's markers): one row per account and timeline.

A client saves where the user stopped reading so another client can resume there. The
position is kept as the string the client sent (Mastodon stores it as text too); ``version``
counts the updates so clients can tell a stale copy from a fresh one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, id_column, utcnow

MARKER_TIMELINES = ("home", "notifications")


class Marker(Base):
    __tablename__ = "markers"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    timeline: Mapped[str] = mapped_column(String(32), nullable=False)
    last_read_id: Mapped[str] = mapped_column(String(32), nullable=False)
    version: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(), default=utcnow, nullable=False)

    __table_args__ = (UniqueConstraint("account_id", "timeline"),)
