"""Featured tags (Mastodon's /api/v1/featured_tags): hashtags an account shows on its
profile, with how often it used them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column


class FeaturedTag(Base):
    __tablename__ = "featured_tags"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    hashtag_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("hashtags.id", ondelete="CASCADE"), nullable=False
    )
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (UniqueConstraint("account_id", "hashtag_id"),)
