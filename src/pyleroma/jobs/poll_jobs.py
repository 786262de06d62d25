"""Job kind "poll.end": when a poll closes, tell its author and its voters, once.

Posting a status with a poll enqueues this job with ``run_at=expires_at`` and
``unique_key=f"poll.end:{poll_id}"``. The notifications and the poll's ``ended_notified``
mark are written in the job's own transaction, and the mark is set by a conditional UPDATE,
so a rerun (after a crash, or a duplicate job) sends nothing more.
"""

from __future__ import annotations

from pyleroma.db.ids import parse_id
from pyleroma.jobs.registry import DiscardJob, JobContext, RetryJob, register
from pyleroma.services.statuses.poll_votes import PollNotEnded, notify_poll_ended

POLL_END_JOB = "poll.end"


@register(POLL_END_JOB)
async def end_poll(ctx: JobContext) -> None:
    poll_id = parse_id(ctx.args.get("poll_id"))
    if poll_id is None:
        raise DiscardJob("poll.end needs a poll_id")
    try:
        sent = await notify_poll_ended(ctx.session, poll_id)
    except PollNotEnded as early:
        # The expiry moved later (an edit): come back when the poll really ends.
        raise RetryJob("poll not ended yet", delay=early.seconds_left + 1) from early
    if sent is None:
        raise DiscardJob("the poll is gone (its status was deleted)")
