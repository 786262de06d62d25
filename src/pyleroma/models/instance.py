"""Remote instances we have heard of: what software they run and whether they answer.

One row per host (``host[:port]``, lower-cased), written when an actor or activity from it
first arrives and kept up to date by delivery: ``unreachable_since`` is set by the first
failed delivery after a success and cleared by any success or any activity received from
the host. Delivery skips a host unreachable for longer than the retry window (two days), as
Pleroma's ``Instances`` does, until the host is heard from again. The software comes from
the host's nodeinfo, read at most once a day (federation/nodeinfo_client.py).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, created_column, id_column


class Instance(Base):
    __tablename__ = "instances"

    id: Mapped[int] = id_column()
    host: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    # From the host's nodeinfo (``software.name`` / ``software.version``), when read.
    software_name: Mapped[str | None] = mapped_column(String(64))
    software_version: Mapped[str | None] = mapped_column(String(255))
    # When the nodeinfo was last asked for (read or not): federation/nodeinfo_client.py.
    metadata_updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    unreachable_since: Mapped[dt.datetime | None] = mapped_column(DateTime())
    created_at: Mapped[dt.datetime] = created_column()
