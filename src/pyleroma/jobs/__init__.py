"""Durable jobs: rows in the app's database, written with the change that needs them.

``enqueue`` adds a job to the caller's transaction; ``JobRunner`` claims and runs due jobs
(in the web process, or in ``pyleroma worker`` processes sharing PostgreSQL); ``register``
binds a kind's name to its handler. docs/jobs.md explains the guarantees.
"""

from pyleroma.jobs.queue import enqueue, notify, queue_stats
from pyleroma.jobs.registry import DeferJob, DiscardJob, JobContext, RetryJob, register
from pyleroma.jobs.runner import JobRunner

__all__ = [
    "DeferJob",
    "DiscardJob",
    "JobContext",
    "JobRunner",
    "RetryJob",
    "enqueue",
    "notify",
    "queue_stats",
    "register",
]
