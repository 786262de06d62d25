"""Notes staff leave on a report (Pleroma's ``report_notes``): who wrote what, and when.
Deleted with the report; a note whose author is deleted stays, unattributed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column


class ReportNote(Base):
    __tablename__ = "report_notes"

    id: Mapped[int] = id_column()
    report_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False
    )
    account_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    content: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (Index("ix_report_notes_report_id", "report_id", "id"),)
