"""The per-process stream hub: events in (``publish``), messages out to local sockets.

Two transports, chosen by the database; with either, every process that shares the
database (``serve --workers N``, ``pyleroma worker``) reaches the sockets of all the others:

- **SQLite**: Unix sockets in a private directory beside the data
  (streaming/local_transport.py): ``publish`` sends the packed events to every process there,
  this one included, and each dispatches what arrives.
- **PostgreSQL**: ``publish`` sends ``NOTIFY pyleroma_stream, '<json>'`` on the hub's own
  asyncpg connection, and every process LISTENs on its connection and dispatches what
  arrives, the sender included (so nothing is dispatched twice locally). Web processes
  and workers thus share one stream whatever process committed the change. A payload is
  at most ``NOTIFY_LIMIT`` bytes (PostgreSQL allows 8000): events are packed into arrays
  up to that size and an event carrying a long id list is split into ``chunk``-numbered
  parts. A lost connection is reopened with backoff; events published meanwhile wait in a
  bounded queue, and notifications sent while the listener was away are lost (clients
  refetch on reconnect anyway).

A hub made with ``dispatching=False`` (the worker's) only publishes. ``publish`` never
blocks and never raises: it runs inside SQLAlchemy's ``after_commit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import tempfile
import threading
from collections.abc import Callable

import orjson
from sqlalchemy import or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyleroma.db.base import utcnow
from pyleroma.models import Account, OAuthToken
from pyleroma.settings import Settings
from pyleroma.streaming.connections import CLOSE_GOING_AWAY, CLOSE_POLICY, Registry
from pyleroma.streaming.dispatch import Dispatcher
from pyleroma.streaming.local_transport import LocalSocketTransport, socket_directory

log = logging.getLogger("pyleroma.streaming")

CHANNEL = "pyleroma_stream"
FLUSH = "flush"
NOTIFY_LIMIT = 7900
QUEUE_LIMIT = 10_000


def _is_flush(event) -> bool:
    return isinstance(event, dict) and event.get("type") == FLUSH


def _dumps(value) -> bytes:
    return orjson.dumps(value)


def _split(event: dict, limit: int) -> list[dict]:
    """``event`` cut into parts that each encode (in a one-element array) within
    ``limit`` bytes, by halving its longest list; every part gets its ``chunk`` number."""
    if len(_dumps([event])) <= limit:
        return [event]
    lists = [(len(v), k) for k, v in event.items() if isinstance(v, list) and len(v) > 1]
    if not lists:
        log.error("stream event too large to send, dropped: %.200r", event)
        return []
    _, key = max(lists)
    values = event[key]
    half = len(values) // 2
    parts = _split({**event, key: values[:half]}, limit)
    parts += _split({**event, key: values[half:]}, limit)
    return [{**part, "chunk": index} for index, part in enumerate(parts)]


def pack(events: list[dict], limit: int = NOTIFY_LIMIT) -> list[str]:
    """Events as JSON arrays of at most ``limit`` bytes each, in order."""
    payloads: list[str] = []
    batch: list[bytes] = []
    size = 2
    for event in events:
        for part in _split(event, limit):
            encoded = _dumps(part)
            if batch and size + len(encoded) + 1 > limit:
                payloads.append(b"[" + b",".join(batch) + b"]")
                batch, size = [], 2
            batch.append(encoded)
            size += len(encoded) + 1
    if batch:
        payloads.append(b"[" + b",".join(batch) + b"]")
    return [p.decode() for p in payloads]


def asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresTransport:
    """One asyncpg connection per process: NOTIFY out, and (dispatching hubs) LISTEN in."""

    def __init__(self, dsn: str, deliver: Callable[[list[dict]], None] | None):
        self.dsn = dsn
        self.deliver = deliver
        self.outbox: asyncio.Queue[list[str]] = asyncio.Queue(maxsize=QUEUE_LIMIT)
        self.connection = None
        self.ready = asyncio.Event()
        self._lost = asyncio.Event()
        self._stopping = False
        self._sending = False
        self._tasks: list[asyncio.Task] = []

    async def start(self, timeout: float = 10.0) -> None:
        self._tasks = [
            asyncio.create_task(self._keep_connected(), name="stream-pg-connection"),
            asyncio.create_task(self._send_loop(), name="stream-pg-sender"),
        ]
        # Listening before the app serves, so no event committed after start is missed;
        # a database that is down does not keep the app from starting (it reconnects).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.ready.wait(), timeout)

    def publish(self, events: list[dict]) -> None:
        payloads = pack(events)
        if not payloads:
            return
        try:
            self.outbox.put_nowait(payloads)
        except asyncio.QueueFull:
            log.error("stream outbox full: %d events dropped", len(events))

    async def stop(self, flush_timeout: float = 5.0) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._drain(), flush_timeout)
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await self.connection.close(timeout=2)
            self.connection = None

    async def _drain(self) -> None:
        while not self.outbox.empty() or self._sending:
            await asyncio.sleep(0.01)

    def _on_notify(self, _connection, _pid, _channel, payload: str) -> None:
        try:
            events = orjson.loads(payload)
        except orjson.JSONDecodeError:
            log.error("undecodable stream notification: %.200r", payload)
            return
        if self.deliver is not None and isinstance(events, list):
            self.deliver(events)

    def _on_termination(self, _connection) -> None:
        self._lost.set()

    async def _keep_connected(self) -> None:
        import asyncpg

        delay = 0.2
        while not self._stopping:
            connection = None
            try:
                connection = await asyncpg.connect(
                    self.dsn, server_settings={"application_name": "pyleroma-stream"}
                )
                self._lost.clear()
                connection.add_termination_listener(self._on_termination)
                if self.deliver is not None:
                    await connection.add_listener(CHANNEL, self._on_notify)
                self.connection = connection
                self.ready.set()
                delay = 0.2
                await self._lost.wait()
                log.warning("stream connection to PostgreSQL lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is down or refuses us: try again later
                log.warning("stream connection to PostgreSQL failed: %s", exc)
            finally:
                self.ready.clear()
                self.connection = None
                if connection is not None and not connection.is_closed():
                    connection.terminate()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _send_loop(self) -> None:
        while True:
            payloads = await self.outbox.get()
            self._sending = True
            try:
                while not self.outbox.empty():
                    payloads += self.outbox.get_nowait()
                await self._send(payloads)
            finally:
                self._sending = False

    async def _send(self, payloads: list[str]) -> None:
        for _attempt in range(2):
            await self.ready.wait()
            connection = self.connection
            if connection is None:
                continue
            try:
                # One round trip for the lot; each pg_notify is its own notification.
                await connection.execute(
                    "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", CHANNEL, payloads
                )
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("NOTIFY failed (%s); retrying on a new connection", exc)
                self.ready.clear()
                self.connection = None
                if not connection.is_closed():
                    connection.terminate()
                self._lost.set()
        log.error("stream events dropped: NOTIFY failed twice")


class StreamHub:
    def __init__(self, settings: Settings, *, dispatching: bool = True):
        self.settings = settings
        self.dispatching = dispatching
        self.registry = Registry()
        self.dispatcher: Dispatcher | None = None
        self.sessionmaker: async_sessionmaker[AsyncSession] | None = None
        self.transport: PostgresTransport | LocalSocketTransport | None = None
        self.running = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None
        self._inbox: asyncio.Queue[list[dict]] | None = None
        self._tasks: list[asyncio.Task] = []
        self._flushes: dict[str, asyncio.Future] = {}

    @property
    def postgres(self) -> bool:
        return not self.settings.is_sqlite

    async def start(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        """Start dispatching (and, on PostgreSQL, the NOTIFY/LISTEN connection)."""
        self.sessionmaker = sessionmaker
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        if self.dispatching:
            self._inbox = asyncio.Queue(maxsize=QUEUE_LIMIT)
            self.dispatcher = Dispatcher(self.registry, sessionmaker, self.settings)
            self._tasks.append(asyncio.create_task(self._dispatch_loop(), name="stream-dispatch"))
            self._tasks.append(asyncio.create_task(self._sweep_loop(), name="stream-sweep"))
        deliver = self._receive if self.dispatching else None
        if self.postgres:
            dsn = asyncpg_dsn(self.settings.effective_database_url)
            self.transport = PostgresTransport(dsn, deliver)
        else:
            database_file = make_url(self.settings.effective_database_url).database
            if not database_file or database_file == ":memory:":  # nobody to share with
                database_file = f"{tempfile.gettempdir()}/pyleroma-memory-{os.getpid()}"
            directory = socket_directory(database_file)
            self.transport = LocalSocketTransport(directory, deliver)
        await self.transport.start()
        self.running = True

    async def stop(self) -> None:
        """Close the sockets (going away), flush unsent NOTIFYs, stop the tasks."""
        if not self.running:
            return
        self.running = False
        for conn in list(self.registry.connections):
            conn.close(CLOSE_GOING_AWAY, "Server shutting down")
        if self.transport is not None:
            await self.transport.stop()
            self.transport = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    # --- events in ---------------------------------------------------------------------

    def publish(self, events: list[dict]) -> None:
        """Hand committed events over; called from ``after_commit``, so it must not block.

        Dropped when the hub is not running (a CLI command, a test app without lifespan);
        a process with no sockets drops what it receives.
        """
        if not self.running or not events:
            return
        if threading.get_ident() != self._thread:
            assert self._loop is not None
            self._loop.call_soon_threadsafe(self.publish, list(events))
            return
        if self.transport is not None:
            self.transport.publish(list(events))
        elif self.dispatching:
            self._receive(list(events))

    def _receive(self, events: list[dict]) -> None:
        if self._inbox is None:
            return
        if not self.registry.connections and not any(_is_flush(e) for e in events):
            return  # nobody here to tell
        try:
            self._inbox.put_nowait(events)
        except asyncio.QueueFull:
            log.error("stream dispatch queue full: %d events dropped", len(events))

    async def _dispatch_loop(self) -> None:
        assert self._inbox is not None and self.dispatcher is not None
        while True:
            events = await self._inbox.get()
            await self.dispatcher.dispatch([e for e in events if not _is_flush(e)])
            for event in events:
                if _is_flush(event):
                    waiter = self._flushes.pop(event.get("token"), None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(None)

    async def flush(self, timeout: float = 10.0) -> None:
        """Wait until every event this process published before the call was dispatched.

        A marker event goes through the same queues (and, on PostgreSQL, the same NOTIFY
        channel) as everything else, all first in first out, so when it comes back out of
        the dispatcher, so has everything before it. For tests and orderly shutdowns.
        """
        if not self.running or not self.dispatching:
            return
        token = secrets.token_hex(8)
        waiter = asyncio.get_running_loop().create_future()
        self._flushes[token] = waiter
        self.publish([{"type": FLUSH, "token": token}])
        try:
            await asyncio.wait_for(waiter, timeout)
        finally:
            self._flushes.pop(token, None)

    # --- tokens ------------------------------------------------------------------------

    async def _sweep_loop(self) -> None:
        """Every ``streaming_ping_interval`` seconds, close sockets whose token expired or
        went away, or whose account was deactivated, however that happened (a CLI
        command, another process on SQLite): one query for all the sockets here."""
        interval = max(0.05, float(self.settings.streaming_ping_interval))
        while True:
            await asyncio.sleep(interval)
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("stream token sweep failed")

    async def sweep(self) -> None:
        token_ids = self.registry.token_ids()
        if not token_ids or self.sessionmaker is None:
            return
        live: set[int] = set()
        async with self.sessionmaker() as session:
            for start in range(0, len(token_ids), 500):
                chunk = token_ids[start : start + 500]
                rows = await session.execute(
                    select(OAuthToken.id)
                    .outerjoin(Account, Account.id == OAuthToken.account_id)
                    .where(
                        OAuthToken.id.in_(chunk),
                        OAuthToken.valid_until >= utcnow(),
                        or_(OAuthToken.account_id.is_(None), Account.is_active.is_(True)),
                    )
                )
                live.update(rows.scalars())
        for conn in self.registry.with_tokens(set(token_ids) - live):
            conn.close(CLOSE_POLICY, "Access token expired or revoked")
