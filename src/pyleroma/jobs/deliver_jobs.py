"""Job kind "federation.deliver" ``{"inbox", "actor_id", "activity"}``: one signed POST.

Enqueued by federation/delivery.py in the transaction of the activity, one job per inbox,
so one slow or dead server never delays the others (each job waits only for its own host,
whose connections are capped per host: federation/http_client.py). What the inbox answers
decides what happens next:

- 2xx: delivered; the host is marked reachable.
- 410 Gone: the inbox (or the account) is gone for good: no retry.
- other 4xx except 408 and 429: the server will never take this activity: no retry.
- 408, 429, 5xx, timeouts, refused connections: retried with backoff for more than two
  days (``BACKOFF``, ``MAX_ATTEMPTS``); the host is marked unreachable from the first
  failure, and once it has been unreachable for two days, deliveries to it are dropped
  until it is heard from again (federation/instances.py).
- an inbox the SSRF guard refuses: no retry.

A host that does not answer (or only after half the timeout) gets one delivery at a time;
its others are deferred (``DeferJob``, the attempt not counted: ``_host_slot``), so a dead
or slow host never keeps deliveries to healthy hosts waiting for a handler.

A healthy delivery runs no query and writes nothing itself: the signing key and whether
the host was given up come from per-process memory (``KEY_MEMORY_SECONDS``,
``GIVEN_UP_MEMORY_SECONDS``); a host's reachable / unreachable mark is written at most
once per host and state every ``MARK_EVERY_SECONDS`` (a host with healthy and failing
inboxes would otherwise flip its row on every delivery); and the kind is registered with
``batch_outcomes``, so the runner writes its "completed" mark together with hundreds of
others (jobs/outcomes.py): completion is at-least-once, as the POST itself always was.
What little it writes (a missing key pair, instance marks) it writes in sessions of its
own, as that contract requires.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import time
import weakref
from collections.abc import Awaitable, Callable

import aiohttp
import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyleroma.db.ids import parse_id
from pyleroma.federation import instances
from pyleroma.federation.delivery import DELIVER_JOB, DELIVER_QUEUE
from pyleroma.federation.http_client import federation_session
from pyleroma.federation.keys import ensure_keys
from pyleroma.federation.net_guard import BlockedDestination, check_url
from pyleroma.federation.signatures import sign_request
from pyleroma.jobs.registry import DeferJob, DiscardJob, JobContext, RetryJob, register
from pyleroma.models import Account, AccountTombstone

log = logging.getLogger("pyleroma.federation")

AS_CONTENT_TYPE = "application/activity+json"
MAX_ATTEMPTS = 18
RETRY_STATUSES = frozenset({408, 429})
# An inbox's answer is read only this far (a hostile one could stream for ever).
ANSWER_READ_BYTES = 64 * 1024


def backoff(attempt: int) -> float:
    """30 s, 1 min, 2 min ... doubling up to 6 h: 18 attempts span about 56 hours."""
    return float(min(30 * 2**attempt, 6 * 3600))


# A local account's key pair never changes once made (keys.py), and a deleted account's
# tombstone keeps that same pair, so a remembered key stays right; the limit only bounds
# what a long-running process keeps for accounts that stopped posting.
KEY_MEMORY_SECONDS = 300.0
# A host given up on (or heard from again) is noticed this late by deliveries.
GIVEN_UP_MEMORY_SECONDS = 30.0
# Deliveries under way at once to a host that does not answer (see _host_slot).
SILENT_HOST_SHARE = 1
# At most one "reachable" and one "unreachable" write per host per this many seconds.
MARK_EVERY_SECONDS = 60.0


@dataclasses.dataclass
class _HostMarks:
    """One host's marks as this process wrote them, and the latest delivery's outcome."""

    seen: bool = True  # the latest outcome: True answered, False failed
    written: bool | None = None  # the state of the latest write (None: none yet)
    written_at: dict[bool, float] = dataclasses.field(default_factory=dict)
    writing: bool = False  # a write, or a wait for the throttle, is under way


@dataclasses.dataclass
class _Memory:
    """What this process remembers about one database: (expiry, value or loading task)."""

    keys: dict[int, tuple[float, object]] = dataclasses.field(default_factory=dict)
    given_up: dict[str, tuple[float, object]] = dataclasses.field(default_factory=dict)
    marks: dict[str, _HostMarks] = dataclasses.field(default_factory=dict)
    background: set[asyncio.Task] = dataclasses.field(default_factory=set)
    # Deliveries under way per host, and the hosts whose latest one got no timely answer
    # (a timeout, a refused connection, or an answer after half the timeout): _host_slot.
    in_flight: dict[str, int] = dataclasses.field(default_factory=dict)
    silent: set[str] = dataclasses.field(default_factory=set)


# Keyed by session maker (one per database), so two databases in one process (tests)
# never see each other's keys or marks.
_MEMORIES: weakref.WeakKeyDictionary[async_sessionmaker, _Memory] = weakref.WeakKeyDictionary()


def _memory(sessionmaker: async_sessionmaker[AsyncSession]) -> _Memory:
    memory = _MEMORIES.get(sessionmaker)
    if memory is None:
        memory = _MEMORIES[sessionmaker] = _Memory()
    return memory


async def _remembered(table: dict, key, ttl: float, load: Callable[[], Awaitable]):
    """``table[key]`` while fresh, else ``await load()`` (remembered ``ttl`` seconds).

    Concurrent callers share one load (a hundred deliveries starting at once make one
    query, and a missing key pair is generated once); a failed load is not remembered.
    """
    entry = table.get(key)
    if entry is not None:
        expires, value = entry
        if isinstance(value, asyncio.Future):
            return await asyncio.shield(value)
        if expires > time.monotonic():
            return value
    future = asyncio.ensure_future(load())
    table[key] = (float("inf"), future)

    def settle(done: asyncio.Future) -> None:
        if table.get(key, (0, None))[1] is not done:
            return
        if done.cancelled() or done.exception() is not None:
            del table[key]
        else:
            table[key] = (time.monotonic() + ttl, done.result())

    future.add_done_callback(settle)
    return await asyncio.shield(future)


async def _mark(ctx: JobContext, host: str, reachable: bool) -> None:
    """Note the outcome; write it (in a transaction of its own) unless written recently.

    An outcome whose state this process has not written in the last
    ``MARK_EVERY_SECONDS`` is written at once (so a failing host is marked from its first
    failure on, and one heard from is cleared). The same state as the last write, within
    the window, writes nothing. A flip back to a state written within the window waits,
    in the background, for that window to pass and then writes the latest outcome by
    then: a host with healthy and failing inboxes costs two writes a minute, not one per
    delivery, and its row still ends up saying what its latest delivery found.
    """
    marks = _memory(ctx.sessionmaker).marks.setdefault(host, _HostMarks())
    marks.seen = reachable
    if not marks.writing:
        await _write_marks(ctx.sessionmaker, host, marks, wait=False)


async def _write_marks(sessionmaker, host: str, marks: _HostMarks, *, wait: bool) -> None:
    marks.writing = True
    handed_off = False
    try:
        while True:
            state = marks.seen
            now = time.monotonic()
            last = marks.written_at.get(state)
            if last is not None and now - last < MARK_EVERY_SECONDS:
                if marks.written == state:
                    return  # stored, and recently
                if not wait:
                    memory = _memory(sessionmaker)
                    task = asyncio.create_task(_write_marks(sessionmaker, host, marks, wait=True))
                    memory.background.add(task)
                    task.add_done_callback(memory.background.discard)
                    handed_off = True
                    return
                await asyncio.sleep(last + MARK_EVERY_SECONDS - now)
                continue
            marks.written_at[state] = now
            marks.written = state
            try:
                async with sessionmaker() as session:
                    if state:
                        await instances.mark_reachable(session, host)
                    else:
                        await instances.mark_unreachable(session, host)
                    await session.commit()
            except Exception:
                # Only a mark: the next delivery to the host tries again.
                log.warning("could not mark %s (reachable: %s)", host, state, exc_info=True)
                marks.written_at.pop(state, None)
                marks.written = None
                return
            if state:  # just heard from, so not given up
                expires = time.monotonic() + GIVEN_UP_MEMORY_SECONDS
                _memory(sessionmaker).given_up[host] = (expires, False)
    finally:
        if not handed_off:
            marks.writing = False


@contextlib.contextmanager
def _host_slot(ctx: JobContext, host: str):
    """Count the delivery as under way to ``host``; ``DeferJob`` when the host is silent
    (its latest delivery got no answer within half the federation timeout, or none at
    all) and already has one under way: the job is handed back, its attempt not counted,
    and tried again after about a timeout. A delivery to a host that does not answer holds
    its handler for the whole timeout, so a dead host's deliveries (one per activity,
    however many followers it has) must not take the handlers healthy hosts need. Hosts
    that answer are limited only by their connections (``federation_connections_per_host``):
    capping them here too cost more in deferrals than it saved."""
    memory = _memory(ctx.sessionmaker)
    if host in memory.silent and memory.in_flight.get(host, 0) >= SILENT_HOST_SHARE:
        wait = ctx.settings.federation_timeout_seconds * random.uniform(1, 2)  # jitter
        raise DeferJob(f"{host} does not answer and has a delivery under way", wait)
    memory.in_flight[host] = memory.in_flight.get(host, 0) + 1
    try:
        yield memory
    finally:
        left = memory.in_flight[host] - 1
        if left:
            memory.in_flight[host] = left
        else:
            del memory.in_flight[host]


async def _check_host(ctx: JobContext, host: str) -> None:
    async def load() -> bool:
        async with ctx.sessionmaker() as session:
            return await instances.is_given_up(session, host)

    memory = _memory(ctx.sessionmaker).given_up
    if await _remembered(memory, host, GIVEN_UP_MEMORY_SECONDS, load):
        raise DiscardJob(f"{host} has been unreachable for more than two days")


async def _signing_key(ctx: JobContext, actor_id: int) -> tuple[str, str]:
    """The signer's (key id, private key), remembered by this process."""

    async def load() -> tuple[str, str]:
        return await _load_signing_key(ctx.sessionmaker, actor_id)

    memory = _memory(ctx.sessionmaker).keys
    return await _remembered(memory, actor_id, KEY_MEMORY_SECONDS, load)


