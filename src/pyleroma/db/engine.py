"""Async engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import orjson
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from pyleroma.cache.changes import CACHE_KEY, TrackedSession
from pyleroma.db.fulltext import register_sqlite_functions
from pyleroma.db.sqlite_driver import one_hop_dbapi


def make_engine(url: str, **kwargs) -> AsyncEngine:
    """Create the engine; on SQLite switch on WAL, foreign keys and a busy timeout.

    WAL lets readers proceed while one writer writes, which is what a small instance needs;
    the busy timeout makes a second writer wait instead of failing with "database is locked".
    JSON columns are read with orjson (the standard library's decoder was a tenth of a
    timeline page's Python time). SQLite statements run in one hop to aiosqlite's thread
    each (db/sqlite_driver.py).
    """
    kwargs.setdefault("json_deserializer", orjson.loads)
    if url.startswith("sqlite"):
        kwargs.setdefault("module", one_hop_dbapi())
        # check_same_thread: aiosqlite's thread runs every statement, but the one-hop
        # adapter reads ``in_transaction`` from the event loop's thread.
        connect_args = {"timeout": 30, "check_same_thread": False}
        engine = create_async_engine(url, connect_args=connect_args, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            register_sqlite_functions(dbapi_connection)  # the search triggers call it

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def make_sessionmaker(
    engine: AsyncEngine, stream_hub=None, entity_cache=None
) -> async_sessionmaker[AsyncSession]:
    """Sessions of ``engine``; with ``stream_hub``, events emitted in a session
    (streaming/events.py) go to that hub when the session commits; with ``entity_cache``
    (cache/), the session reads through it and its commits publish what they changed to
    every process. A process that writes without one leaves other processes' caches stale:
    everything that serves or writes an instance's database passes one."""
    info = {}
    if stream_hub is not None:
        info["stream_hub"] = stream_hub
    if entity_cache is not None:
        info[CACHE_KEY] = entity_cache
    return async_sessionmaker(
        engine, expire_on_commit=False, info=info, sync_session_class=TrackedSession
    )
