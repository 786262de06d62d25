"""Fixtures for the job runner tests: fast polling settings and the test effects table."""

from __future__ import annotations

import pytest

from tests.jobs.handlers import RUNS, create_effects_table


@pytest.fixture
def settings_overrides() -> dict:
    return {
        "job_poll_interval": 0.05,
        "job_backoff_base_seconds": 10.0,
        "job_backoff_max_seconds": 3600.0,
        "job_max_attempts": 5,
    }


@pytest.fixture(autouse=True)
async def effects(app):
    await create_effects_table(app.state.engine)
    RUNS.clear()
    yield
    RUNS.clear()
