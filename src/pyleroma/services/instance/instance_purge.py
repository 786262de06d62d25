"""Deleting a remote instance's accounts and everything they posted (``DELETE
/api/pleroma/admin/instances/:instance``, Pleroma's ``Instance.delete_users_and_activities``).

The request (``start_purge``) deactivates every account of the instance at once, in one
statement: from its commit on, their statuses are hidden everywhere (visibility requires an
active author) and their activities are refused. The content goes in a job, as Pleroma's
DeleteWorker does, one short transaction at a time (``purge_step``, called by
jobs/instance_purge_jobs.py): an account's statuses and media a batch at a time
(services/accounts/account_removal.py), then the account itself as a remote account that
deleted itself (activities/handlers/remote_deletes.py: follows both ways, favourites), with
an Undo of each local follow of it sent to the instance first, as Pleroma unfollows. The
rows stay, deactivated, so their names and keys are never taken over.

The instance is not blocked: what it sends later is accepted again from new accounts. A
simple-policy reject (MRF) keeps it away.

The request is logged ``instance_delete`` (``target``: the host) in its transaction, as
pyleroma logs it where Pleroma does not; the job's rounds are not logged.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.jobs.queue import enqueue
from pyleroma.models import Account, Follow
from pyleroma.services.accounts import account_removal
from pyleroma.services.moderation.moderation_log import log_action
from pyleroma.settings import Settings

log = logging.getLogger("pyleroma.instances")

PURGE_JOB = "instances.purge"
# Statuses (or, once none is left, media) of one account removed per round.
BATCH = account_removal.BATCH


def normalize_host(instance: str) -> str:
    """An instance as ``Account.domain`` holds it: ``host[:port]``, lower case."""
    return instance.strip().lower()


def _accounts_of(host: str):
    return (Account.domain == host) & Account.local.is_(False)


async def start_purge(session: AsyncSession, actor: Account, host: str) -> int:
    """Deactivate the instance's accounts and queue the job that removes them; how many
    accounts it has (none: no job, the request is logged all the same). The caller
    commits."""
    host = normalize_host(host)
    await log_action(session, actor, "instance_delete", target=host)
    ids = list(await session.scalars(select(Account.id).where(_accounts_of(host))))
    if not ids:
        return 0
    await session.execute(
        update(Account)
        .where(_accounts_of(host))
        .values(is_active=False)
        .execution_options(synchronize_session="fetch")
    )
    await enqueue(
        session, PURGE_JOB, {"host": host, "after_id": 0, "round": 0}, unique_key=_key(host, 0)
    )
    return len(ids)


def _key(host: str, round_: int) -> str:
    return f"{PURGE_JOB}:{host}:{round_}"


async def purge_step(
    session: AsyncSession, settings: Settings, host: str, after_id: int, round_: int
) -> bool:
    """One round of the purge: a batch of the first account (by id, after ``after_id``)
    still holding content, or that account's own removal once it holds none. Queues the
    next round in the same transaction; False when nothing was left to do."""
    host = normalize_host(host)
    account = await session.scalar(
        select(Account)
        .where(_accounts_of(host), Account.id > after_id)
        .order_by(Account.id)
        .limit(1)
    )
    if account is None:
        log.info("instance %s purged", host)
        return False
    removed = await account_removal.remove_batch(session, settings, account, BATCH)
    if not removed:
        await _remove_account(session, settings, account)
        after_id = account.id
    args = {"host": host, "after_id": after_id, "round": round_ + 1}
    await enqueue(session, PURGE_JOB, args, unique_key=_key(host, round_ + 1))
    return True


async def _remove_account(session: AsyncSession, settings: Settings, account: Account) -> None:
    """Unfollow the account from every local follower (an Undo each, delivered to the
    instance), then remove it as a remote account that deleted itself."""
    from pyleroma.activities import pipeline
    from pyleroma.activities.build import build_undo_of
    from pyleroma.activities.context import PipelineContext
    from pyleroma.activities.handlers.remote_deletes import delete_remote_account
    from pyleroma.streaming.events import emit

    ctx = PipelineContext(session, settings)
    followers = await session.scalars(
        select(Account)
        .join(Follow, Follow.follower_id == Account.id)
        .where(Follow.followed_id == account.id, Account.local.is_(True))
    )
    for follower in list(followers):
        undo = build_undo_of(settings, "Follow", follower, account)
        await pipeline.run(ctx, undo, commit=False)
    effects = await delete_remote_account(ctx, account)
    for kind, args, options in effects.jobs:
        await enqueue(session, kind, args, **options)
    for event in effects.events:
        emit(session, event)
    account.statuses_count = 0
