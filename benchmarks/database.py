"""Getting the benchmark database ready for a load: migrated, empty (or erased with
``--reset``), and without the full-text index while rows are bulk-written."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks.dataset import ParamsError
from benchmarks.sink import Sink, make_sink
from pyleroma.db import fulltext, migrate
from pyleroma.db.base import Base
from pyleroma.settings import Settings


async def drop_search_index(sink: Sink) -> None:
    """Drop the full-text index before the load: building it once at the end (the same
    statements migration 0005 runs on a database with rows) is much faster than keeping it
    up to date row by row."""
    for statement in fulltext.downgrade_statements(sink.name):
        await sink.execute(statement)
    await sink.commit()


async def prepare_database(settings: Settings, *, reset: bool, run_migrations: bool) -> None:
    """Bring the schema to head (or trust it, in tests), and refuse a database with data."""
    url = settings.effective_database_url
    if reset:
        await reset_database(settings)
    if run_migrations:
        await migrate.upgrade(settings)
    sink = make_sink(url)
    await sink.open()
    try:
        (count,) = (await sink.fetch("SELECT count(*) FROM accounts"))[0]
    finally:
        await sink.close()
    if count:
        raise ParamsError(
            f"the database already holds {count} accounts: use an empty one or pass --reset "
            "(which erases it)"
        )


async def reset_database(settings: Settings) -> None:
    """Erase the benchmark database: delete the SQLite file, or drop pyleroma's tables."""
    if settings.is_sqlite:
        path = make_url(settings.effective_database_url).database
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    sink = make_sink(settings.effective_database_url)
    await sink.open()
    try:
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        await sink.execute(f"DROP TABLE IF EXISTS {names}, alembic_version CASCADE")
    finally:
        await sink.close()
