"""The durable job runner on SQLite and PostgreSQL: enqueue in the caller's transaction,
retries, discards, de-duplication, schedules, concurrent runners and real crashes."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from pyleroma.db.base import utcnow
from pyleroma.db.conflicts import is_transient_conflict
from pyleroma.jobs import JobRunner, enqueue, queue_stats
from pyleroma.jobs import queue as job_queue
from pyleroma.models.job import Job
from tests.jobs.handlers import RUNS, effect_counts
from tests.jobs.runner_helpers import (
    add_job,
    file_exists,
    get_job,
    job_count,
    make_due,
    make_runner,
    wait_for,
)

# -- enqueue and the caller's transaction ------------------------------------------------


async def test_enqueue_in_rolled_back_transaction_leaves_no_job_and_wakes_nobody(app, db):
    woken = []
    job_queue.add_listener(lambda: woken.append(1))
    try:
        async with db() as session:
            await enqueue(session, "test.effect", {"key": "a"})
            await enqueue(session, "test.effect", {"key": "b"}, unique_key="k")
            await session.rollback()
        assert await job_count(db) == 0
        assert woken == []
        assert await make_runner(app).drain() == 0

        await add_job(db, "test.effect", {"key": "c"})
        assert woken == [1]
    finally:
        job_queue._listeners.clear()


async def test_committed_job_runs_once_and_is_completed(app, db):
    job_id = await add_job(db, "test.effect", {"key": "a"})
    job = await get_job(db, job_id)
    assert (job.state, job.attempt, job.queue, job.kind) == (
        "available",
        0,
        "default",
        "test.effect",
    )

    assert await make_runner(app, "w1").drain() == 1
    assert await make_runner(app, "w2").drain() == 0

    job = await get_job(db, job_id)
    assert job.state == "completed" and job.attempt == 1 and job.locked_by == "w1"
    assert job.completed_at is not None and job.locked_until is None
    assert await effect_counts(db) == {"a": 1}


async def test_started_runner_is_woken_by_commit_without_waiting_for_a_poll(app, db):
    runner = make_runner(app, job_poll_interval=60.0)
    await runner.start()
    try:
        await asyncio.sleep(0.1)  # the runner is now waiting out its 60 s poll
        job_id = await add_job(db, "test.effect", {"key": "a"})

        async def done():
            return (await get_job(db, job_id)).state == "completed"

        await wait_for(done, timeout=5)
    finally:
        await runner.stop()
    assert not runner.running
    assert await effect_counts(db) == {"a": 1}


async def test_enqueue_rejects_bad_arguments(app, db):
    async with db() as session:
        with pytest.raises(ValueError):
            await enqueue(session, "", {})
        with pytest.raises(TypeError):
            await enqueue(session, "test.effect", ["not", "a", "dict"])
        with pytest.raises(ValueError):
            await enqueue(session, "test.effect", {}, max_attempts=0)


# -- failures ------------------------------------------------------------------------------


async def test_failure_is_retried_with_backoff_then_succeeds(app, db):
    job_id = await add_job(db, "test.flaky", {"key": "f", "succeed_on": 2})
    runner = make_runner(app)

    before = utcnow()
    assert await runner.drain() == 1
    job = await get_job(db, job_id)
    assert job.state == "available" and job.attempt == 1 and job.locked_by is None
    assert "RuntimeError: boom on attempt 1" in job.last_error
    # base 10 s, jittered by +-25%
    wait = (job.scheduled_at - before).total_seconds()
    assert 7.0 <= wait <= 13.0
    assert await effect_counts(db) == {}  # the failed attempt's effect was rolled back
    assert await runner.drain() == 0  # not due yet

    await make_due(db, job_id)
    assert await runner.drain() == 1
    job = await get_job(db, job_id)
    assert job.state == "completed" and job.attempt == 2
    assert await effect_counts(db) == {"f": 1}
    assert [attempt for _, _, attempt in RUNS] == [1, 2]


async def _real_conflict(engine) -> DBAPIError:
    """The error the database under test gives a transaction that must be tried again:
    SQLite's "database is locked" (a second writer that will not wait), PostgreSQL's
    deadlock between two connections taking two advisory locks in opposite orders."""
    if engine.dialect.name == "sqlite":
        async with engine.connect() as holder, engine.connect() as other:
            await other.exec_driver_sql("PRAGMA busy_timeout=0")
            await holder.execute(update(Job).values(attempt=Job.attempt))  # holds the lock
            with pytest.raises(DBAPIError) as caught:
                await other.execute(update(Job).values(attempt=Job.attempt))
            await holder.rollback()
        return caught.value
    async with engine.connect() as first, engine.connect() as second:
        await first.execute(text("SELECT pg_advisory_xact_lock(9001)"))
        await second.execute(text("SELECT pg_advisory_xact_lock(9002)"))
        outcomes = await asyncio.gather(
            first.execute(text("SELECT pg_advisory_xact_lock(9002)")),
            second.execute(text("SELECT pg_advisory_xact_lock(9001)")),
            return_exceptions=True,
        )
        await first.rollback()
        await second.rollback()
    [error] = [o for o in outcomes if isinstance(o, BaseException)]
    assert isinstance(error, DBAPIError)
    return error


async def test_a_database_conflict_is_retried_at_once(app, db):
    """A deadlock or a locked database is gone a moment later: the job runs again without
    its backoff (base 10 s here), and its first attempt's effect was rolled back."""
    from tests.jobs.handlers import CONFLICTS

    conflict = await _real_conflict(app.state.engine)
    assert is_transient_conflict(conflict)
    assert not is_transient_conflict(RuntimeError("boom"))
    CONFLICTS[:] = [conflict]
    job_id = await add_job(db, "test.conflict", {"key": "c"})
    runner = make_runner(app)
    before = utcnow()
    assert await runner.drain() >= 1
    job = await get_job(db, job_id)
    if job.state != "completed":  # (drain may already have run the retry)
        assert job.state == "available" and job.attempt == 1
        assert (job.scheduled_at - before).total_seconds() < 1.0
        assert await runner.drain() == 1
        job = await get_job(db, job_id)
    assert job.state == "completed" and job.attempt == 2
    assert await effect_counts(db) == {"c": 1}


