"""Delivery: signed POSTs to real inboxes on loopback, retries, gone inboxes, dead hosts,
and what a delivery writes (instance marks at most once a window, no query when healthy)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import orjson
import pytest
from sqlalchemy import delete, event, select, update

from pyleroma.db.base import utcnow
from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.federation.signatures import verify_request
from pyleroma.jobs import deliver_jobs
from pyleroma.jobs.deliver_jobs import MAX_ATTEMPTS, backoff
from pyleroma.jobs.registry import JobContext
from pyleroma.jobs.runner import JobRunner
from pyleroma.models import Account, Follow, Instance, Job
from pyleroma.models.job import AVAILABLE, COMPLETED, DISCARDED
from tests.api.relationship_helpers import remote_account
from tests.api.timeline_helpers import drain
from tests.federation.inbox_sink import InboxSink


@pytest.fixture
def settings_overrides() -> dict:
    return {"allow_private_fetch": True, "federation_timeout_seconds": 2.0}


@pytest.fixture
async def sink():
    server = await InboxSink().start()
    yield server
    await server.stop()


async def _remote_on(db, sink: InboxSink, name: str) -> Account:
    host = f"{sink.host}:{sink.port}"
    return await remote_account(
        db,
        name,
        host,
        ap_id=f"{sink.base}/users/{name}",
        inbox=f"{sink.base}/users/{name}/inbox",
        shared_inbox=f"{sink.base}/inbox",
    )


async def _jobs(db) -> list[Job]:
    async with db() as session:
        rows = await session.execute(select(Job).where(Job.kind == DELIVER_JOB))
        return list(rows.scalars())


async def test_a_follow_arrives_signed_by_the_follower(app, client, factory, db, sink):
    alice = await factory.user("alice")
    bob = await _remote_on(db, sink, "bob")
    response = await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    assert response.status_code == 200
    await drain(app)

    [received] = sink.received
    assert received.path == "/inbox"
    document = orjson.loads(received.body)
    base = app.state.settings.base_url
    assert document["type"] == "Follow"
    assert document["actor"] == f"{base}/users/alice"
    assert document["object"] == bob.ap_id
    assert received.headers["Content-Type"] == "application/activity+json"
    async with db() as session:
        stored = await session.get(Account, alice.account.id)
    assert stored.private_key is not None  # made at first federation use
    verified = verify_request(
        "POST", received.path, received.headers, received.body, stored.public_key
    )
    assert verified.key_id == f"{base}/users/alice#main-key"
    [job] = await _jobs(db)
    assert job.state == COMPLETED
    async with db() as session:
        instance = (await session.execute(select(Instance))).scalar_one()
    assert instance.host == f"127.0.0.1:{sink.port}"
    assert instance.unreachable_since is None and instance.last_seen_at is not None


async def test_a_failing_inbox_is_retried_and_its_host_marked(app, client, factory, db, sink):
    alice = await factory.user("alice")
    bob = await _remote_on(db, sink, "bob")
    sink.answers["/inbox"] = 503
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    await drain(app)
    [job] = await _jobs(db)
    assert job.state == AVAILABLE and job.attempt == 1
    assert job.scheduled_at > utcnow()  # backed off, not due again yet
    async with db() as session:
        instance = (await session.execute(select(Instance))).scalar_one()
    assert instance.unreachable_since is not None

    # The server comes back: the retry delivers and clears the mark.
    sink.answers["/inbox"] = 202
    async with db() as session:
        await session.execute(update(Job).values(scheduled_at=utcnow()))
        await session.commit()
    await drain(app)
    [job] = await _jobs(db)
    assert job.state == COMPLETED
    assert len(sink.received) == 2
    async with db() as session:
        instance = (await session.execute(select(Instance))).scalar_one()
    assert instance.unreachable_since is None


async def test_gone_and_refusing_inboxes_are_not_retried(app, client, factory, db, sink):
    alice = await factory.user("alice")
    gone = await _remote_on(db, sink, "gone")
    async with db() as session:
        await session.execute(
            update(Account)
            .where(Account.id == gone.id)
            .values(shared_inbox=None, inbox=f"{sink.base}/users/gone/inbox")
        )
        await session.commit()
    sink.answers["/users/gone/inbox"] = 410
    await client.post(f"/api/v1/accounts/{gone.id}/follow", headers=alice.headers)
    await drain(app)
    [job] = await _jobs(db)
    assert job.state == DISCARDED and job.attempt == 1
    assert "answered 410" in job.last_error
    assert len(sink.received) == 1


async def test_a_hanging_inbox_times_out_and_is_retried(app, client, factory, db, sink):
    alice = await factory.user("alice")
    bob = await _remote_on(db, sink, "bob")
    sink.answers["/inbox"] = "hang"
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    await drain(app)
    [job] = await _jobs(db)
    assert job.state == AVAILABLE and job.attempt == 1
    assert "TimeoutError" in (job.last_error or "")


async def test_a_host_dead_for_two_days_gets_no_more_attempts(app, client, factory, db, sink):
    alice = await factory.user("alice")
    bob = await _remote_on(db, sink, "bob")
    async with db() as session:
        session.add(
            Instance(
                host=f"127.0.0.1:{sink.port}",
                unreachable_since=utcnow() - dt.timedelta(days=3),
            )
        )
        await session.commit()
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    await drain(app)
    [job] = await _jobs(db)
    assert job.state == DISCARDED
    assert sink.received == []


def test_retries_span_more_than_two_days():
    total = sum(backoff(attempt) for attempt in range(1, MAX_ATTEMPTS))
    assert total > 2 * 24 * 3600
    assert backoff(1) == 60 and backoff(40) == 6 * 3600


async def _own_inbox(db, sink: InboxSink, name: str) -> Account:
    """A remote account on the sink whose deliveries go to its own inbox (no shared one)."""
    account = await _remote_on(db, sink, name)
    async with db() as session:
        await session.execute(
            update(Account).where(Account.id == account.id).values(shared_inbox=None)
        )
        await session.commit()
    return account


async def _instance(db) -> Instance:
    async with db() as session:
        return (await session.execute(select(Instance))).scalar_one()


async def test_host_marks_are_written_at_most_once_per_state_and_window(
    app, client, factory, db, sink, monkeypatch
):
    monkeypatch.setattr(deliver_jobs, "MARK_EVERY_SECONDS", 2.0)
    alice = await factory.user("alice")
    good = await _own_inbox(db, sink, "good")
    bad = await _own_inbox(db, sink, "bad")
    sink.answers["/users/bad/inbox"] = 503

    await client.post(f"/api/v1/accounts/{bad.id}/follow", headers=alice.headers)
    await drain(app)
    first_failure = (await _instance(db)).unreachable_since
    assert first_failure is not None  # from the first failure on

    await client.post(f"/api/v1/accounts/{good.id}/follow", headers=alice.headers)
    await drain(app)
    assert (await _instance(db)).unreachable_since is None  # heard from: reachable

    # The failing inbox again, within the window of the last "unreachable" write: no write
    # now (a host with healthy and failing inboxes would flip its row on every delivery)...
    async with db() as session:
        await session.execute(update(Job).values(scheduled_at=utcnow()))
        await session.commit()
    await drain(app)
    assert len(sink.received) == 3
    assert (await _instance(db)).unreachable_since is None

    # ... but once the window has passed, the latest outcome (a failure) is written.
    deadline = time.monotonic() + 10
    while (await _instance(db)).unreachable_since is None:
        assert time.monotonic() < deadline, "the deferred mark was never written"
        await asyncio.sleep(0.1)
    assert (await _instance(db)).unreachable_since > first_failure


async def test_a_healthy_delivery_runs_no_query(app, factory, db, sink):
    alice = await factory.user("alice")
    bob = await _own_inbox(db, sink, "bob")
    settings = app.state.settings
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    def context(job_id: int) -> JobContext:
        return JobContext(
            job_id=job_id,
            kind=DELIVER_JOB,
            args={
                "inbox": bob.inbox,
                "actor_id": str(alice.account.id),
                "activity": {"id": f"{settings.base_url}/activities/{job_id}", "type": "Note"},
            },
            queue="federation",
            attempt=1,
            max_attempts=MAX_ATTEMPTS,
            scheduled_at=utcnow(),
            worker_id="w",
            sessionmaker=db,
            settings=settings,
        )

    await deliver_jobs.deliver(context(1))  # learns the key and the host, marks it reachable
    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for job_id in (2, 3, 4):
            await deliver_jobs.deliver(context(job_id))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(sink.received) == 4
    assert statements == []
    assert (await _instance(db)).last_seen_at is not None


@pytest.fixture
async def dead_host():
    server = await InboxSink(host="127.0.0.4").start()
    yield server
    await server.stop()


async def test_a_dead_host_gets_one_handler_at_a_time(app, client, factory, db, sink, dead_host):
    """Once a delivery to a host got no answer, the host gets one delivery at a time: of
    eight more to it, one waits out the timeout, the others are deferred (the attempt not
    counted), and every healthy inbox has the post long before the timeout."""
    settings = app.state.settings
    dead_host.answers.update({f"/users/d{n}/inbox": "hang" for n in range(8)})
    alice = await factory.user("alice")
    followers = [await _remote_on(db, dead_host, f"d{n}") for n in range(8)]
    followers += [await _remote_on(db, sink, f"h{n}") for n in range(4)]
    async with db() as session:  # no shared inboxes: one delivery per follower
        await session.execute(update(Account).values(shared_inbox=None))
        await session.commit()
    # A first delivery to the dead host times out (2 s): the host is silent from now on.
    await client.post(f"/api/v1/accounts/{followers[0].id}/follow", headers=alice.headers)
    await drain(app)
    async with db() as session:
        await session.execute(delete(Job))
        for follower in followers:
            session.add(Follow(follower_id=follower.id, followed_id=alice.account.id))
        await session.commit()
    dead_host.received.clear()
    posted = await client.post("/api/v1/statuses", headers=alice.headers, json={"status": "hi"})
    assert posted.status_code == 200
    assert len(await _jobs(db)) == 12

    runner = JobRunner(app.state.sessionmaker, settings, concurrency=8, queues=["federation_out"])
    await runner.start()
    try:
        started = time.monotonic()
        while len(sink.received) < 4 and time.monotonic() - started < 1.5:
            await asyncio.sleep(0.02)
        assert len(sink.received) == 4  # within 1.5 s; the dead host's timeout is 2 s
        assert len(dead_host.received) == 1  # one at a time, still waiting
        deferred = []
        while len(deferred) < 7 and time.monotonic() - started < 1.8:
            await runner.flush_outcomes()
            dead = [job for job in await _jobs(db) if "/users/d" in job.args["inbox"]]
            deferred = [j for j in dead if j.state == AVAILABLE and j.scheduled_at > utcnow()]
        assert len(deferred) == 7
        assert len(dead_host.received) == 1
        assert [(job.attempt, job.last_error) for job in deferred] == [(0, None)] * 7
    finally:
        await runner.stop(grace=0)
