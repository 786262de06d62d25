"""Job kinds for media: purging attachments no status uses (services/media/media_cleanup.py)."""

from __future__ import annotations

from pyleroma.jobs.registry import JobContext, register
from pyleroma.services.media.media_cleanup import PURGE_JOB, purge_if_unattached


@register(PURGE_JOB, max_attempts=5)
async def purge_unattached(ctx: JobContext) -> None:
    await purge_if_unattached(ctx.session, ctx.settings, int(ctx.args["media_id"]))
