"""Job kinds "poll.end": when a poll closes, tell its author and its voters, once; and
"poll.distribute_update": a local poll's tallies sent to the servers that have it.

Posting a status with a poll enqueues this job with ``run_at=expires_at`` and
``unique_key=f"poll.end:{poll_id}"``. The notifications and the poll's ``ended_notified``
mark are written in the job's own transaction, and the mark is set by a conditional UPDATE,
so a rerun (after a crash, or a duplicate job) sends nothing more.
"""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.db.ids import parse_id
from pyleroma.jobs.queue import enqueue
from pyleroma.jobs.registry import DiscardJob, JobContext, RetryJob, register
from pyleroma.services.statuses.poll_votes import PollNotEnded, notify_poll_ended
from pyleroma.services.statuses.polls import POLL_UPDATE_JOB

POLL_END_JOB = "poll.end"


@register(POLL_END_JOB)
async def end_poll(ctx: JobContext) -> None:
    poll_id = parse_id(ctx.args.get("poll_id"))
    if poll_id is None:
        raise DiscardJob("poll.end needs a poll_id")
    await _refresh_remote_poll(ctx, poll_id)
    try:
        sent = await notify_poll_ended(ctx.session, poll_id)
    except PollNotEnded as early:
        # The expiry moved later (an edit): come back when the poll really ends.
        raise RetryJob("poll not ended yet", delay=early.seconds_left + 1) from early
    if sent is None:
        raise DiscardJob("the poll is gone (its status was deleted)")
    # A local poll's final tallies go out at once (a remote poll's come from its server).
    from pyleroma.models import Poll, Status

    local = select(Status.local).join(Poll, Poll.status_id == Status.id).where(Poll.id == poll_id)
    if await ctx.session.scalar(local):
        await enqueue(ctx.session, POLL_UPDATE_JOB, {"poll_id": poll_id})


async def _refresh_remote_poll(ctx: JobContext, poll_id: int) -> None:
    """A remote poll that has ended is read again from its server first, so that its
    voters are told of the final tallies (Mastodon does the same); a failure keeps the
    tallies we have."""
    from pyleroma.activities.context import PipelineContext
    from pyleroma.db.base import utcnow
    from pyleroma.federation.fetch_posts import refresh_post
    from pyleroma.models import Poll, Status

    poll = await ctx.session.get(Poll, poll_id)
    if poll is None or poll.ended_notified or poll.expires_at is None:
        return
    if poll.expires_at > utcnow():
        return
    status = await ctx.session.get(Status, poll.status_id)
    if status is not None and not status.local:
        await refresh_post(PipelineContext(ctx.session, ctx.settings), status)


@register(POLL_UPDATE_JOB)
async def distribute_poll_update(ctx: JobContext) -> None:
    """Send a local poll's current tallies as an Update of its Question to the servers
    that have it: the author's followers (unless the post is direct), the remote accounts
    it mentions and the remote voters. Remote servers refresh the counts without an edit
    (federation part 2: our own remote_posts takes such an Update the same way)."""
    from pyleroma.activities.activity import Activity
    from pyleroma.activities.effects import Delivery
    from pyleroma.db.base import utcnow
    from pyleroma.federation.delivery import enqueue_deliveries
    from pyleroma.federation.to_as import AS_CONTEXT
    from pyleroma.federation.to_as_note import load_note_parts, status_to_as
    from pyleroma.models import Account, Poll, PollVote, Status, StatusMention

    poll_id = parse_id(ctx.args.get("poll_id"))
    poll = await ctx.session.get(Poll, poll_id) if poll_id is not None else None
    status = await ctx.session.get(Status, poll.status_id) if poll is not None else None
    if status is None or not status.local:
        raise DiscardJob("no local poll to update")
    author = await ctx.session.get(Account, status.account_id)
    if author is None or status.visibility == "local":
        raise DiscardJob("the poll is not federated")
    remote = select(Account.id).where(Account.local.is_(False))
    voters = select(PollVote.account_id).where(
        PollVote.poll_id == poll.id, PollVote.account_id.in_(remote)
    )
    mentioned = select(StatusMention.account_id).where(
        StatusMention.status_id == status.id, StatusMention.account_id.in_(remote)
    )
    recipients = set((await ctx.session.scalars(voters.union(mentioned))).all())
    note = status_to_as(ctx.settings, status, await load_note_parts(ctx.session, status))
    now = utcnow()
    document = {
        "@context": AS_CONTEXT,
        "id": f"{status.uri}#updates/{int(now.timestamp() * 1000)}",
        "type": "Update",
        "actor": author.ap_id,
        "published": note.get("updated") or note.get("published"),
        "to": note.get("to", []),
        "cc": note.get("cc", []),
        "object": note,
    }
    activity = Activity("Update", author, status, local=True)
    delivery = Delivery(
        sorted(recipients), to_followers=status.visibility != "direct", activity=document
    )
    await enqueue_deliveries(ctx.session, ctx.settings, activity, [delivery])
