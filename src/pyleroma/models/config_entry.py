"""Settings stored in the database (Pleroma's ConfigDB, ``configurable_from_database``).

One row per Pleroma group and key (``:pleroma`` / ``:instance``), ``value`` holding the
admin API's tuple format as JSON exactly as it was saved, so ``GET /config`` gives back
what ``POST /config`` took; services/instance/config_db.py maps it onto the settings.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column, utcnow


class ConfigEntry(Base):
    __tablename__ = "config_entries"

    id: Mapped[int] = id_column()
    group: Mapped[str] = mapped_column(String(128), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    value: Mapped[object] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = created_column()
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )

    __table_args__ = (UniqueConstraint("group", "key", name="uq_config_entries_group_key"),)
