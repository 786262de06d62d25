"""A remote poll that ends is read again from its server before its voters are told, so
they see the final tallies (jobs/poll_jobs.py, federation/fetch_posts.py refresh_post);
from a real HTTP server on loopback."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from pyleroma.activities.context import PipelineContext
from pyleroma.federation.fetch_posts import get_or_fetch_post
from pyleroma.jobs.runner import JobRunner
from pyleroma.models import Job, Poll, StatusEdit
from pyleroma.services.statuses.polls import POLL_END_JOB
from tests.federation.remote_server import RemoteServer, fixture

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"


@pytest.fixture
def settings_overrides() -> dict:
    return {"allow_private_fetch": True, "federation_timeout_seconds": 3.0}


def _question(server: RemoteServer, votes: list[int], *, ended: bool = False) -> dict:
    create = fixture("mastodon/create_question.json", {"https://mastodon.example": server.base})
    question = {**create["object"], "@context": AS_CONTEXT}
    for option, count in zip(question["oneOf"], votes, strict=True):
        option["replies"]["totalItems"] = count
    question["votersCount"] = sum(votes)
    if ended:  # as the server shows it once over: an end in the past, closed
        end = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        question["endTime"] = question["closed"] = end
    server.json(question["id"].removeprefix(server.base), question)
    return question


async def _store_and_end(app, db, masto) -> int:
    """Store the poll as fetched, then make it due: its end passed, its job due now."""
    masto.actor(fixture("mastodon/actor_person.json", {"https://mastodon.example": masto.base}))
    question = _question(masto, [4, 3, 0])
    async with db() as session:
        status = await get_or_fetch_post(
            PipelineContext(session, app.state.settings), question["id"]
        )
        await session.commit()
        assert status is not None
        poll_id = await session.scalar(select(Poll.id).where(Poll.status_id == status.id))
        past = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=5)
        await session.execute(update(Poll).where(Poll.id == poll_id).values(expires_at=past))
        await session.execute(update(Job).where(Job.kind == POLL_END_JOB).values(scheduled_at=past))
        await session.commit()
    return poll_id


async def _counts(db, poll_id) -> tuple[list[int], int, bool]:
    async with db() as session:
        poll = await session.get(Poll, poll_id)
        return [o["votes_count"] for o in poll.options], poll.voters_count, poll.ended_notified


async def test_the_final_tallies_are_read_when_a_remote_poll_ends(app, db, remote_server):
    masto = await remote_server("127.0.0.2")
    poll_id = await _store_and_end(app, db, masto)
    assert (await _counts(db, poll_id))[0] == [4, 3, 0]
    _question(masto, [9, 5, 1], ended=True)  # the votes that came in until the end
    await JobRunner(app.state.sessionmaker, app.state.settings).drain()
    assert await _counts(db, poll_id) == ([9, 5, 1], 15, True)
    async with db() as session:  # new counts are not an edit of the post
        assert (await session.execute(select(StatusEdit))).first() is None


async def test_an_unreadable_poll_keeps_its_tallies_and_still_ends(app, db, remote_server):
    masto = await remote_server("127.0.0.2")
    poll_id = await _store_and_end(app, db, masto)
    question = _question(masto, [4, 3, 0])
    masto.status(question["id"].removeprefix(masto.base), 500)
    await JobRunner(app.state.sessionmaker, app.state.settings).drain()
    assert await _counts(db, poll_id) == ([4, 3, 0], 7, True)
