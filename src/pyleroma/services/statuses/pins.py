"""Pinning one's own statuses to the profile, up to ``settings.max_pinned_statuses``.

Pleroma's rules and messages: only the author's own posts, only posts anyone may read
(public, unlisted or local; a followers-only or direct post would leak through the profile's
featured collection), and at most the configured number. Pinning twice is harmless.
A pin and an unpin are sent to the followers' servers as an Add / Remove on the account's
featured collection (Mastodon's and Pleroma's), unless the post is local-only.
The limit is checked under a lock on the author's account row (PostgreSQL), and SQLite
serialises writers, so two concurrent pins can't both slip under the limit.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import new_id
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.errors import BadRequest, Unprocessable
from pyleroma.jobs.queue import enqueue
from pyleroma.models import Account, Status, StatusPin
from pyleroma.policy.visibility import OPEN_VISIBILITIES
from pyleroma.services.statuses.posting import expiry_job
from pyleroma.settings import Settings

LIMIT_REACHED = "You have already pinned the maximum number of statuses"


def check_pinnable(actor: Account, status: Status) -> None:
    if status.account_id != actor.id or status.reblog_of_id is not None:
        raise Unprocessable("Someone else's status cannot be pinned")
    if status.visibility not in OPEN_VISIBILITIES:
        raise Unprocessable("Non-public status cannot be pinned")


async def _is_pinned(session: AsyncSession, actor: Account, status: Status) -> bool:
    found = await session.scalar(
        select(StatusPin.id).where(
            StatusPin.account_id == actor.id, StatusPin.status_id == status.id
        )
    )
    return found is not None


async def pin(session: AsyncSession, settings: Settings, actor: Account, status: Status) -> None:
    """Pin ``status`` to ``actor``'s profile. Commits.

    Over the limit is Pleroma's 400 with its message (Pleroma answers it through its generic
    error path; clients show the message).
    """
    check_pinnable(actor, status)
    # Take the account row's write lock first: a no-op UPDATE locks the row on PostgreSQL
    # and starts SQLite's write transaction, so the count below can't go stale.
    await session.execute(
        update(Account)
        .where(Account.id == actor.id)
        .values(statuses_count=Account.statuses_count)
        .execution_options(synchronize_session=False)
    )
    if await _is_pinned(session, actor, status):
        await session.commit()
        return
    pinned = await session.scalar(
        select(func.count()).select_from(StatusPin).where(StatusPin.account_id == actor.id)
    )
    if pinned >= settings.max_pinned_statuses:
        await session.rollback()
        raise BadRequest(LIMIT_REACHED)
    await insert_or_ignore(
        session,
        StatusPin,
        {"id": new_id(), "account_id": actor.id, "status_id": status.id},
        ("account_id", "status_id"),
    )
    await _federate(session, settings, actor, status, "Add")
    await session.commit()


async def _federate(
    session: AsyncSession, settings: Settings, actor: Account, status: Status, kind: str
) -> None:
    """Deliver an Add (pin) or Remove (unpin) of the post on the actor's featured collection
    to its followers, in the transaction of the change (receivers fetch nothing: the post
    is named by id, the collection is the actor's own)."""
    from pyleroma.activities.activity import Activity
    from pyleroma.activities.effects import Delivery
    from pyleroma.activities.normalize_objects import PUBLIC
    from pyleroma.federation.delivery import enqueue_deliveries
    from pyleroma.federation.to_as import AS_CONTEXT
    from pyleroma.federation.to_as_actor import actor_urls

    if status.visibility == "local" or not status.local:
        return
    urls = actor_urls(settings, actor)
    document = {
        "@context": AS_CONTEXT,
        "id": f"{actor.ap_id}#{kind.lower()}s/{new_id()}",
        "type": kind,
        "actor": actor.ap_id,
        "object": status.uri,
        "target": urls["featured_url"],
        "to": [PUBLIC],
        "cc": [urls["followers_url"]],
    }
    activity = Activity(kind, actor, status, id=document["id"], local=True)
    delivery = Delivery([], to_followers=True, activity=document)
    await enqueue_deliveries(session, settings, activity, [delivery])


async def unpin(session: AsyncSession, settings: Settings, actor: Account, status: Status) -> None:
    """Unpin ``status``; unpinning what isn't pinned is harmless. Commits.

    A pinned expiring post is kept past its expiry (the "status.expire" job skips pinned
    statuses, as Pleroma drops the expiry on pin); unpinning brings the expiry back, as
    Pleroma reschedules it, so a post whose time has passed goes right away.
    """
    if status.account_id != actor.id or status.reblog_of_id is not None:
        raise Unprocessable("Someone else's status cannot be unpinned")
    deleted = await session.execute(
        delete(StatusPin)
        .where(StatusPin.account_id == actor.id, StatusPin.status_id == status.id)
        .returning(StatusPin.id)
    )
    if deleted.first() is not None:
        if (expiry := expiry_job(status)) is not None:
            await enqueue(session, **expiry)
        await _federate(session, settings, actor, status, "Remove")
    await session.commit()
