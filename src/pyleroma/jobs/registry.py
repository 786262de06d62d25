"""Job kinds: a name, the coroutine that does the work, and its retry policy.

A job row stores only the kind's name and JSON arguments, so a kind must be registered in
every process that runs jobs before its runner starts. Built-in kinds live in one module
each under ``pyleroma.jobs`` and register at import; ``JOB_MODULES`` lists them and
``load_job_modules`` imports them all (the runner calls it when it starts). Tests register
their own kinds from test modules, never from ``src``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from pyleroma.settings import Settings

# Modules defining built-in job kinds (fan-out, scheduled statuses, poll ends, ...); each
# calls ``register`` at import. Add a module here when you add a kind.
JOB_MODULES: tuple[str, ...] = (
    "pyleroma.jobs.poll_jobs",
    "pyleroma.jobs.thread_mute_jobs",
    "pyleroma.jobs.status_jobs",
    "pyleroma.jobs.timeline_jobs",
    "pyleroma.jobs.media_jobs",
    "pyleroma.jobs.push_jobs",
    "pyleroma.jobs.deliver_jobs",
    "pyleroma.jobs.receive_jobs",
    "pyleroma.jobs.instance_info_jobs",
    "pyleroma.jobs.featured_jobs",
    "pyleroma.jobs.backfill_jobs",
    "pyleroma.jobs.move_jobs",
    "pyleroma.jobs.mail_jobs",
    "pyleroma.jobs.backup_jobs",
    "pyleroma.jobs.account_deletion_jobs",
    "pyleroma.jobs.import_jobs",
    "pyleroma.jobs.history_import_jobs",
    "pyleroma.jobs.card_jobs",
    "pyleroma.jobs.instance_purge_jobs",
)


class DiscardJob(Exception):  # noqa: N818  (a command to the runner, not an error)
    """Raised by a handler: the job can never succeed (say, the object is gone); no retry."""


class DeferJob(Exception):  # noqa: N818
    """Raised by a handler before it tried anything: not now, run again in ``delay``
    seconds. The attempt does not count (a delivery to a host that does not answer and
    already has one under way: jobs/deliver_jobs.py)."""

    def __init__(self, reason: str, delay: float):
        super().__init__(reason)
        self.delay = max(0.0, delay)


class RetryJob(Exception):  # noqa: N818
    """Raised by a handler: try again later (after ``delay`` seconds, or the usual backoff).

    The attempt still counts towards ``max_attempts``, so a job can't snooze forever.
    """

    def __init__(self, reason: str = "retry requested", delay: float | None = None):
        super().__init__(reason)
        self.delay = delay


@dataclasses.dataclass
class JobContext:
    """What a handler gets: the job's fields and a session whose transaction the runner owns.

    Write the job's database effects through ``session`` and do NOT commit it: the runner
    marks the job completed in the same transaction and commits both together, which is what
    makes a DB-only job's effect happen exactly once. Work that needs its own transactions
    (a long import committing in batches) may open sessions from ``sessionmaker``.

    For a kind registered with ``batch_outcomes=True`` the runner rolls ``session`` back
    instead: use it for reads only and write through sessions of your own. Such a kind's
    session is opened on first use, so a handler that reads nothing costs none.
    """

    job_id: int
    kind: str
    args: dict
    queue: str
    attempt: int
    max_attempts: int
    scheduled_at: dt.datetime
    worker_id: str
    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings
    opened_session: AsyncSession | None = dataclasses.field(default=None, repr=False)

    @property
    def session(self) -> AsyncSession:
        if self.opened_session is None:
            self.opened_session = self.sessionmaker()
        return self.opened_session


Handler = Callable[[JobContext], Awaitable[Any]]
Backoff = Callable[[int], float]


@dataclasses.dataclass(frozen=True)
class JobKind:
    """A registered kind. ``None`` policies fall back to the job_* settings.

    ``batch_outcomes``: the runner does not commit per job; it buffers the outcome and
    writes many in one transaction (jobs/outcomes.py). Only for handlers whose database
    writes happen in sessions of their own and whose completion may be at-least-once.
    """

    name: str
    handler: Handler
    queue: str = "default"
    max_attempts: int | None = None
    timeout: float | None = None
    backoff: Backoff | None = None
    batch_outcomes: bool = False


_KINDS: dict[str, JobKind] = {}


def register(
    name: str,
    *,
    queue: str = "default",
    max_attempts: int | None = None,
    timeout: float | None = None,
    backoff: Backoff | None = None,
    batch_outcomes: bool = False,
) -> Callable[[Handler], Handler]:
    """Decorator registering ``handler`` for jobs of kind ``name``.

    ``queue`` is the default queue for ``enqueue`` of this kind, ``backoff(attempt)`` returns
    the seconds to wait before retrying after failed attempt number ``attempt`` (1-based).
    ``batch_outcomes=True`` trades the per-job commit (and exactly-once completion) for
    throughput: see ``JobKind`` and docs/jobs.md. Registering a name twice replaces the
    handler (module reloads in development).
    """
    if not name or len(name) > 100:
        raise ValueError("a job kind needs a name of 1 to 100 characters")

    def decorator(handler: Handler) -> Handler:
        _KINDS[name] = JobKind(name, handler, queue, max_attempts, timeout, backoff, batch_outcomes)
        return handler

    return decorator


def unregister(name: str) -> None:
    _KINDS.pop(name, None)


def get_kind(name: str) -> JobKind | None:
    return _KINDS.get(name)


def registered_kinds() -> list[str]:
    return sorted(_KINDS)


def load_job_modules() -> None:
    """Import every built-in job module so their kinds are registered in this process."""
    for module in JOB_MODULES:
        import_module(module)
