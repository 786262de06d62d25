"""Throw-away PostgreSQL databases for tests that must run migrations themselves.

The shared fixtures in conftest.py create tables straight from the models; the CLI and
migration tests need an empty database instead. Each purpose gets its own database, named
after PYLEROMA_TEST_DATABASE_URL plus the purpose and the xdist worker: created on first
use, emptied (schema dropped and recreated, much faster than a new database) for every
later test, and dropped when the test process exits.
"""

from __future__ import annotations

import asyncio
import atexit
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

PG_URL = os.environ.get("PYLEROMA_TEST_DATABASE_URL", "")


def _admin_dsn(url: str) -> tuple[str, str]:
    head, _, name = url.rpartition("/")
    return head.replace("postgresql+asyncpg", "postgresql") + "/postgres", name


_created: set[str] = set()


async def _empty(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()


async def _fresh(url: str) -> None:
    if url in _created:
        await _empty(url)
        return
    await _recreate(url, create=True)
    if not _created:
        atexit.register(_drop_all)
    _created.add(url)


def _drop_all() -> None:
    for url in _created:
        asyncio.run(_recreate(url, create=False))


async def _recreate(url: str, create: bool) -> None:
    import asyncpg

    dsn, name = _admin_dsn(url)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def _url(purpose: str) -> str:
    head, _, name = PG_URL.rpartition("/")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{head}/{name}_{purpose}_{worker}"


@contextmanager
def scratch_database(purpose: str) -> Iterator[str]:
    """Yield the URL of a new, empty PostgreSQL database, or "" (SQLite) when PG is not set.

    For synchronous tests; async tests use ``async_scratch_database``.
    """
    if not PG_URL:
        yield ""
        return
    url = _url(purpose)
    asyncio.run(_fresh(url))
    yield url


@asynccontextmanager
async def async_scratch_database(purpose: str) -> AsyncIterator[str]:
    if not PG_URL:
        yield ""
        return
    url = _url(purpose)
    await _fresh(url)
    yield url
