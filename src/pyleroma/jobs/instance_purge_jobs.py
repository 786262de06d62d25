"""Job kind "instances.purge" ``{"host", "after_id", "round"}``: removing a remote
instance's accounts and content after ``DELETE /api/pleroma/admin/instances/:instance``
(services/instance/instance_purge.py).

Each run is one round: a batch of one account's statuses and media, or that account's own
removal, then the next round is queued in the same transaction. A large instance is many
short transactions, and a retry redoes at most one round (each is idempotent: what is gone
stays gone).
"""

from __future__ import annotations

from pyleroma.db.ids import parse_id
from pyleroma.jobs.registry import DiscardJob, JobContext, register
from pyleroma.services.instance.instance_purge import PURGE_JOB, purge_step


@register(PURGE_JOB, queue="default", max_attempts=10, timeout=600)
async def purge_instance(ctx: JobContext) -> None:
    host = ctx.args.get("host")
    if not isinstance(host, str) or not host:
        raise DiscardJob("no host")
    after_id = parse_id(ctx.args.get("after_id")) or 0
    round_ = parse_id(ctx.args.get("round")) or 0
    await purge_step(ctx.session, ctx.settings, host, after_id, round_)
