"""The moderation log: what staff did through the admin API, as Pleroma records it.

``data`` holds Pleroma's JSON (``action``, ``actor`` {id, nickname, type}, ``subject`` ...)
so AdminFE can read it as it reads Pleroma's; ``message`` is the sentence rendered when the
entry is written (Pleroma stores it in ``data["message"]`` too), searched by
``GET /moderation_log?search=``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column


class ModerationLog(Base):
    __tablename__ = "moderation_log"

    id: Mapped[int] = id_column()
    # Kept (SET NULL) when the actor is deleted: the log outlives the account.
    actor_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    data: Mapped[dict] = mapped_column(nullable=False, default=dict)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = created_column()

    __table_args__ = (Index("ix_moderation_log_created_at", "created_at"),)
