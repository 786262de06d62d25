"""Pleroma's subscriptions: be notified of every status an account posts, following or not.

``POST /api/v1/pleroma/accounts/:id/subscribe`` stores an ``AccountSubscription``; the
fan-out of each new status (services/timelines/home_fanout.py) then gives every subscriber
who may see it a "status" notification, as recent Pleroma and Akkoma do. Mastodon's follow
option ``notify`` is the same thing seen from a Mastodon client (Pleroma implements it with
subscriptions): the Relationship's ``subscribing`` and ``notifying`` are both "subscribed
or following with notify", and turning either off turns both off (``unsubscribe`` clears
the follow's ``notify``; following with ``notify=false`` drops the subscription). Both
feed one notification path, so nobody is notified twice about a status.

Who is notified (``SUBSCRIBED``): local, active subscribers who may see the status
(visibility: a followers-only post reaches only subscribers who follow), who do not block
the author nor are blocked by it, and who do not mute the author or the thread. A block
either way ends the subscriptions between the two accounts (activities/handlers/relations.py).

This module must not import the follow verbs (services/relations/follows.py imports the
activity pipeline, whose block handler imports this module).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, bindparam, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pyleroma.db.fastread import Prepared
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.errors import Forbidden
from pyleroma.models import Account, AccountSubscription, Block, Follow, Notification, Status
from pyleroma.policy.visibility import not_blocked_filter, not_muted_filter, visible_filter
from pyleroma.services.timelines.prepared_pages import NOW

_STATUS_ID = bindparam("status_id", type_=BigInteger)
_AUTHOR_ID = bindparam("author_id", type_=BigInteger)
_SUBSCRIBER = aliased(Account, name="subscriber")
_SUBSCRIBER_ID = AccountSubscription.account_id

# Subscribers to the author who should hear of the status and have no notification about
# it yet (a mention, or a run of this job before a crash, already is one).
SUBSCRIBED = Prepared(
    select(_SUBSCRIBER_ID)
    .join(_SUBSCRIBER, _SUBSCRIBER.id == _SUBSCRIBER_ID)
    .join(Status, Status.id == _STATUS_ID)
    .where(
        AccountSubscription.target_id == _AUTHOR_ID,
        _SUBSCRIBER.local.is_(True),
        _SUBSCRIBER.is_active.is_(True),
        visible_filter(_SUBSCRIBER_ID, Status),
        not_blocked_filter(_SUBSCRIBER_ID, Status),
        not_muted_filter(_SUBSCRIBER_ID, Status, now=NOW),
        ~exists().where(
            Notification.account_id == _SUBSCRIBER_ID, Notification.status_id == Status.id
        ),
    )
)


async def subscribe(session: AsyncSession, subscriber: Account, target: Account) -> None:
    """Subscribe ``subscriber`` to ``target``'s statuses (again: a no-op). Commits.

    Refused for oneself and when ``target`` blocks ``subscriber`` (Pleroma's message);
    Pleroma answers every refusal of this endpoint with a 403.
    """
    if subscriber.id == target.id:
        raise Forbidden("Can not subscribe to yourself")
    blocked = await session.scalar(
        select(exists().where(Block.account_id == target.id, Block.target_id == subscriber.id))
    )
    if blocked:
        raise Forbidden(f"Could not subscribe: {target.nickname} is blocking you")
    await insert_or_ignore(
        session,
        AccountSubscription,
        {"account_id": subscriber.id, "target_id": target.id},
        ("account_id", "target_id"),
    )
    await session.commit()


async def unsubscribe(session: AsyncSession, subscriber: Account, target: Account) -> None:
    """Stop ``subscriber``'s notifications about ``target``'s statuses, whichever way they
    were asked for (subscription or Mastodon's follow ``notify``); idempotent. Commits."""
    await drop(session, subscriber.id, target.id)
    await session.execute(
        update(Follow)
        .where(
            Follow.follower_id == subscriber.id,
            Follow.followed_id == target.id,
            Follow.notify.is_(True),
        )
        .values(notify=False)
        .execution_options(synchronize_session=False)
    )
    await session.commit()


async def drop(session: AsyncSession, subscriber_id: int, target_id: int) -> None:
    """Delete the subscription of ``subscriber_id`` to ``target_id`` if there is one."""
    await session.execute(
        delete(AccountSubscription).where(
            AccountSubscription.account_id == subscriber_id,
            AccountSubscription.target_id == target_id,
        )
    )


async def drop_between(session: AsyncSession, one_id: int, other_id: int) -> None:
    """Delete the subscriptions between two accounts, both ways (a block severs them)."""
    await session.execute(
        delete(AccountSubscription).where(
            or_(
                (AccountSubscription.account_id == one_id)
                & (AccountSubscription.target_id == other_id),
                (AccountSubscription.account_id == other_id)
                & (AccountSubscription.target_id == one_id),
            )
        )
    )
