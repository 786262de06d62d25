"""The declarative base and column helpers shared by every model."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pyleroma.db.ids import new_id

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Naive UTC now: SQLite keeps no time zones, so every stored time is naive UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict: JSON, list: JSON, dt.datetime: DateTime()}


def id_column() -> Mapped[int]:
    return mapped_column(BigInteger, primary_key=True, default=new_id, autoincrement=False)


def created_column() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(), default=utcnow, nullable=False)
