"""Job kind "thread_mute.expire": lift a thread mute made with ``expires_in``.

The job names the mute row it was made for, so unmuting and muting the thread again (without
an expiry) is not undone by the old job.
"""

from __future__ import annotations

from pyleroma.db.ids import parse_id
from pyleroma.jobs.registry import DiscardJob, JobContext, register
from pyleroma.services.statuses.thread_mutes import EXPIRE_JOB, expire_mute


@register(EXPIRE_JOB)
async def expire_thread_mute(ctx: JobContext) -> None:
    mute_id = parse_id(ctx.args.get("mute_id"))
    if mute_id is None:
        raise DiscardJob("thread_mute.expire needs a mute_id")
    await expire_mute(ctx.session, mute_id)
