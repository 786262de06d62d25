"""ConfigDB in running processes: saved settings applied at start (the app's lifespan, and
`pyleroma serve` before it listens), and picked up by the other processes sharing the
database and the cache journal (services/instance/config_runtime.py)."""

from __future__ import annotations

import copy
from contextlib import asynccontextmanager

import pytest

from pyleroma.main import create_app
from pyleroma.models.config_entry import ConfigEntry
from pyleroma.services.instance import config_runtime
from pyleroma.services.instance.config_runtime import apply_saved_at_start, runtime_for
from tests.api.admin.helpers import admin
from tests.api.admin.test_admin_config import entry, post


@pytest.fixture
def settings_overrides() -> dict:
    return {"configurable_from_database": True}


@asynccontextmanager
async def another_process(app):
    """A second app on the same database and data dir, as another server process is."""
    other = create_app(copy.deepcopy(app.state.settings))
    try:
        yield other
    finally:
        await other.state.engine.dispose()
        other.state.entity_cache.journal.close()


async def test_other_processes_apply_what_one_saved_and_restart_with_it(client, factory, app):
    boss = await admin(factory)
    async with another_process(app) as other:
        watcher = runtime_for(other)
        await post(
            client,
            boss,
            entry(":instance", (":name", "Shared")),
            entry(":jobs", (":concurrency", 4), group=":pyleroma"),
        )
        assert other.state.settings.instance_name == "pyleroma"
        await watcher.poll()
        assert other.state.settings.instance_name == "Shared"
        # The start-only one waits for a restart there too, which one GET /restart makes.
        assert other.state.settings.job_concurrency == 10
        assert await watcher.need_reboot() is True
        await client.get("/api/pleroma/admin/restart", headers=boss.headers)
        await watcher.poll()
        assert other.state.settings.job_concurrency == 4
        assert await watcher.need_reboot() is False
        # Its own signals are not news to a process.
        before = app.state.settings.instance_name
        await runtime_for(app).poll()
        assert app.state.settings.instance_name == before


async def test_the_start_lays_saved_settings_over_the_files(client, factory, app, db):
    boss = await admin(factory)
    await post(
        client,
        boss,
        entry(":instance", (":name", "Saved name"), (":limit", 1234)),
        entry(":server", (":entity_cache_size", 9), (":workers", 3), group=":pyleroma"),
    )
    async with db() as session:  # a row a newer version wrote, or a hand edit
        session.add(ConfigEntry(group=":pleroma", key=":gone", value=[]))
        await session.commit()
    async with another_process(app) as other:
        await config_runtime.start(other)
        try:
            live = other.state.settings
            assert (live.instance_name, live.max_status_chars) == ("Saved name", 1234)
            assert live.entity_cache_size == 9 and other.state.entity_cache.size == 9
            assert live.workers == 0  # read by `pyleroma serve` before it starts the app
            assert await runtime_for(other).need_reboot() is True
        finally:
            await config_runtime.stop(other)
    # What `pyleroma serve` and `pyleroma worker` do first: the process-level ones too.
    settings = copy.deepcopy(app.state.settings)
    await apply_saved_at_start(settings)
    assert (settings.workers, settings.instance_name) == (3, "Saved name")
    assert settings.config_base.workers == 0
    runtime = config_runtime.ConfigRuntime(settings, app.state.sessionmaker)
    assert await runtime.need_reboot() is False


async def test_a_saved_value_that_no_longer_fits_is_left_out_at_start(app, db):
    async with db() as session:
        session.add(ConfigEntry(group=":pleroma", key=":instance", value="not a keyword list"))
        session.add(
            ConfigEntry(
                group=":pleroma",
                key=":rich_media",
                value=[{"tuple": [":ignore_tld", ["test"]]}],
            )
        )
        await session.commit()
    async with another_process(app) as other:
        await config_runtime.start(other)
        await config_runtime.stop(other)
        assert other.state.settings.instance_name == "pyleroma"
        assert other.state.settings.rich_media_ignore_tld == ["test"]


@pytest.mark.parametrize("settings_overrides", [{}])
async def test_nothing_is_read_at_start_with_configdb_off(app, db):
    async with db() as session:
        session.add(
            ConfigEntry(
                group=":pleroma", key=":instance", value=entry(":i", (":name", "x"))["value"]
            )
        )
        await session.commit()
    await config_runtime.start(app)
    assert app.state.settings.instance_name == "pyleroma"
    assert getattr(app.state, "config_runtime", None) is None
    settings = copy.deepcopy(app.state.settings)
    await apply_saved_at_start(settings)
    assert settings.instance_name == "pyleroma"
