"""Job kinds of posting: publishing scheduled statuses and deleting expiring ones.

- "status.publish_scheduled" ``{"scheduled_status_id": id}``, due at the scheduled time
  (unique key ``status.publish_scheduled:<id>``): posts the draft and deletes the scheduled
  status, in the job's transaction, so the post happens exactly once.
- "status.expire" ``{"status_id": id}``, due at the status's ``expires_at`` (unique key
  ``status.expire:<id>``): deletes the status through ``services/statuses/status_delete.py``, as
  Pleroma's PurgeExpiredActivity does. A status already gone is nothing to do; a pinned
  one is kept (Pleroma drops the expiry when a status is pinned): unpinning may call
  ``services.posting.expiry_job`` to bring the expiry back.
"""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.db.base import utcnow
from pyleroma.db.ids import parse_id
from pyleroma.jobs.registry import DiscardJob, JobContext, RetryJob, register
from pyleroma.models import Status, StatusPin
from pyleroma.services.statuses.posting import EXPIRE_JOB
from pyleroma.services.statuses.scheduled import PUBLISH_JOB, NotDueYet, publish


@register(PUBLISH_JOB)
async def publish_scheduled(ctx: JobContext) -> None:
    scheduled_id = parse_id(ctx.args.get("scheduled_status_id"))
    if scheduled_id is None:
        raise DiscardJob("status.publish_scheduled needs a scheduled_status_id")
    try:
        await publish(ctx.session, ctx.settings, scheduled_id)
    except NotDueYet as later:
        # Rescheduled after this job was claimed: come back at the new time.
        raise RetryJob("rescheduled later", delay=later.seconds_left + 1) from later


@register(EXPIRE_JOB)
async def expire_status(ctx: JobContext) -> None:
    from pyleroma.services.statuses.status_delete import remove_status

    status_id = parse_id(ctx.args.get("status_id"))
    if status_id is None:
        raise DiscardJob("status.expire needs a status_id")
    status = await ctx.session.scalar(
        select(Status).where(Status.id == status_id).with_for_update()
    )
    if status is None or status.expires_at is None:
        return
    pinned = await ctx.session.scalar(
        select(StatusPin.status_id).where(StatusPin.status_id == status.id).limit(1)
    )
    if pinned is not None:
        return
    left = (status.expires_at - utcnow()).total_seconds()
    if left > 1:
        raise RetryJob("expiry moved later", delay=left + 1)
    await remove_status(ctx.session, ctx.settings, status)
