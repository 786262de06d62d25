"""The instance's rules, shown to people before they sign up and in the instance documents.

Ordered by ``position`` (ties broken by id, i.e. creation order); written by the admin API.
"""

from __future__ import annotations

from sqlalchemy import Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from pyleroma.db.base import Base, id_column


class InstanceRule(Base):
    __tablename__ = "instance_rules"

    id: Mapped[int] = id_column()
    text: Mapped[str] = mapped_column(Text, nullable=False)
    hint: Mapped[str] = mapped_column(Text, default="", nullable=False)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
