"""Follow suggestions an account has dismissed (Pleroma's ``suggestion_dismiss`` relationship)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column


class SuggestionDismissal(Base):
    """``account_id`` no longer wants ``target_id`` suggested; one row per pair."""

    __tablename__ = "suggestion_dismissals"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    target_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (UniqueConstraint("account_id", "target_id"),)
