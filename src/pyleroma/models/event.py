"""Events (the pl fork's and Mobilizon's ``Event``) and who takes part in them.

An event is a status (its description is the status's text, its ``name`` the linked
title, as any titled remote post) plus an ``events`` row with what only events have.
Participation follows the pl fork: a ``Join`` of the event, ``pending`` until the
organiser's ``Accept`` (at once for a ``free`` event of ours), ``rejected`` after a
``Reject``; a ``Leave`` removes the row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column, utcnow

JOIN_MODES = ("free", "restricted", "invite", "external")
PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"


class Event(Base):
    """What makes a status an event. Counts of a remote event are what its server says;
    those of ours are kept by the participation handlers."""

    __tablename__ = "events"

    status_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(Text, default="", nullable=False)
    start_time: Mapped[dt.datetime | None] = mapped_column(DateTime())
    end_time: Mapped[dt.datetime | None] = mapped_column(DateTime())
    # free | restricted | invite | external (Mobilizon's, the pl fork's)
    join_mode: Mapped[str] = mapped_column(String(16), default="free", nullable=False)
    # {name, url, street, postal_code, locality, region, country, longitude, latitude}
    location: Mapped[dict | None] = mapped_column()
    # The IANA zone the times were given in (the pl fork's ``timezone``), for display.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # The event's banner: one of the status's media attachments.
    banner_id: Mapped[int | None] = mapped_column(BigInteger)
    participants_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    participation_request_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(), default=utcnow, nullable=False)


class EventParticipation(Base):
    """An account's Join of an event: ours of remote events, anyone's of our events."""

    __tablename__ = "event_participations"

    id: Mapped[int] = id_column()
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    status_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), nullable=False
    )
    # pending | accepted | rejected
    state: Mapped[str] = mapped_column(String(16), default=PENDING, nullable=False)
    # The Join's AP id (``/activities/<id>`` for ours): what an Accept or Reject names.
    activity_id: Mapped[str | None] = mapped_column(String(2048), unique=True)
    # Mobilizon's ``participationMessage``: what the participant wrote to the organiser.
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = created_column()
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(), default=utcnow, nullable=False)

    __table_args__ = (
        UniqueConstraint("account_id", "status_id"),
        Index("ix_event_participations_status_id_state_id", "status_id", "state", "id"),
    )
