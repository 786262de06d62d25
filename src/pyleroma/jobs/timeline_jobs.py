"""Home timeline jobs: deliver a new status or boost ("timeline.fanout") and copy a newly
followed account's recent statuses into the follower's home ("timeline.backfill").

Both only write home entries (and "status" notifications) in the runner's transaction and
are idempotent, so a retry after a crash delivers nothing twice. A status deleted before
its fan-out ran simply has nothing to deliver.
"""

from __future__ import annotations

from pyleroma.jobs.registry import DiscardJob, JobContext, register
from pyleroma.models import Status
from pyleroma.services.timelines import home_fanout, home_timeline


def _id(ctx: JobContext, name: str) -> int:
    value = ctx.args.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise DiscardJob(f"{name} missing or not an id: {value!r}")
    return value


@register(home_fanout.FANOUT_JOB, max_attempts=5)
async def fan_out(ctx: JobContext) -> None:
    status = await ctx.session.get(Status, _id(ctx, "status_id"))
    if status is None:
        return
    await home_fanout.fan_out_status(ctx.session, ctx.settings, status)


@register(home_timeline.BACKFILL_JOB, max_attempts=5)
async def backfill(ctx: JobContext) -> None:
    await home_timeline.backfill(
        ctx.session, ctx.settings, _id(ctx, "account_id"), _id(ctx, "target_id")
    )
