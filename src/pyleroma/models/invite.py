"""Invite tokens for invite-only registration (created by admins; see the admin API)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column


class InviteToken(Base):
    __tablename__ = "invite_tokens"

    id: Mapped[int] = id_column()
    token: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    max_use: Mapped[int | None] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    expires_at: Mapped[dt.date | None] = mapped_column(Date())
    used: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    def is_usable(self, today: dt.date) -> bool:
        if self.used:
            return False
        if self.expires_at is not None and today > self.expires_at:
            return False
        return self.max_use is None or self.uses < self.max_use
