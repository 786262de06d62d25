"""The backfill trigger of the client API routes (federation/backfill_triggers.py says when).

A route takes ``backfill: BackfillTrigger = Depends(backfill_trigger)`` and calls
``backfill.account(viewer, account)`` or ``backfill.thread(viewer, statuses)``. Nothing
happens during the request: the job is written after the response is sent (a Starlette
background task, in a session of its own), so the answer never waits for it, and a failure
to write it is only logged. Anonymous requests never ask.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from fastapi import BackgroundTasks, Request

from pyleroma.federation.backfill_triggers import (
    RecentTriggers,
    account_job,
    account_wanted,
    enqueue_backfill,
    thread_job,
    thread_wanted,
)

log = logging.getLogger("pyleroma.federation")


class BackfillTrigger:
    def __init__(self, request: Request, background: BackgroundTasks):
        state = request.app.state
        self._settings = state.settings
        self._sessionmaker = state.sessionmaker
        self._background = background
        recent = getattr(state, "backfill_recent", None)
        if recent is None:
            recent = state.backfill_recent = RecentTriggers()
        self._recent: RecentTriggers = recent

    def account(self, viewer, account) -> None:
        """``viewer`` opened the remote ``account``: backfill it (if due)."""
        if account_wanted(self._settings, viewer, account):
            self._ask(account_job(account.id))

    def thread(self, viewer, status, others: Iterable = ()) -> None:
        """``viewer`` opened ``status`` with its thread ``others``: backfill the thread."""
        if thread_wanted(self._settings, viewer, [status, *others]):
            self._ask(thread_job(status))

    def _ask(self, job) -> None:
        if self._recent.first_ask(job[2]):
            self._background.add_task(_write, self._sessionmaker, job)


async def _write(sessionmaker, job) -> None:
    try:
        async with sessionmaker() as session:
            await enqueue_backfill(session, job)
            await session.commit()
    except Exception:  # the reader has their answer; a lost backfill is asked for again
        log.warning("could not enqueue %s", job[0], exc_info=True)


async def backfill_trigger(request: Request, background: BackgroundTasks) -> BackfillTrigger:
    return BackfillTrigger(request, background)
