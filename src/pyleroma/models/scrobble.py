"""Scrobbles: what an account listened to (Pleroma's ``Listen`` of an ``Audio``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column


class Scrobble(Base):
    """One Listen, ours or another server's. Its id is the scrobble's id in Pleroma's API
    (``GET /api/v1/pleroma/accounts/:id/scrobbles`` pages by it, newest first), so it is
    a snowflake like a status's; the texts are stored plain (tags stripped), as Pleroma
    renders them."""

    __tablename__ = "scrobbles"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    # The Listen's AP id (``/activities/<id>`` for ours): a second delivery is no new row.
    activity_id: Mapped[str] = mapped_column(String(2048), unique=True, nullable=False)
    # The Audio object's id, when it has one.
    object_id: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(String(1024), nullable=False)
    artist: Mapped[str | None] = mapped_column(String(1024))
    album: Mapped[str | None] = mapped_column(String(1024))
    # Milliseconds, as Pleroma's clients send it.
    length: Mapped[int | None] = mapped_column(BigInteger)
    # A page about what was played (Pleroma's ``externalLink``, formerly ``url``).
    external_link: Mapped[str | None] = mapped_column(String(2048))
    # Who may see it, read from the Listen's addressing like a status's.
    visibility: Mapped[str] = mapped_column(String(16), default="public", nullable=False)
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (Index("ix_scrobbles_account_id_id", "account_id", "id"),)


__all__ = ["Scrobble"]
