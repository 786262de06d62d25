"""The pieces under the endpoint: publishing after commit, the hub's transports, NOTIFY
packing, the registry and slow clients."""

from __future__ import annotations

import asyncio
import datetime as dt

import orjson
import pytest
from sqlalchemy import text, update

from pyleroma.db.base import utcnow
from pyleroma.db.engine import make_sessionmaker
from pyleroma.models import OAuthToken
from pyleroma.streaming.connections import CLOSE_TRY_AGAIN, Connection, Registry
from pyleroma.streaming.events import emit
from pyleroma.streaming.hub import NOTIFY_LIMIT, StreamHub, asyncpg_dsn, pack
from pyleroma.streaming.topics import Viewer, label
from tests.streaming.helpers import marker, open_socket, settle
from tests.streaming.test_user_stream import post


class FakeHub:
    def __init__(self):
        self.published: list[list[dict]] = []

    def publish(self, events):
        self.published.append(list(events))


async def test_events_go_out_only_when_the_transaction_commits(app):
    hub = FakeHub()
    sessionmaker = make_sessionmaker(app.state.engine, hub)
    async with sessionmaker() as session:
        emit(session, {"type": "filters_changed", "account_id": 1})
        await session.rollback()
        assert hub.published == []
        emit(session, {"type": "filters_changed", "account_id": 2})
        emit(session, {"type": "filters_changed", "account_id": 3})
        await session.execute(text("SELECT 1"))
        await session.commit()
        assert hub.published == [
            [
                {"type": "filters_changed", "account_id": 2},
                {"type": "filters_changed", "account_id": 3},
            ]
        ]
        await session.commit()  # nothing new: nothing more goes out
        assert len(hub.published) == 1


async def test_a_rolled_back_savepoint_drops_only_its_own_events(app):
    hub = FakeHub()
    sessionmaker = make_sessionmaker(app.state.engine, hub)
    async with sessionmaker() as session:
        await session.execute(text("SELECT 1"))
        emit(session, {"type": "filters_changed", "account_id": 1})
        try:
            async with session.begin_nested():
                emit(session, {"type": "filters_changed", "account_id": 2})
                raise RuntimeError("undo the savepoint")
        except RuntimeError:
            pass
        async with session.begin_nested():
            emit(session, {"type": "filters_changed", "account_id": 3})
        await session.commit()
    assert [[e["account_id"] for e in batch] for batch in hub.published] == [[1, 3]]


async def test_a_session_closed_without_commit_publishes_nothing(app):
    hub = FakeHub()
    sessionmaker = make_sessionmaker(app.state.engine, hub)
    async with sessionmaker() as session:
        await session.execute(text("SELECT 1"))
        emit(session, {"type": "filters_changed", "account_id": 1})
    async with sessionmaker() as session:
        await session.commit()
    assert hub.published == []


async def test_sessions_without_a_hub_keep_nothing(app):
    sessionmaker = make_sessionmaker(app.state.engine)
    async with sessionmaker() as session:
        emit(session, {"type": "filters_changed", "account_id": 1})
        assert not any(key.startswith("pyleroma.streaming") for key in session.info)
        await session.commit()


async def test_a_hub_that_is_not_running_drops_events(app):
    hub = app.state.stream_hub  # no lifespan ran: not started
    assert not hub.running
    hub.publish([{"type": "filters_changed", "account_id": 1}])
    await hub.flush()  # returns at once


def test_pack_splits_long_id_lists_and_keeps_everything():
    holders = list(range(10**15, 10**15 + 2000))
    big = {"type": "delete", "status_id": 5, "tags": ["a"], "holder_ids": holders}
    small = [{"type": "filters_changed", "account_id": i} for i in range(3)]
    payloads = pack([*small, big, *small])
    assert all(len(p.encode()) <= NOTIFY_LIMIT for p in payloads)
    events = [event for p in payloads for event in orjson.loads(p)]
    assert events[:3] == small and events[-3:] == small
    parts = events[3:-3]
    assert len(parts) > 3
    assert [p["chunk"] for p in parts] == list(range(len(parts)))
    assert [h for p in parts for h in p["holder_ids"]] == holders
    assert all(p["status_id"] == 5 and p["tags"] == ["a"] for p in parts)
    # Small events share one payload.
    assert len(pack(small)) == 1


def test_pack_drops_an_event_it_cannot_split(caplog):
    assert pack([{"type": "huge", "text": "x" * (NOTIFY_LIMIT + 10)}]) == []
    assert "too large" in caplog.text


def test_asyncpg_dsn_drops_the_driver_name():
    dsn = asyncpg_dsn("postgresql+asyncpg://user:pw@db.example:5433/pyleroma")
    assert dsn == "postgresql://user:pw@db.example:5433/pyleroma"


