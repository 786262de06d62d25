"""Kinds registered with ``batch_outcomes=True``: their outcomes wait in the runner's buffer
(the rows stay running under its lease) and are written many to a transaction; claims are
coalesced while handlers run. Every assertion is on the stored job rows."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import update

from pyleroma.db.base import utcnow
from pyleroma.models.job import Job
from tests.jobs.handlers import BATCH_BACKOFF_SECONDS, RUNS, effect_counts
from tests.jobs.runner_helpers import add_job, file_exists, get_job, make_runner, wait_for

KIND = "test.batch"


async def _run_claimed(runner, count: int) -> list[int]:
    """Claim and run ``count`` jobs without flushing; return their ids."""
    claimed = await runner._claim(count)
    await asyncio.gather(*(runner._run(job) for job in claimed))
    return [job.id for job in claimed]


async def _state(db, job_id) -> tuple:
    job = await get_job(db, job_id)
    return job.state, job.locked_by, job.attempt


async def test_completions_are_written_by_the_flush_and_not_before(app, db):
    ids = [await add_job(db, KIND, {"n": n}, unique_key=f"batch:{n}") for n in range(3)]
    runner = make_runner(app, "w1")
    assert sorted(await _run_claimed(runner, 3)) == sorted(ids)
    assert len(RUNS) == 3

    for job_id in ids:  # ran, but nothing written yet: still ours, still running
        job = await get_job(db, job_id)
        assert (job.state, job.locked_by, job.attempt) == ("running", "w1", 1)
        assert job.completed_at is None and job.locked_until > utcnow()
        assert job.unique_key == f"batch:{ids.index(job_id)}"

    await runner.flush_outcomes()
    for job_id in ids:
        job = await get_job(db, job_id)
        assert (job.state, job.locked_by, job.attempt) == ("completed", "w1", 1)
        assert job.completed_at is not None and job.locked_until is None
        assert job.unique_key is None
    assert await make_runner(app, "w2").drain() == 0


async def test_failures_are_batched_with_the_kinds_backoff_and_discards(app, db):
    retry = await add_job(db, KIND, {"mode": "retry"})
    error = await add_job(db, KIND, {"mode": "error"})
    discard = await add_job(db, KIND, {"mode": "discard"}, unique_key="gone")
    runner = make_runner(app, "w1")
    await _run_claimed(runner, 3)
    for job_id in (retry, error, discard):
        assert await _state(db, job_id) == ("running", "w1", 1)

    before = utcnow()
    await runner.flush_outcomes()
    for job_id, reason in ((retry, "retry: remote busy"), (error, "ValueError: broken")):
        job = await get_job(db, job_id)
        assert (job.state, job.attempt, job.locked_by, job.locked_until) == (
            "available",
            1,
            None,
            None,
        )
        assert reason in job.last_error
        wait = (job.scheduled_at - before).total_seconds()
        assert BATCH_BACKOFF_SECONDS - 1 <= wait <= BATCH_BACKOFF_SECONDS + 1  # no jitter
    job = await get_job(db, discard)
    assert (job.state, job.attempt, job.unique_key) == ("discarded", 1, None)
    assert "discarded: the object is gone" in job.last_error and job.completed_at is not None

    # The next failure waits twice as long, and the third (max_attempts=3) discards.
    for attempt, expected in ((2, "available"), (3, "discarded")):
        async with db() as session, session.begin():
            await session.execute(update(Job).where(Job.id == error).values(scheduled_at=utcnow()))
        before = utcnow()
        assert await runner.drain() == 1
        job = await get_job(db, error)
        assert (job.state, job.attempt) == (expected, attempt)
        if expected == "available":
            wait = (job.scheduled_at - before).total_seconds()
            assert 2 * BATCH_BACKOFF_SECONDS - 1 <= wait <= 2 * BATCH_BACKOFF_SECONDS + 1


async def test_a_batched_handler_writing_through_its_session_is_rolled_back(app, db):
    job_id = await add_job(db, KIND, {"mode": "session_write", "key": "w"})
    assert await make_runner(app).drain() == 1
    assert (await get_job(db, job_id)).state == "completed"
    assert await effect_counts(db) == {}  # the contract: writes go through own sessions


async def test_a_job_taken_over_by_another_worker_is_left_alone(app, db):
    done = await add_job(db, KIND, {"mode": "ok"})
    failed = await add_job(db, KIND, {"mode": "error"})
    stale = make_runner(app, "stale")
    await _run_claimed(stale, 2)

    # Both leases expired meanwhile and another worker claimed the jobs again.
    async with db() as session, session.begin():
        await session.execute(
            update(Job)
            .where(Job.id.in_([done, failed]))
            .values(locked_until=utcnow() - dt.timedelta(seconds=1))
        )
    alive = make_runner(app, "alive")
    assert len(await alive._claim(2)) == 2

    await stale.flush_outcomes()
    for job_id in (done, failed):
        job = await get_job(db, job_id)
        assert (job.state, job.locked_by, job.attempt) == ("running", "alive", 2)
        assert job.completed_at is None and job.last_error is None


async def test_drain_writes_outcomes_before_it_returns(app, db):
    ids = [await add_job(db, KIND, {"n": n}) for n in range(5)]
    assert await make_runner(app, concurrency=2).drain() == 5
    for job_id in ids:
        assert await _state(db, job_id) == ("completed", "w", 1)


async def test_started_runner_keeps_buffered_jobs_leased_and_stop_writes_them(app, db):
    runner = make_runner(app, "w1", job_lease_seconds=1)
    runner._outcomes.max_delay = 3600.0  # the flusher waits: only stop() will write
    ids = [await add_job(db, KIND, {"n": n}) for n in range(3)]
    await runner.start()
    try:

        async def all_ran():
            return len(RUNS) == 3

        await wait_for(all_ran)
        first = (await get_job(db, ids[0])).locked_until
        await asyncio.sleep(1.3)  # more than the lease: renewed although the handler is done
        for job_id in ids:
            job = await get_job(db, job_id)
            assert (job.state, job.locked_by) == ("running", "w1")
            assert job.locked_until > utcnow()
        assert (await get_job(db, ids[0])).locked_until > first
        assert await make_runner(app, "other").drain() == 0  # nobody else may claim them
    finally:
        await runner.stop()
    for job_id in ids:
        assert await _state(db, job_id) == ("completed", "w1", 1)


async def test_started_runner_flushes_by_itself(app, db):
    runner = make_runner(app, "w1", concurrency=8)
    await runner.start()
    try:
        ids = [await add_job(db, KIND, {"n": n}) for n in range(20)]

        async def all_completed():
            return [(await get_job(db, job_id)).state for job_id in ids] == ["completed"] * 20

        await wait_for(all_completed, timeout=10)
    finally:
        await runner.stop()


async def test_a_failed_flush_leaves_the_jobs_to_run_again(app, db, monkeypatch):
    job_id = await add_job(db, KIND, {"n": 1})
    runner = make_runner(app, "w1")
    await _run_claimed(runner, 1)

    async def broken(batch):
        raise OSError("database gone")

    monkeypatch.setattr(runner._outcomes, "_write", broken)
    await runner.flush_outcomes()
    assert await _state(db, job_id) == ("running", "w1", 1)
    assert runner._outcomes.held_ids() == []  # no longer renewed: the lease will pass

    async with db() as session, session.begin():
        await session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(locked_until=utcnow() - dt.timedelta(seconds=1))
        )
    assert await make_runner(app, "w2").drain() == 1
    assert await _state(db, job_id) == ("completed", "w2", 2)


async def test_a_long_running_handler_does_not_hold_back_claims_for_free_slots(app, db, tmp_path):
    started, gate = tmp_path / "started", tmp_path / "gate"
    runner = make_runner(app, "w1", concurrency=3, job_poll_interval=60.0)
    blocked = await add_job(db, KIND, {"started": str(started), "gate": str(gate)})
    quick = [await add_job(db, KIND, {"n": n}) for n in range(12)]
    await runner.start()
    try:
        await wait_for(lambda: file_exists(started))
        # Enqueued while the slow job runs; no poll comes within the test (60 s).
        later = [await add_job(db, KIND, {"n": n}) for n in range(5)]

        async def quick_ones_done():
            states = [(await get_job(db, job_id)).state for job_id in quick + later]
            return set(states) == {"completed"}

        await wait_for(quick_ones_done, timeout=10)
        assert await _state(db, blocked) == ("running", "w1", 1)
        gate.touch()

        async def blocked_done():
            return (await get_job(db, blocked)).state == "completed"

        await wait_for(blocked_done, timeout=10)
    finally:
        await runner.stop()