async def test_backoff_grows_exponentially_and_is_capped(app):
    runner = make_runner(app, job_backoff_base_seconds=10.0, job_backoff_max_seconds=100.0)
    assert 7.5 <= runner.backoff(1) <= 12.5
    assert 30.0 <= runner.backoff(3) <= 50.0
    assert runner.backoff(50) == 100.0


async def test_discarded_after_max_attempts(app, db):
    job_id = await add_job(
        db, "test.flaky", {"key": "f", "succeed_on": 9}, max_attempts=2, unique_key="flaky"
    )
    runner = make_runner(app)
    assert await runner.drain() == 1
    await make_due(db, job_id)
    assert await runner.drain() == 1

    job = await get_job(db, job_id)
    assert job.state == "discarded" and job.attempt == 2
    assert "boom on attempt 2" in job.last_error
    assert job.unique_key is None  # a new job with the key may be enqueued
    await make_due(db, job_id)
    assert await runner.drain() == 0
    assert await effect_counts(db) == {}
    assert len(RUNS) == 2


async def test_max_attempts_default_comes_from_kind_then_settings(app, db):
    kind_limited = await add_job(db, "test.fast_retry")  # registered with max_attempts=3
    assert await make_runner(app).drain() == 3  # backoff 0: retried at once until discarded
    job = await get_job(db, kind_limited)
    assert job.max_attempts == 3 and job.state == "discarded" and job.attempt == 3
    assert "ValueError: always fails" in job.last_error

    RUNS.clear()
    settings_limited = await add_job(db, "test.flaky", {"key": "x", "succeed_on": 99})
    runner = make_runner(app, job_max_attempts=1)
    assert await runner.drain() == 1
    assert (await get_job(db, settings_limited)).state == "discarded"


async def test_unknown_kind_is_discarded_with_an_error(app, db):
    job_id = await add_job(db, "test.no_such_kind", {"x": 1})
    assert await make_runner(app).drain() == 1
    job = await get_job(db, job_id)
    assert job.state == "discarded"
    assert "unknown job kind 'test.no_such_kind'" in job.last_error


async def test_handler_can_discard_or_ask_for_a_later_retry(app, db):
    discarded = await add_job(db, "test.discard", {"key": "d"})
    later = await add_job(db, "test.retry_later", {"key": "r"})
    before = utcnow()
    assert await make_runner(app).drain() == 2

    job = await get_job(db, discarded)
    assert job.state == "discarded" and job.attempt == 1
    assert "the object is gone" in job.last_error
    job = await get_job(db, later)
    assert job.state == "available" and "remote busy" in job.last_error
    assert 119 <= (job.scheduled_at - before).total_seconds() <= 122
    assert await effect_counts(db) == {}


async def test_a_deferred_job_comes_back_later_without_using_an_attempt(app, db):
    job_id = await add_job(db, "test.defer", {"key": "x"})
    before = utcnow()
    assert await make_runner(app).drain() == 1
    job = await get_job(db, job_id)
    assert job.state == "available" and job.attempt == 0
    assert job.locked_by is None and job.last_error is None
    assert 59 <= (job.scheduled_at - before).total_seconds() <= 62
    assert await make_runner(app).drain() == 0  # not due yet


