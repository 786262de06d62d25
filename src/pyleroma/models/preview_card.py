"""Link preview cards (Pleroma's rich media, Mastodon's PreviewCard): what a post's first
link points at, fetched once in a job and shared by every post that links the same URL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column

CARD_PENDING = "pending"
CARD_READY = "ready"
CARD_FAILED = "failed"


class PreviewCard(Base):
    __tablename__ = "preview_cards"

    id: Mapped[int] = id_column()
    url: Mapped[str] = mapped_column(String(2048), unique=True, nullable=False)
    state: Mapped[str] = mapped_column(String(16), default=CARD_PENDING, nullable=False)
    # Mastodon's card type: link, photo, video or rich.
    type: Mapped[str] = mapped_column(String(16), default="link", nullable=False)
    title: Mapped[str] = mapped_column(Text, default="", nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    author_name: Mapped[str] = mapped_column(Text, default="", nullable=False)
    author_url: Mapped[str] = mapped_column(String(2048), default="", nullable=False)
    provider_name: Mapped[str] = mapped_column(Text, default="", nullable=False)
    provider_url: Mapped[str] = mapped_column(String(2048), default="", nullable=False)
    # Sanitised oEmbed HTML of video and rich cards (an iframe of an allowed shape).
    html: Mapped[str] = mapped_column(Text, default="", nullable=False)
    embed_url: Mapped[str] = mapped_column(String(2048), default="", nullable=False)
    # The preview image as stored here (under uploads), never hot-linked.
    image_path: Mapped[str | None] = mapped_column(String(512))
    width: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    height: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    blurhash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(16))
    # Pleroma's extra: the page's OpenGraph/Twitter metadata as read (pleroma.opengraph).
    opengraph: Mapped[dict] = mapped_column(default=dict, nullable=False)
    fetched_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    created_at: Mapped[dt.datetime] = created_column()


class StatusPreviewCard(Base):
    """The card of a status (its first link's)."""

    __tablename__ = "status_preview_cards"

    status_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True
    )
    card_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("preview_cards.id", ondelete="CASCADE"), nullable=False
    )

    __table_args__ = (Index("ix_status_preview_cards_card_id", "card_id"),)
