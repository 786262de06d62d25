"""Job kind "federation.featured" ``{"account_id"}``: read a remote account's featured
collection into its pins (federation/featured.py).

One attempt: the collection is read again the next time the actor is fetched.
"""

from __future__ import annotations

import logging

from pyleroma.activities.context import PipelineContext
from pyleroma.db.ids import parse_id
from pyleroma.federation.errors import FederationError
from pyleroma.federation.featured import FEATURED_JOB, sync_featured
from pyleroma.jobs.registry import DiscardJob, JobContext, register
from pyleroma.models import Account

log = logging.getLogger("pyleroma.federation")


@register(FEATURED_JOB, max_attempts=1, timeout=120)
async def read_featured(ctx: JobContext) -> None:
    account_id = parse_id(ctx.args.get("account_id"))
    account = await ctx.session.get(Account, account_id) if account_id else None
    if account is None or account.local:
        raise DiscardJob("federation.featured needs a remote account")
    try:
        await sync_featured(PipelineContext(ctx.session, ctx.settings), account)
    except FederationError as exc:
        log.info("could not read the featured posts of %s: %s", account.ap_id, exc)
