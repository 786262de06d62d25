"""Database errors that say "try again", not "this work is wrong".

PostgreSQL aborts one of two transactions that wait on each other (deadlock, SQLSTATE
40P01) or that cannot be serialized (40001); SQLite answers "database is locked" when a
writer outwaits the busy timeout. The same work run again a moment later usually succeeds,
so the job runner retries such a job at once instead of after its backoff (a receive that
lost a deadlock waited 16 s before, with the activity it carried unapplied meanwhile).
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def is_transient_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` is a deadlock, a serialization failure or a locked SQLite database."""
    if not isinstance(exc, DBAPIError):
        return False
    original = exc.orig
    if getattr(original, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    text = str(original).lower()
    return "deadlock detected" in text or "database is locked" in text
