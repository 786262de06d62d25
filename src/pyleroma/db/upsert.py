"""INSERT ... ON CONFLICT for both engines, so a double click never becomes a 500.

Relationship rows (follows, blocks, mutes, ...) are unique per (owner, target). Checking first
and inserting second races with a concurrent request for the same pair; letting the database
resolve the conflict is both shorter and correct on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession


def insert_for_dialect(name: str):
    """The ``insert`` construct (with ``on_conflict_do_*``) of the dialect called ``name``:
    for statements built once per dialect rather than per session."""
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _insert_for(session: AsyncSession):
    return insert_for_dialect(session.get_bind().dialect.name)


def dialect_insert(session: AsyncSession):
    """The dialect's ``insert`` construct (with ``on_conflict_do_*``) for bulk statements."""
    return _insert_for(session)


async def insert_or_ignore(
    session: AsyncSession, model, values: dict, conflict_columns: Sequence[str]
) -> bool:
    """Insert a row unless one with the same ``conflict_columns`` exists; True if inserted."""
    insert = _insert_for(session)
    stmt = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(conflict_columns))
        .returning(model.id)
    )
    return (await session.execute(stmt)).first() is not None


async def insert_or_update(
    session: AsyncSession,
    model,
    values: dict,
    conflict_columns: Sequence[str],
    update_columns: Iterable[str],
) -> None:
    """Insert a row, or update ``update_columns`` of the existing row with the same key."""
    insert = _insert_for(session)
    stmt = insert(model).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(conflict_columns),
        set_={name: stmt.excluded[name] for name in update_columns},
    )
    await session.execute(stmt)
