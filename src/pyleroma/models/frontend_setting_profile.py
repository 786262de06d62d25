"""A front end's settings stored for an account (Akkoma's ``user_frontend_setting_profiles``):
akkoma-fe keeps its settings here, as named profiles, so they follow the user to another
browser. One row per (account, front end, profile); ``version`` counts the writes, each of
which must say the next number, so two browsers cannot overwrite each other unawares."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, utcnow


class FrontendSettingProfile(Base):
    __tablename__ = "frontend_setting_profiles"

    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    frontend_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    profile_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    settings: Mapped[dict] = mapped_column(JSON, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()
    updated_at: Mapped[dt.datetime] = mapped_column(nullable=False, default=utcnow)