async def test_hung_job_times_out_and_is_retried(app, db):
    job_id = await add_job(db, "test.hang", {"key": "h"})  # registered with timeout=0.3
    started = time.monotonic()
    assert await make_runner(app).drain() == 1
    assert time.monotonic() - started < 10
    job = await get_job(db, job_id)
    assert job.state == "available" and job.attempt == 1
    assert job.last_error == "timed out after 0.3 s"
    assert await effect_counts(db) == {}


# -- de-duplication and schedules -------------------------------------------------------------


async def test_unique_key_keeps_one_pending_job(app, db):
    async with db() as session:
        first = await enqueue(session, "test.effect", {"key": "p"}, unique_key="poll:1")
        again = await enqueue(session, "test.effect", {"key": "p"}, unique_key="poll:1")
        await session.commit()
    assert first == again
    from_other_transaction = await add_job(db, "test.effect", {"key": "p"}, unique_key="poll:1")
    assert from_other_transaction == first
    other_key = await add_job(db, "test.effect", {"key": "q"}, unique_key="poll:2")
    assert other_key != first
    assert await job_count(db) == 2

    assert await make_runner(app).drain() == 2
    assert (await get_job(db, first)).unique_key is None
    # Completed: the key is free again.
    later = await add_job(db, "test.effect", {"key": "p"}, unique_key="poll:1")
    assert later != first
    assert await make_runner(app).drain() == 1
    assert await effect_counts(db) == {"p": 2, "q": 1}


async def test_concurrent_enqueues_with_one_unique_key_make_one_job(app, db):
    ids = await asyncio.gather(
        *(add_job(db, "test.effect", {"key": "u"}, unique_key="same") for _ in range(5))
    )
    assert len(set(ids)) == 1
    assert await job_count(db) == 1


async def test_job_scheduled_in_the_future_does_not_run_early(app, db):
    run_at = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    job_id = await add_job(db, "test.effect", {"key": "s"}, run_at=run_at)
    job = await get_job(db, job_id)
    assert job.scheduled_at == run_at.replace(tzinfo=None)

    runner = make_runner(app)
    assert await runner.drain() == 0
    assert (await get_job(db, job_id)).state == "available"
    assert await effect_counts(db) == {}

    await make_due(db, job_id)
    assert await runner.drain() == 1
    assert await effect_counts(db) == {"s": 1}


async def test_queues_restrict_what_a_runner_claims(app, db):
    federation = await add_job(db, "test.effect", {"key": "fed"}, queue="federation")
    default = await add_job(db, "test.effect", {"key": "def"})
    config = app.state.settings
    fed_runner = JobRunner(app.state.sessionmaker, config, "fed", 2, queues=["federation"])
    assert await fed_runner.drain() == 1
    assert (await get_job(db, federation)).state == "completed"
    assert (await get_job(db, default)).state == "available"


# -- several runners, leases and crashes ----------------------------------------------------------


async def test_two_runners_never_run_the_same_job_twice(app, db):
    async with db() as session:
        ids = [
            await enqueue(session, "test.effect", {"key": f"k{n}", "sleep": 0.01})
            for n in range(60)
        ]
        await session.commit()
    one, two = make_runner(app, "one", 4), make_runner(app, "two", 4)
    await one.start()
    await two.start()
    try:

        async def all_done():
            async with db() as session:
                count = await session.scalar(
                    select(func.count()).select_from(Job).where(Job.state == "completed")
                )
            return count == len(ids)

        await wait_for(all_done)
    finally:
        await one.stop()
        await two.stop()
    runs = Counter(job_id for job_id, _, _ in RUNS)
    assert sorted(runs) == sorted(ids) and set(runs.values()) == {1}
    assert await effect_counts(db) == {f"k{n}": 1 for n in range(60)}
    assert {worker for _, worker, _ in RUNS} == {"one", "two"}


async def test_expired_lease_is_reclaimed_and_the_late_worker_is_rolled_back(app, db):
    job_id = await add_job(db, "test.effect", {"key": "lease"})
    dead = make_runner(app, "dead")
    [claimed] = await dead._claim(1)  # the "dead" worker claims the job and never finishes
    job = await get_job(db, job_id)
    assert job.state == "running" and job.locked_by == "dead" and job.attempt == 1

    alive = make_runner(app, "alive")
    assert await alive.drain() == 0  # the lease still holds

    async with db() as session, session.begin():
        await session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(locked_until=utcnow() - dt.timedelta(seconds=1))
        )
    [reclaimed] = await alive._claim(1)
    job = await get_job(db, job_id)
    assert job.state == "running" and job.locked_by == "alive" and job.attempt == 2

    # The "dead" worker wakes up and finishes its stale claim while "alive" holds the job:
    # its transaction (effect included) rolls back and the job stays with "alive".
    await dead._run(claimed)
    assert await effect_counts(db) == {}
    job = await get_job(db, job_id)
    assert job.state == "running" and job.locked_by == "alive"

    await alive._run(reclaimed)
    job = await get_job(db, job_id)
    assert job.state == "completed" and job.locked_by == "alive" and job.attempt == 2
    # And finishing the stale claim after completion changes nothing either.
    await dead._run(claimed)
    assert await effect_counts(db) == {"lease": 1}
    assert (await get_job(db, job_id)).state == "completed"