async def _load_signing_key(sessionmaker, actor_id: int) -> tuple[str, str]:
    """In a short session of its own, before the POST: a delivery waits on the network for
    up to the federation timeout and must not hold a database connection meanwhile
    (hundreds run at once). A missing key pair is made and committed first: a key must be
    stored before anything signed with it leaves (the receiver fetches it)."""
    async with sessionmaker() as session:
        actor = await session.get(Account, actor_id)
        if actor is None:
            # A deleted account's Delete: its tombstone keeps the key that signs it.
            tombstone = await session.scalar(
                select(AccountTombstone).where(AccountTombstone.account_id == actor_id)
            )
            if tombstone is None or not tombstone.private_key:
                raise DiscardJob("the signing account is gone")
            return tombstone.key_id, tombstone.private_key
        if not actor.local:
            raise DiscardJob("the signing account is not local")
        if actor.private_key is None:
            await ensure_keys(session, actor)
            await session.commit()
        return actor.key_id, actor.private_key


@register(
    DELIVER_JOB,
    queue=DELIVER_QUEUE,
    max_attempts=MAX_ATTEMPTS,
    backoff=backoff,
    batch_outcomes=True,
)
async def deliver(ctx: JobContext) -> None:
    inbox = ctx.args.get("inbox")
    actor_id = parse_id(ctx.args.get("actor_id"))
    activity = ctx.args.get("activity")
    if not isinstance(inbox, str) or actor_id is None or not isinstance(activity, dict):
        raise DiscardJob("federation.deliver needs an inbox, an actor_id and an activity")
    try:
        check_url(inbox, ctx.settings.allow_private_fetch)
    except BlockedDestination as exc:
        raise DiscardJob(f"inbox refused: {exc}") from exc
    host = instances.host_of(inbox)
    await _check_host(ctx, host)
    with _host_slot(ctx, host) as memory:
        key_id, private_key = await _signing_key(ctx, actor_id)
        body = orjson.dumps(activity)
        headers = sign_request(
            "POST",
            inbox,
            {"Content-Type": AS_CONTENT_TYPE, "Accept": AS_CONTENT_TYPE},
            body,
            key_id,
            private_key,
        )
        http = federation_session(ctx.settings)
        started = time.monotonic()
        try:
            async with http.post(inbox, data=body, headers=headers, allow_redirects=False) as r:
                status = r.status
                await r.content.read(ANSWER_READ_BYTES)  # what an inbox says is not used
        except BlockedDestination as exc:
            raise DiscardJob(f"inbox refused: {exc}") from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            memory.silent.add(host)
            await _mark(ctx, host, reachable=False)
            raise RetryJob(f"{host}: {type(exc).__name__}") from exc
        if time.monotonic() - started > ctx.settings.federation_timeout_seconds / 2:
            memory.silent.add(host)  # answers, but too slowly to get many handlers
        else:
            memory.silent.discard(host)
    if 200 <= status < 300:
        await _mark(ctx, host, reachable=True)
        return
    if status >= 500 or status in RETRY_STATUSES:
        await _mark(ctx, host, reachable=False)
        raise RetryJob(f"{host} answered {status}")
    # 410 and every other 4xx: this inbox will never take this activity.
    raise DiscardJob(f"{inbox} answered {status}; not retried")