def test_registry_indexes_and_forgets_sockets():
    registry = Registry()
    one = Connection(Viewer(account_id=1, token_id=10))
    two = Connection(Viewer(account_id=2, token_id=10))
    for conn in (one, two):
        registry.add(conn)
    registry.subscribe(one, ("user", 1))
    registry.subscribe(two, ("hashtag", "cats"))
    registry.subscribe(one, ("hashtag", "cats"))
    assert registry.keys("user") == [1]
    assert registry.subscribers("hashtag", "cats") == {one, two}
    assert set(registry.with_tokens([10])) == {one, two}
    registry.unsubscribe(two, ("hashtag", "cats"))
    registry.remove(one)
    assert registry.keys("user") == [] and registry.keys("hashtag") == []
    assert registry.with_tokens([10]) == [two]
    registry.remove(two)
    assert len(registry) == 0 and registry.token_ids() == []


def test_stream_labels_are_mastodons():
    assert label(("user", 5)) == ["user"]
    assert label(("user:notification", 5)) == ["user:notification"]
    assert label(("public:local", None)) == ["public:local"]
    assert label(("hashtag", "cats")) == ["hashtag", "cats"]
    assert label(("list", 42)) == ["list", "42"]


def test_a_client_too_far_behind_is_closed():
    conn = Connection(Viewer(), queue_size=2)
    conn.send("one")
    conn.send("two")
    conn.send("three")  # no room: the socket is closed rather than buffered forever
    conn.send("four")
    items = [conn.queue.get_nowait() for _ in range(conn.queue.qsize())]
    assert items[-1] == (CLOSE_TRY_AGAIN, "Too many unread messages")
    assert "three" not in items and "four" not in items
    assert conn.closing


async def test_unknown_and_failing_events_do_not_stop_the_others(
    stream_server, client, factory, app, hub, caplog
):
    alice = await factory.user()
    socket = await open_socket(stream_server, alice.token, stream="user")
    hub.publish(
        [
            {"type": "no such event"},
            {"type": "status", "status_id": "not an id"},
            {"type": "filters_changed", "account_id": int(alice.id)},
        ]
    )
    assert (await socket.next())["event"] == "filters_changed"
    assert "unknown stream event" in caplog.text
    await socket.close()


async def test_the_listener_survives_a_lost_connection(stream_server, client, factory, app, hub):
    """PostgreSQL: the LISTEN connection is killed and comes back by itself. SQLite: the
    connections between processes' sockets are cut, and the next event opens them again."""
    alice = await factory.user()
    socket = await open_socket(stream_server, alice.token, stream="user")
    if hub.postgres:
        assert hub.transport is not None and hub.transport.ready.is_set()
        old = hub.transport.connection
        async with app.state.sessionmaker() as session:
            killed = await session.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = 'pyleroma-stream' AND pid <> pg_backend_pid()"
                )
            )
        assert killed >= 1
        for _ in range(1000):  # the loss is noticed, then a new connection is made
            if hub.transport.ready.is_set() and hub.transport.connection is not old:
                break
            await asyncio.sleep(0.01)
        assert hub.transport.connection is not old
    else:
        await settle(app)  # the connection to our own socket is open
        peers = list(hub.transport._peers.values())
        assert peers
        for writer in peers:
            writer.close()
            await writer.wait_closed()
    status = await post(client, alice, "still streaming")
    message = await socket.next()
    assert message["payload"]["id"] == status["id"]
    await socket.close()


async def test_a_publish_only_hub_reaches_web_sockets(stream_server, factory, app, hub):
    """The worker's hub (``pyleroma worker``) publishes without dispatching; its events reach
    the web process's sockets (NOTIFY on PostgreSQL, the local sockets on SQLite)."""
    alice = await factory.user()
    socket = await open_socket(stream_server, alice.token, stream="user")
    worker_hub = StreamHub(app.state.settings, dispatching=False)
    sessionmaker = make_sessionmaker(app.state.engine, worker_hub)
    await worker_hub.start(sessionmaker)
    try:
        assert worker_hub.dispatcher is None
        async with sessionmaker() as session:
            emit(session, {"type": "filters_changed", "account_id": int(alice.id)})
            await session.commit()
        await worker_hub.stop()  # flushes what is unsent
        assert (await socket.next())["event"] == "filters_changed"
        await settle(app)
        await marker(app, alice.id)
        assert (await socket.next())["event"] == "filters_changed"
    finally:
        await worker_hub.stop()
    await socket.close()


@pytest.mark.parametrize("settings_overrides", [{"streaming_ping_interval": 0.05}])
async def test_the_periodic_sweep_runs_by_itself(stream_server, factory, app):
    user = await factory.user()
    socket = await open_socket(stream_server, user.token, stream="user")
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(OAuthToken)
            .where(OAuthToken.account_id == user.account.id)
            .values(valid_until=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()
    closed = await socket.closed()
    assert closed.rcvd.code == 1008
