"""What ``POST /api/v1/statuses`` does with a draft: post it, schedule it, or give back the
status an earlier request with the same ``Idempotency-Key`` made.

Idempotency: a client that retries a post (a timeout, a double tap) sends the same key; the
first request to reach the database inserts the (account, key) row, a concurrent twin
waits on that row's unique index and then finds it, so exactly one status is made. Keys are
remembered for ``idempotency_key_ttl`` seconds (Pleroma keeps them six hours); an expired
key, or one whose status was since deleted, starts afresh. The key row is inserted before
anything else is written, and in the same transaction, so a request that fails leaves no
key behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.models import Account, IdempotencyKey, OAuthApp, ScheduledStatus, Status
from pyleroma.services.statuses.posting import StatusDraft, post_status
from pyleroma.services.statuses.scheduled import far_enough, schedule_status
from pyleroma.settings import Settings

KEY_LENGTH = 255


def _stored_key(key: str) -> str:
    """Keys longer than the column are stored as their digest (still unique in practice)."""
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


async def claim_key(
    session: AsyncSession, settings: Settings, account: Account, key: str
) -> tuple[IdempotencyKey, Status | ScheduledStatus | None]:
    """The key's row for this account, and what an earlier request made with it (or None).

    When None, the row is fresh and belongs to this request: record the result in it.
    """
    stored = _stored_key(key)
    now = utcnow()
    await insert_or_ignore(
        session,
        IdempotencyKey,
        {"id": new_id(), "account_id": account.id, "key": stored, "created_at": now},
        ["account_id", "key"],
    )
    row = await session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.account_id == account.id, IdempotencyKey.key == stored
        )
    )
    assert row is not None
    fresh = row.created_at > now - dt.timedelta(seconds=settings.idempotency_key_ttl)
    earlier: Status | ScheduledStatus | None = None
    if fresh and row.status_id is not None:
        earlier = await session.get(Status, row.status_id)
    elif fresh and row.scheduled_status_id is not None:
        earlier = await session.get(ScheduledStatus, row.scheduled_status_id)
    if earlier is None:
        row.created_at = now
        row.status_id = None
        row.scheduled_status_id = None
    return row, earlier


async def submit_status(
    session: AsyncSession,
    settings: Settings,
    author: Account,
    draft: StatusDraft,
    *,
    app: OAuthApp | None = None,
    scheduled_at: dt.datetime | None = None,
    idempotency_key: str | None = None,
) -> Status | ScheduledStatus:
    """Post (or schedule) ``draft`` once per idempotency key, and commit.

    A ``scheduled_at`` less than five minutes ahead posts at once, as Pleroma does.
    """
    key_row = None
    if idempotency_key:
        key_row, earlier = await claim_key(session, settings, author, idempotency_key)
        if earlier is not None:
            await session.commit()
            return earlier
    result: Status | ScheduledStatus
    if scheduled_at is not None and far_enough(scheduled_at):
        result = await schedule_status(session, settings, author, draft, scheduled_at, app=app)
        if key_row is not None:
            key_row.scheduled_status_id = result.id
    else:
        result = await post_status(session, settings, author, draft, app=app)
        if key_row is not None:
            key_row.status_id = result.id
    await session.commit()
    return result
