"""Reading a poll and voting in it, with Pleroma's validation and messages.

A poll is visible exactly when its status is (one visibility rule, ``get_visible_status``).
A vote is refused (422) when the poll has ended, when the voter wrote the poll, when the voter
already voted, when no choice or a choice out of range is given, or when a single-choice poll
gets several. Counts are changed under a lock on the poll row: the first statement of the
vote is an UPDATE of that row, which locks it on PostgreSQL and takes SQLite's write lock, so
concurrent voters queue and every vote is counted; the (poll, account, choice) unique key
stops a double submission from counting twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.build import build_vote
from pyleroma.activities.context import PipelineContext
from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id, parse_id
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account, Poll, PollVote, Status
from pyleroma.services.notifications.notifications import notify
from pyleroma.services.statuses.status_access import get_visible_status
from pyleroma.settings import Settings
from pyleroma.values import parse_int


@dataclass
class PollView:
    """A poll and what the viewer voted (choice indexes, ascending)."""

    poll: Poll
    own_votes: list[int]


async def get_visible_poll(session: AsyncSession, viewer: Account | None, poll_id) -> Poll:
    """The poll with this id if its status is visible to ``viewer``, else 404."""
    ident = parse_id(poll_id)
    poll = await session.get(Poll, ident) if ident else None
    if poll is None:
        raise NotFound("Record not found")
    await get_visible_status(session, viewer, poll.status_id)
    return poll


async def own_votes(session: AsyncSession, viewer: Account | None, poll: Poll) -> list[int]:
    if viewer is None:
        return []
    rows = await session.execute(
        select(PollVote.choice)
        .where(PollVote.poll_id == poll.id, PollVote.account_id == viewer.id)
        .order_by(PollVote.choice)
    )
    return list(rows.scalars())


def parse_choices(raw: list) -> list[int]:
    """Choice indexes from ``choices[]`` (strings or integers), de-duplicated, in order."""
    choices: list[int] = []
    for item in raw:
        index = parse_int(item)
        if index is None:
            raise Unprocessable("choices: must be a list of option indexes")
        if index not in choices:
            choices.append(index)
    if not choices:
        raise Unprocessable("choices: can't be blank")
    return choices


def check_vote(poll: Poll, voter: Account, choices: list[int], already_voted: bool) -> None:
    if poll.expires_at is not None and poll.expires_at <= utcnow():
        raise Unprocessable("The poll has already ended")
    if poll.account_id == voter.id:
        raise Unprocessable("Poll's author can't vote")
    if already_voted:
        raise Unprocessable("Already voted")
    if any(index < 0 or index >= len(poll.options) for index in choices):
        raise Unprocessable("Invalid indices")
    if not poll.multiple and len(choices) > 1:
        raise Unprocessable("Too many choices")


async def vote(
    session: AsyncSession, settings: Settings, voter: Account, poll: Poll, choices: list[int]
) -> PollView:
    """Record ``voter``'s ``choices`` in ``poll`` (visible to them) through the activity
    pipeline (a vote; federated to a remote poll's author) and count them. Commits."""
    await session.execute(
        update(Poll)
        .where(Poll.id == poll.id)
        .values(votes_count=Poll.votes_count)
        .execution_options(synchronize_session=False)
    )
    # Under the lock: read the poll and the voter's votes as they are now.
    fresh = await session.get(Poll, poll.id, populate_existing=True)
    if fresh is None:  # deleted with its status meanwhile
        await session.rollback()
        raise NotFound("Record not found")
    voted = await own_votes(session, voter, fresh)
    try:
        check_vote(fresh, voter, choices, bool(voted))
    except Unprocessable:
        await session.rollback()
        raise
    activity = build_vote(settings, voter, fresh, choices)
    try:
        await pipeline.run(PipelineContext(session, settings), activity)
    except IntegrityError as exc:  # the same vote submitted twice at once
        await session.rollback()
        raise Unprocessable("Already voted") from exc
    return PollView(poll=fresh, own_votes=sorted(choices))


async def record_votes(session: AsyncSession, voter: Account, poll: Poll, choices: list[int]):
    """The vote handler's writes: one row per choice, the tallies on the poll (checked by
    the caller with ``check_vote``, under the poll's row lock)."""
    for index in choices:
        session.add(PollVote(id=new_id(), poll_id=poll.id, account_id=voter.id, choice=index))
    options = [dict(option) for option in poll.options]
    for index in choices:
        options[index]["votes_count"] = options[index].get("votes_count", 0) + 1
    poll.options = options
    poll.votes_count = poll.votes_count + len(choices)
    poll.voters_count = poll.voters_count + 1
    await session.flush()


class PollNotEnded(Exception):
    """The poll's end is still ahead (its expiry moved later): try again then."""

    def __init__(self, seconds_left: float):
        super().__init__(f"poll ends in {seconds_left:.0f}s")
        self.seconds_left = seconds_left


async def notify_poll_ended(session: AsyncSession, poll_id: int) -> int | None:
    """Send the "poll" notifications of an ended poll, once; returns how many were sent.

    The author and every voter are notified (``notify`` still applies each recipient's
    blocks, mutes and thread mutes). ``ended_notified`` is flipped by a conditional UPDATE in
    the same transaction as the notifications, so a rerun of the job, or two runs at once,
    can't notify twice. None when the poll is gone; raises ``PollNotEnded`` when it is early.
    """
    now = utcnow()
    claimed = await session.execute(
        update(Poll)
        .where(
            Poll.id == poll_id,
            Poll.ended_notified.is_(False),
            Poll.expires_at.is_not(None),
            Poll.expires_at <= now,
        )
        .values(ended_notified=True)
        .returning(Poll.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.first() is None:
        poll = await session.get(Poll, poll_id, populate_existing=True)
        if poll is None:
            return None
        if not poll.ended_notified and poll.expires_at is not None and poll.expires_at > now:
            raise PollNotEnded((poll.expires_at - now).total_seconds())
        return 0
    poll = await session.get(Poll, poll_id, populate_existing=True)
    status = await session.get(Status, poll.status_id)
    voter_ids = select(PollVote.account_id).where(PollVote.poll_id == poll.id).distinct()
    recipients = (
        await session.execute(
            select(Account)
            .where((Account.id == poll.account_id) | Account.id.in_(voter_ids))
            .order_by(Account.id)
        )
    ).scalars()
    sent = 0
    for recipient in recipients:
        if await notify(session, recipient, poll.account_id, "poll", status) is not None:
            sent += 1
    return sent
