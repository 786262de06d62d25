"""Followed hashtags: a local account asks for public posts with a tag in its home.

One row per (account, hashtag). The fan-out reads it by hashtag (who follows the tags of
this new post), the followed_tags list by account, newest first by id.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column


class TagFollow(Base):
    __tablename__ = "tag_follows"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    hashtag_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("hashtags.id", ondelete="CASCADE"), nullable=False
    )
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (
        UniqueConstraint("account_id", "hashtag_id"),
        Index("ix_tag_follows_hashtag_id", "hashtag_id"),
    )
