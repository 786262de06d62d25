"""Durable jobs: work that must happen after a change, stored in the same database.

A job row is written in the same transaction as the change that needs it (a status and
its fan-out job commit together or not at all), and a runner claims it later. The row is
the whole truth about the job: nothing lives only in a process's memory, so a restart or a
crash loses nothing. See ``pyleroma.jobs`` and docs/jobs.md.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column, utcnow

AVAILABLE = "available"
RUNNING = "running"
COMPLETED = "completed"
DISCARDED = "discarded"
JOB_STATES = (AVAILABLE, RUNNING, COMPLETED, DISCARDED)

# Long enough for a traceback's tail; short enough that a failing job can't bloat the table.
LAST_ERROR_LENGTH = 4000


class Job(Base):
    """One unit of deferred work.

    ``state`` moves available -> running -> completed, or back to available (retry after a
    failure or an expired lease), or to discarded (attempts exhausted, unknown kind).
    ``locked_until`` is the running worker's lease: a running job whose lease has passed
    belongs to a dead worker and may be claimed again. ``unique_key`` is set only while the
    job is pending (available or running) and cleared when it completes or is discarded, so
    the plain unique constraint means "at most one pending job per key" on SQLite and
    PostgreSQL alike. ``max_attempts`` NULL means the ``job_max_attempts`` setting.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(
            "state IN ('available', 'running', 'completed', 'discarded')", name="state"
        ),
        Index("ix_jobs_state_scheduled_at", "state", "scheduled_at"),
    )

    id: Mapped[int] = id_column()
    kind: Mapped[str] = mapped_column(String(100), nullable=False)
    args: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    queue: Mapped[str] = mapped_column(String(50), nullable=False, default="default")
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=AVAILABLE)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    scheduled_at: Mapped[dt.datetime] = mapped_column(DateTime(), nullable=False, default=utcnow)
    attempted_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    locked_by: Mapped[str | None] = mapped_column(String(200))
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    unique_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[dt.datetime] = created_column()
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
