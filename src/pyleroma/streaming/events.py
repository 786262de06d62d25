"""Streaming events published after commit: ``emit`` in the transaction that causes them.

An event is a small JSON-able dict (ids, never rendered entities: each viewer gets its own
rendering at dispatch time). It rides on the session until the transaction ends: on commit
the list goes to the stream hub found in ``session.info["stream_hub"]`` (set where the
sessionmaker is made); on rollback it is dropped, so a client never hears of a change that
did not happen. A session without a hub (CLI, tests that don't stream) drops its events.

Event types (``type`` key) and their fields are listed in docs/api/streaming.md.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("pyleroma.streaming")

HUB_KEY = "stream_hub"
_PENDING = "pyleroma.streaming.pending"
_HOOKED = "pyleroma.streaming.hooked"


def _after_commit(sync_session) -> None:
    """The outermost transaction committed: everything still pending goes out."""
    pending = sync_session.info.pop(_PENDING, None)
    if not pending:
        return
    hub = sync_session.info.get(HUB_KEY)
    if hub is None:
        return
    try:
        hub.publish([event for _, event in pending])
    except Exception:  # a broken hub must never fail the request that committed
        log.exception("publishing %d stream events failed", len(pending))


def _within(transaction, ancestor) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def _after_soft_rollback(sync_session, previous_transaction) -> None:
    """A savepoint rolled back: drop what was emitted inside it (the rest may commit)."""
    pending = sync_session.info.get(_PENDING)
    if pending:
        pending[:] = [(t, e) for t, e in pending if not _within(t, previous_transaction)]


def _after_transaction_end(sync_session, transaction) -> None:
    """The outermost transaction ended: whatever did not go out with a commit never will
    (rolled back, or the session closed)."""
    if transaction.parent is None:
        sync_session.info.pop(_PENDING, None)


def emit(session: AsyncSession, event: dict[str, Any]) -> None:
    """Queue ``event`` to be published when ``session``'s transaction commits.

    Cheap and synchronous: safe to call anywhere inside a service. Without a hub on the
    session nothing is kept at all. An event emitted inside a savepoint that rolls back is
    dropped with it. Called before any statement ran, it begins the session's transaction
    (so call it inside ``session.begin()`` blocks, not before them).
    """
    sync = session.sync_session
    if sync.info.get(HUB_KEY) is None:
        return
    if not sync.in_transaction():
        sync.begin()
    transaction = sync.get_nested_transaction() or sync.get_transaction()
    sync.info.setdefault(_PENDING, []).append((transaction, event))
    if not sync.info.get(_HOOKED):
        sync.info[_HOOKED] = True
        sa_event.listen(sync, "after_commit", _after_commit)
        sa_event.listen(sync, "after_soft_rollback", _after_soft_rollback)
        sa_event.listen(sync, "after_transaction_end", _after_transaction_end)