async def test_job_reclaimed_after_its_final_attempt_is_discarded(app, db):
    job_id = await add_job(db, "test.effect", {"key": "x"}, max_attempts=1)
    await make_runner(app, "dead")._claim(1)
    async with db() as session, session.begin():
        await session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(locked_until=utcnow() - dt.timedelta(seconds=1))
        )
    assert await make_runner(app, "alive").drain() == 1
    job = await get_job(db, job_id)
    assert job.state == "discarded" and "final attempt" in job.last_error
    assert await effect_counts(db) == {}


async def test_running_jobs_have_their_lease_renewed(app, db, tmp_path):
    args = {"write": False, "started": str(tmp_path / "s"), "gate": str(tmp_path / "g")}
    job_id = await add_job(db, "test.block", args)
    runner = make_runner(app, job_lease_seconds=1)
    await runner.start()
    try:
        await wait_for(lambda: file_exists(tmp_path / "s"))
        first = (await get_job(db, job_id)).locked_until
        await asyncio.sleep(1.2)
        job = await get_job(db, job_id)
        assert job.state == "running" and job.locked_until > first
        assert job.locked_until > utcnow()
        (tmp_path / "g").touch()

        async def done():
            return (await get_job(db, job_id)).state == "completed"

        await wait_for(done)
    finally:
        await runner.stop()


async def test_stop_hands_running_jobs_back_uncounted(app, db, tmp_path):
    args = {"key": "b", "started": str(tmp_path / "s"), "gate": str(tmp_path / "never")}
    job_id = await add_job(db, "test.block", args)
    runner = make_runner(app)
    await runner.start()
    await wait_for(lambda: file_exists(tmp_path / "s"))
    await runner.stop(grace=0.2)
    job = await get_job(db, job_id)
    assert job.state == "available" and job.attempt == 0 and job.locked_by is None
    assert await effect_counts(db) == {}


# -- stats and housekeeping ---------------------------------------------------------------------


async def test_queue_stats_count_by_state_and_kind_and_age_the_oldest_due_job(app, db):
    async with db() as session:
        assert await queue_stats(session) == {
            "states": {"available": 0, "running": 0, "completed": 0, "discarded": 0},
            "kinds": {},
            "oldest_due_seconds": None,
        }
    done = await add_job(db, "test.effect", {"key": "a"})
    await make_runner(app).drain()
    waiting = await add_job(db, "test.effect", {"key": "b"})
    future = utcnow() + dt.timedelta(hours=1)
    await add_job(db, "test.discard", {"key": "c"}, run_at=future)
    async with db() as session, session.begin():
        await session.execute(
            update(Job)
            .where(Job.id == waiting)
            .values(scheduled_at=utcnow() - dt.timedelta(seconds=30))
        )
    async with db() as session:
        stats = await queue_stats(session)
    assert stats["states"] == {"available": 2, "running": 0, "completed": 1, "discarded": 0}
    assert stats["kinds"]["test.effect"]["completed"] == 1
    assert stats["kinds"]["test.effect"]["available"] == 1
    assert stats["kinds"]["test.discard"]["available"] == 1
    assert 29 <= stats["oldest_due_seconds"] < 60
    assert (await get_job(db, done)).state == "completed"


async def test_prune_removes_finished_jobs_past_their_retention(app, db):
    old_done = await add_job(db, "test.effect", {"key": "a"})
    new_done = await add_job(db, "test.effect", {"key": "b"})
    old_discarded = await add_job(db, "test.discard", {"key": "c"})
    new_discarded = await add_job(db, "test.discard", {"key": "d"})
    pending = await add_job(
        db, "test.effect", {"key": "e"}, run_at=utcnow() + dt.timedelta(days=30)
    )
    runner = make_runner(app)
    assert await runner.drain() == 4

    async def finished_ago(job_id, days):
        async with db() as session, session.begin():
            await session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(completed_at=utcnow() - dt.timedelta(days=days))
            )

    await finished_ago(old_done, 2)  # completed jobs are kept 1 day
    await finished_ago(new_discarded, 2)  # discarded ones 7 days
    await finished_ago(old_discarded, 8)
    assert await runner.prune() == 2
    async with db() as session:
        left = set(await session.scalars(select(Job.id)))
    assert left == {new_done, new_discarded, pending}
