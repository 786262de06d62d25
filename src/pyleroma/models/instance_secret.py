"""Instance-wide secrets generated once and shared by every process (the VAPID key pair).

A secret made on first use must be the same in the web server and in every worker process,
and must survive restarts: it lives in the database, keyed by name. The first writer wins
(INSERT ... ON CONFLICT DO NOTHING, then read back), so two processes racing to create it
end up agreeing on one value.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column


class InstanceSecret(Base):
    __tablename__ = "instance_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()
