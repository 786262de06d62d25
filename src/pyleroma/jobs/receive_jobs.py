"""Job kind "federation.receive" ``{"activity": {...}, "actor_id": id}``: an inbox delivery.

The inbox route verified the signature and stored this job (answering 202 at once, so a
burst of deliveries costs the sender nothing but our disk); here the activity is
normalised, resolved and run through the pipeline (federation/receive.py), in the job's
transaction. Unusable JSON, containment breaches and actors that cannot be stored are given
up on (no retry: the same input fails the same way); a database hiccup or an unreachable
server is retried as any job.
"""

from __future__ import annotations

from pyleroma.activities.context import PipelineContext
from pyleroma.activities.normalize import InvalidActivity
from pyleroma.activities.policies import Rejected
from pyleroma.db.ids import parse_id
from pyleroma.federation import instances
from pyleroma.federation.errors import FederationError, FetchError
from pyleroma.federation.fetch_budget import FetchBudgetSpent
from pyleroma.federation.receive import receive
from pyleroma.jobs.registry import DiscardJob, JobContext, RetryJob, register
from pyleroma.models import Account

RECEIVE_JOB = "federation.receive"
RECEIVE_QUEUE = "federation_in"


@register(RECEIVE_JOB, queue=RECEIVE_QUEUE, max_attempts=5)
async def receive_activity(ctx: JobContext) -> None:
    actor_id = parse_id(ctx.args.get("actor_id"))
    raw = ctx.args.get("activity")
    if actor_id is None or not isinstance(raw, dict):
        raise DiscardJob("federation.receive needs an actor_id and an activity")
    actor = await ctx.session.get(Account, actor_id)
    if actor is None or actor.local:
        raise DiscardJob("the signing account is gone")
    try:
        await receive(PipelineContext(ctx.session, ctx.settings), actor, raw, commit=False)
    except FetchError as exc:
        # A spent fetch budget fails the same way every time: no retry.
        spent = isinstance(exc, FetchBudgetSpent)
        if spent or exc.gone or exc.blocked or (exc.status is not None and 400 <= exc.status < 500):
            raise DiscardJob(f"FetchError: {exc}") from exc
        raise RetryJob(f"FetchError: {exc}") from exc
    except (InvalidActivity, Rejected, FederationError) as exc:  # Refused is a Rejected
        raise DiscardJob(f"{type(exc).__name__}: {exc}") from exc
    if actor.domain:
        await instances.mark_reachable(ctx.session, actor.domain)
