"""Reports: an account flags another account (and some of its statuses) to the moderators.

Stored as Pleroma stores its Flag activities, so the admin API can list and resolve
them: who reported whom, which statuses, the comment, whether to forward to a remote
instance, and the moderation state.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column, utcnow

REPORT_STATES = ("open", "resolved", "closed")
REPORT_CATEGORIES = ("spam", "violation", "other")


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = id_column()
    # The reporter.
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    target_account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    # Status ids as integers; a list, not a join table: the report keeps what was reported
    # even after the statuses are deleted (as Pleroma keeps them in the Flag's object).
    status_ids: Mapped[list] = mapped_column(nullable=False, default=list)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    forward: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    category: Mapped[str] = mapped_column(String(16), nullable=False, default="other")
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    created_at: Mapped[dt.datetime] = created_column()
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )

    __table_args__ = (
        Index("ix_reports_account_id", "account_id"),
        Index("ix_reports_target_account_id", "target_account_id"),
        Index("ix_reports_state_id", "state", "id"),
    )
