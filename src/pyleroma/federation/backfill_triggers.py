"""When to backfill, and the jobs that do it (federation/backfill.py walks, jobs/backfill_jobs.py
runs them); kept free of heavy imports so that API routes and pipeline handlers can ask.

A backfill is asked for only on behalf of a signed-in local user (an anonymous reader
could otherwise make us fetch from any server at will): opening a remote account
(``GET /api/v1/accounts/:id`` and its statuses), following one, or opening a thread that
holds remote posts (``GET /api/v1/statuses/:id/context``).

At most one job per account and per thread: the job's ``unique_key`` is the account's (the
thread's) and, when the job ends, a do-nothing "hold" job takes the same key until the
interval has passed (``backfill_account_interval_seconds``,
``backfill_thread_interval_seconds``): any request in between finds the key taken and
adds nothing. So the database remembers when each backfill last ran without a column of
its own, and every process of the instance sees it. ``RecentTriggers`` spares the database
even that look: a process asks for the same key at most once a minute.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.jobs.queue import enqueue
from pyleroma.settings import Settings

ACCOUNT_JOB = "federation.backfill_account"
THREAD_JOB = "federation.backfill_thread"
HOLD_JOB = "federation.backfill_hold"

# How long a process remembers it asked for a key (the hold job does the real spacing).
RECENT_SECONDS = 60.0
RECENT_MAX = 10_000


def account_key(account_id: int) -> str:
    return f"{ACCOUNT_JOB}:{account_id}"


def thread_key(conversation_id: int) -> str:
    return f"{THREAD_JOB}:{conversation_id}"


def _on(settings: Settings) -> bool:
    from pyleroma.services.instance.features import federates

    return settings.backfill_enabled and federates(settings)


def account_wanted(settings: Settings, viewer, account) -> bool:
    """Whether ``viewer`` opening (or following) ``account`` asks for its backfill: a
    signed-in local viewer, a remote account that is not suspended or deleted."""
    return (
        _on(settings)
        and viewer is not None
        and viewer.local
        and account is not None
        and not account.local
        and bool(account.ap_id)
        and account.is_active
        and (bool(account.outbox) or bool(account.featured_url))
    )


def thread_wanted(settings: Settings, viewer, statuses) -> bool:
    """Whether ``viewer`` opening a thread of ``statuses`` asks for its backfill: a
    signed-in local viewer, and at least one remote post in it."""
    return (
        _on(settings)
        and viewer is not None
        and viewer.local
        and any(not status.local for status in statuses)
    )


def account_job(account_id: int) -> tuple[str, dict, str]:
    """(kind, args, unique key) of an account's backfill."""
    return ACCOUNT_JOB, {"account_id": account_id}, account_key(account_id)


def thread_job(status) -> tuple[str, dict, str]:
    """(kind, args, unique key) of the backfill of ``status``'s thread (one per thread:
    every post of a thread shares its ``conversation_id``)."""
    return THREAD_JOB, {"status_id": status.id}, thread_key(status.conversation_id or status.id)


async def enqueue_backfill(session: AsyncSession, job: tuple[str, dict, str]) -> int:
    """Add the job in the caller's transaction unless its key is taken (a pending run, or
    the hold of a recent one)."""
    kind, args, key = job
    return await enqueue(session, kind, args, unique_key=key)


class RecentTriggers:
    """The keys this process asked for lately (bounded), so that a profile opened again
    and again costs no write at all."""

    def __init__(self, seconds: float = RECENT_SECONDS, size: int = RECENT_MAX):
        self.seconds = seconds
        self.size = size
        self._until: OrderedDict[str, float] = OrderedDict()

    def first_ask(self, key: str) -> bool:
        """True once per key per ``seconds`` (then remembered), False in between."""
        now = time.monotonic()
        until = self._until.get(key)
        if until is not None and until > now:
            return False
        self._until[key] = now + self.seconds
        self._until.move_to_end(key)
        while len(self._until) > self.size:
            self._until.popitem(last=False)
        return True

    def clear(self) -> None:
        self._until.clear()
