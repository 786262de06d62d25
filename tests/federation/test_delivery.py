"""Delivery: signed POSTs to real inboxes on loopback, retries, gone inboxes, dead hosts."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from sqlalchemy import select, update

from pyleroma.db.base import utcnow
from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.federation.signatures import verify_request
from pyleroma.jobs.deliver_jobs import MAX_ATTEMPTS, backoff
from pyleroma.models import Account, Instance, Job
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
