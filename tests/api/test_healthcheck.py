"""GET /api/v1/pleroma/healthcheck and /api/pleroma/healthcheck."""

from __future__ import annotations

import httpx
import pytest

from pyleroma.db.engine import make_engine
from pyleroma.main import create_app
from pyleroma.services.instance import health
from tests.conftest import BASE_URL, make_test_settings

KEYS = {"pool_size", "active", "idle", "memory_used", "healthy", "job_queue_stats"}


@pytest.mark.parametrize("path", ["/api/v1/pleroma/healthcheck", "/api/pleroma/healthcheck"])
async def test_healthy(client, app, path):
    response = await client.get(path)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == KEYS
    assert data["healthy"] is True
    assert data["job_queue_stats"]["states"]["available"] == 0
    assert data["job_queue_stats"]["oldest_due_seconds"] is None
    assert isinstance(data["memory_used"], float) and data["memory_used"] > 1
    pool = app.state.engine.pool
    assert data["pool_size"] == pool.size() > 0
    # The probe's connection went back to the pool before the report was made.
    assert data["active"] == pool.checkedout() == 0
    assert data["idle"] >= 1


async def test_job_queue_stats_count_waiting_jobs(client, app):
    from pyleroma.jobs.queue import enqueue

    async with app.state.sessionmaker() as session:
        await enqueue(session, "example.kind", {"n": 1})
        await enqueue(session, "example.kind", {"n": 2})
        await session.commit()
    stats = (await client.get("/api/v1/pleroma/healthcheck")).json()["job_queue_stats"]
    assert stats["states"]["available"] == 2
    assert stats["kinds"]["example.kind"]["available"] == 2
    assert stats["oldest_due_seconds"] >= 0


async def test_pool_in_use_is_reported(client, app):
    async with app.state.engine.connect():
        data = (await client.get("/api/v1/pleroma/healthcheck")).json()
    assert data["active"] >= 1 and data["healthy"] is True


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite+aiosqlite:////nonexistent-pyleroma-dir/sub/db.sqlite3",
        "postgresql+asyncpg://postgres@127.0.0.1:1/pyleroma_unreachable",
    ],
)
async def test_unreachable_database_is_503(tmp_path, database_url):
    bad = create_app(make_test_settings(tmp_path / "data", database_url))
    try:
        transport = httpx.ASGITransport(app=bad, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            response = await http.get("/api/v1/pleroma/healthcheck")
    finally:
        await bad.state.engine.dispose()
    assert response.status_code == 503
    data = response.json()
    assert set(data) == KEYS
    assert data["healthy"] is False and data["active"] == 0


async def test_exhausted_pool_is_503_within_the_deadline(client, app, monkeypatch):
    """A pool with every connection held cannot answer SELECT 1: unhealthy, not a hang."""
    url = app.state.settings.effective_database_url
    small = make_engine(url, pool_size=1, max_overflow=0, pool_timeout=30)
    original = app.state.engine
    monkeypatch.setattr(health, "PROBE_TIMEOUT", 0.3)
    try:
        app.state.engine = small
        async with small.connect():
            response = await client.get("/api/pleroma/healthcheck")
    finally:
        app.state.engine = original
        await small.dispose()
    assert response.status_code == 503
    data = response.json()
    assert data["healthy"] is False
    assert (data["pool_size"], data["active"], data["idle"]) == (1, 1, 0)


@pytest.mark.parametrize("settings_overrides", [{"instance_healthcheck": False}])
async def test_disabled_is_503_with_empty_body(client):
    for path in ("/api/v1/pleroma/healthcheck", "/api/pleroma/healthcheck"):
        response = await client.get(path)
        assert response.status_code == 503
        assert response.json() == {}
