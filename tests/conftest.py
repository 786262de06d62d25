"""Fixtures: a fresh database per test on SQLite (default) or PostgreSQL, the app, clients.

Set PYLEROMA_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/pyleroma_test to
run on PostgreSQL: each xdist worker gets its own database (the URL's name plus the worker
id), created once with every table, and emptied before each test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import httpx
import pytest

import pyleroma.models  # noqa: F401
from pyleroma.db.base import Base
from pyleroma.db.engine import make_engine
from pyleroma.federation.http_client import close_sessions as close_federation_sessions
from pyleroma.main import create_app
from pyleroma.settings import Settings
from tests.factories import Factory
from tests.mail_server import smtp_inbox  # noqa: F401  (the SMTP server fixture for every test)

PG_URL = os.environ.get("PYLEROMA_TEST_DATABASE_URL", "")
BASE_URL = "http://pyleroma.test"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _pg_worker_url() -> str:
    head, _, name = PG_URL.rpartition("/")
    return f"{head}/{name}_{_worker()}"


async def _create_pg_database(url: str) -> None:
    import asyncpg

    head, _, name = url.rpartition("/")
    dsn = head.replace("postgresql+asyncpg", "postgresql") + "/postgres"
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


@pytest.fixture(scope="session")
def pg_database() -> str | None:
    if not PG_URL:
        return None
    url = _pg_worker_url()
    asyncio.run(_create_pg_database(url))
    return url


async def _empty_pg(url: str) -> None:
    """Every table emptied before a test: DELETEs, children first, sent as one script (one
    transaction). A test leaves a few rows, and deleting them costs about a tenth of a
    TRUNCATE of every table, which makes new files for each (100 ms per test)."""
    import asyncpg

    script = "; ".join(f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(script)
    finally:
        await conn.close()


def make_test_settings(data_dir: Path, database_url: str = "", **overrides) -> Settings:
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        base_url=BASE_URL,
        secret_key="test-secret-key",
        argon2_time_cost=1,
        argon2_memory_cost=1024,
        allow_private_fetch=True,
        # Registration tests that solve the captcha turn it on (tests/api/test_captcha.py).
        captcha_enabled=False,
        # Link previews fetch the links of posts; tests post links to hosts that do not
        # exist, so only the card tests turn this on (tests/api/test_preview_cards.py).
        rich_media_enabled=False,
    )
    for key, value in overrides.items():
        setattr(settings, key, value)
    return settings.validate()


@pytest.fixture
def settings_overrides() -> dict:
    """Override in a test module (or with parametrize) to change settings for its tests."""
    return {}


async def _make_sqlite_template(path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory, pg_database) -> Path | None:
    """An SQLite file with every table, made once per worker: each test starts from a copy
    (about 1 ms) instead of creating the tables anew (about 70 ms, four minutes of a run)."""
    if pg_database:
        return None
    path = tmp_path_factory.mktemp("template") / "pyleroma.sqlite3"
    asyncio.run(_make_sqlite_template(path))
    return path


@pytest.fixture
async def app(tmp_path, pg_database, sqlite_template, settings_overrides):
    if pg_database:
        await _empty_pg(pg_database)
        settings = make_test_settings(tmp_path / "data", pg_database, **settings_overrides)
    else:
        settings = make_test_settings(tmp_path / "data", **settings_overrides)
        if not settings.database_url:
            settings.database_file.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(sqlite_template, settings.database_file)
    application = create_app(settings)
    if not pg_database and settings.database_url:
        async with application.state.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    yield application
    await close_federation_sessions()
    await application.state.engine.dispose()
    application.state.entity_cache.journal.close()


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


@pytest.fixture
def factory(app) -> Factory:
    return Factory(app)


@pytest.fixture
def db(app):
    """A session maker on the test database, for asserting stored state."""
    return app.state.sessionmaker
