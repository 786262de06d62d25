"""Account backups (POST /api/v1/pleroma/backups): a zip built by a job, kept for download
by its owner until it is purged."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column

# Pleroma's backup states.
BACKUP_PENDING = "pending"
BACKUP_RUNNING = "running"
BACKUP_COMPLETE = "complete"
BACKUP_FAILED = "failed"


class Backup(Base):
    __tablename__ = "backups"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    # The archive's name under data_dir/backups/ (random, so it cannot be guessed).
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(64), default="application/zip", nullable=False)
    file_size: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    state: Mapped[str] = mapped_column(String(16), default=BACKUP_PENDING, nullable=False)
    # Items written so far (Pleroma's processed_number), for progress.
    processed_number: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_at: Mapped[dt.datetime] = created_column()
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime())

    __table_args__ = (Index("ix_backups_account_id_id", "account_id", "id"),)
