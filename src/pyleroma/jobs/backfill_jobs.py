"""Job kinds of the backfill (federation/backfill.py; when: federation/backfill_triggers.py):

- "federation.backfill_account" ``{"account_id"}``: a remote account's pins and newest posts;
- "federation.backfill_thread" ``{"status_id"}``: the thread's missing ancestors and the
  replies its posts' ``replies`` collections list;
- "federation.backfill_hold" ``{}``: does nothing. A finished backfill hands its unique key
  to a hold scheduled ``backfill_*_interval_seconds`` later, so that the same account or
  thread is not backfilled again before then (the key is taken meanwhile).

The walk commits each post it stores in a session of its own; the job's own transaction
only swaps its key for the hold, so a walk that fails halfway keeps what it stored and
the next one skips it. A job whose host another backfill of this process is using (or
used within ``backfill_host_interval_seconds``) is deferred without counting an attempt.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import update

from pyleroma.db.base import utcnow
from pyleroma.db.ids import parse_id
from pyleroma.federation import backfill
from pyleroma.federation.backfill_triggers import (
    ACCOUNT_JOB,
    HOLD_JOB,
    THREAD_JOB,
    account_key,
    thread_key,
)
from pyleroma.federation.fetch import authority
from pyleroma.jobs.queue import enqueue
from pyleroma.jobs.registry import DeferJob, DiscardJob, JobContext, register
from pyleroma.models import Account, Job, Status

log = logging.getLogger("pyleroma.federation")


async def _hold(ctx: JobContext, key: str, seconds: float) -> None:
    """Give this job's unique key to a hold job due in ``seconds`` (the key is released
    from this job first: a key belongs to one pending job)."""
    await ctx.session.execute(
        update(Job).where(Job.id == ctx.job_id).values(unique_key=None),
        execution_options={"synchronize_session": False},
    )
    if seconds > 0:
        run_at = utcnow() + dt.timedelta(seconds=seconds)
        await enqueue(ctx.session, HOLD_JOB, {}, run_at=run_at, unique_key=key)


async def _read(ctx: JobContext, model, ident):
    async with ctx.sessionmaker() as session:
        return await session.get(model, ident) if ident else None


def _defer_unless_free(walk: backfill.Walk, host: str) -> None:
    wait = walk.claim(host)
    if wait > 0:
        raise DeferJob(f"a backfill from {host} ran or is running", wait)


@register(ACCOUNT_JOB, max_attempts=2)
async def backfill_account(ctx: JobContext) -> None:
    settings = ctx.settings
    account = await _read(ctx, Account, parse_id(ctx.args.get("account_id")))
    if account is None or account.local:
        raise DiscardJob("federation.backfill_account needs a remote account")
    walk = backfill.Walk.start(
        ctx.sessionmaker,
        settings,
        ctx.job_id,
        seconds=settings.backfill_account_seconds,
        posts=settings.backfill_outbox_posts,
        pages=backfill.PAGES_PER_COLLECTION + 1,
    )
    try:
        _defer_unless_free(walk, authority(account.ap_id))
        figures = await backfill.backfill_account(walk, account.id)
    finally:
        walk.release()
    log.info(
        "backfilled %s: %s (%d post and %d page fetches)",
        account.ap_id,
        figures,
        walk.fetched_posts,
        walk.fetched_pages,
    )
    await _hold(ctx, account_key(account.id), settings.backfill_account_interval_seconds)


@register(THREAD_JOB, max_attempts=2)
async def backfill_thread(ctx: JobContext) -> None:
    settings = ctx.settings
    status = await _read(ctx, Status, parse_id(ctx.args.get("status_id")))
    if status is None:
        raise DiscardJob("the status is gone")
    walk = backfill.Walk.start(
        ctx.sessionmaker,
        settings,
        ctx.job_id,
        seconds=settings.backfill_thread_seconds,
        posts=settings.backfill_thread_max_posts,
        pages=settings.backfill_thread_max_posts,
    )
    try:
        if not status.local and status.uri:
            _defer_unless_free(walk, authority(status.uri))
        figures = await backfill.backfill_thread(walk, status.id)
    finally:
        walk.release()
    log.info(
        "backfilled the thread of %s: %s (%d post and %d page fetches, busy hosts skipped: %s)",
        status.uri or status.id,
        figures,
        walk.fetched_posts,
        walk.fetched_pages,
        sorted(walk.skipped_hosts),
    )
    key = thread_key(status.conversation_id or status.id)
    await _hold(ctx, key, settings.backfill_thread_interval_seconds)


@register(HOLD_JOB, max_attempts=1)
async def hold(ctx: JobContext) -> None:
    """Nothing: its end releases the key it held (see the module docstring)."""
