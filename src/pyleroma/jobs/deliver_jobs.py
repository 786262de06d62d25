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
"""

from __future__ import annotations

import time

import aiohttp
import orjson
from sqlalchemy import select

from pyleroma.db.ids import parse_id
from pyleroma.federation import instances
from pyleroma.federation.delivery import DELIVER_JOB, DELIVER_QUEUE
from pyleroma.federation.http_client import federation_session
from pyleroma.federation.keys import ensure_keys
from pyleroma.federation.net_guard import BlockedDestination, check_url
from pyleroma.federation.signatures import sign_request
from pyleroma.jobs.registry import DiscardJob, JobContext, RetryJob, register
from pyleroma.models import Account, AccountTombstone

AS_CONTENT_TYPE = "application/activity+json"
MAX_ATTEMPTS = 18
RETRY_STATUSES = frozenset({408, 429})
# An inbox's answer is read only this far (a hostile one could stream for ever).
ANSWER_READ_BYTES = 64 * 1024


def backoff(attempt: int) -> float:
    """30 s, 1 min, 2 min ... doubling up to 6 h: 18 attempts span about 56 hours."""
    return float(min(30 * 2**attempt, 6 * 3600))


# Hosts this process recently saw answer: a successful delivery to them writes nothing
# (a thousand deliveries to healthy hosts must not be a thousand writes). Cleared for a
# host as soon as a delivery to it fails.
_REACHABLE_RECENTLY: dict[str, float] = {}
REACHABLE_MEMORY_SECONDS = 300.0


async def _mark(ctx: JobContext, host: str, reachable: bool) -> None:
    """In a transaction of its own: a retried job's own transaction is rolled back."""
    now = time.monotonic()
    if reachable:
        if now - _REACHABLE_RECENTLY.get(host, -1e9) < REACHABLE_MEMORY_SECONDS:
            return
        _REACHABLE_RECENTLY[host] = now
    else:
        _REACHABLE_RECENTLY.pop(host, None)
    async with ctx.sessionmaker() as session:
        if reachable:
            await instances.mark_reachable(session, host)
        else:
            await instances.mark_unreachable(session, host)
        await session.commit()


async def _signing_key(ctx: JobContext, actor_id: int, host: str) -> tuple[str, str]:
    """The signer's (key id, private key), in a short session of its own, before the POST:
    a delivery waits on the network for up to the federation timeout and must not hold a
    database connection meanwhile (hundreds run at once). A missing key pair is made and
    committed first: a key must be stored before anything signed with it leaves (the
    receiver fetches it)."""
    async with ctx.sessionmaker() as session:
        if await instances.is_given_up(session, host):
            raise DiscardJob(f"{host} has been unreachable for more than two days")
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


@register(DELIVER_JOB, queue=DELIVER_QUEUE, max_attempts=MAX_ATTEMPTS, backoff=backoff)
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
    key_id, private_key = await _signing_key(ctx, actor_id, host)
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
    try:
        async with http.post(inbox, data=body, headers=headers, allow_redirects=False) as reply:
            status = reply.status
            await reply.content.read(ANSWER_READ_BYTES)  # what an inbox says is not used
    except BlockedDestination as exc:
        raise DiscardJob(f"inbox refused: {exc}") from exc
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        await _mark(ctx, host, reachable=False)
        raise RetryJob(f"{host}: {type(exc).__name__}") from exc
    if 200 <= status < 300:
        await _mark(ctx, host, reachable=True)
        return
    if status >= 500 or status in RETRY_STATUSES:
        await _mark(ctx, host, reachable=False)
        raise RetryJob(f"{host} answered {status}")
    # 410 and every other 4xx: this inbox will never take this activity.
    raise DiscardJob(f"{inbox} answered {status}; not retried")
