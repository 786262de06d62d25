"""GET /api/v1/polls/:id, POST /api/v1/polls/:id/votes, and the "poll.end" job."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select, update

from pyleroma.api.mastodon.render_statuses import status_to_api
from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.jobs.queue import enqueue
from pyleroma.models import Account, Job, Poll, PollVote, Status, ThreadMute
from pyleroma.models.job import COMPLETED, DISCARDED
from tests.api.status_action_helpers import (
    count_rows,
    drain,
    follow,
    jobs,
    make_poll,
    notifications,
    users,
)


async def _vote(client, user, poll_id, choices):
    return await client.post(
        f"/api/v1/polls/{poll_id}/votes", headers=user.headers, json={"choices": choices}
    )


async def _stored(db, poll_id) -> Poll:
    async with db() as session:
        return await session.get(Poll, poll_id)


async def _votes(db, poll_id) -> list[tuple[int, int]]:
    async with db() as session:
        rows = await session.execute(
            select(PollVote.account_id, PollVote.choice)
            .where(PollVote.poll_id == poll_id)
            .order_by(PollVote.account_id, PollVote.choice)
        )
        return [tuple(r) for r in rows]


# --- GET /api/v1/polls/:id -------------------------------------------------------------------


async def test_show_poll_to_anyone_who_may_see_the_status(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    _, poll = await make_poll(factory, db, alice.account, ("tea", "coffee"))

    anonymous = await client.get(f"/api/v1/polls/{poll.id}")
    assert anonymous.status_code == 200
    data = anonymous.json()
    assert data["id"] == str(poll.id)
    assert data["expired"] is False and data["multiple"] is False
    assert [o["title"] for o in data["options"]] == ["tea", "coffee"]
    assert "voted" not in data and "own_votes" not in data

    as_bob = (await client.get(f"/api/v1/polls/{poll.id}", headers=bob.headers)).json()
    assert as_bob["voted"] is False and as_bob["own_votes"] == []
    as_author = (await client.get(f"/api/v1/polls/{poll.id}", headers=alice.headers)).json()
    assert as_author["voted"] is True  # Mastodon counts the author as having voted


async def test_show_poll_of_an_invisible_status_is_404(client, factory, db):
    alice, stranger, follower = await users(factory, "alice", "stranger", "follower")
    await follow(db, follower.id, alice.id)
    _, poll = await make_poll(factory, db, alice.account, visibility="private")

    for headers in ({}, stranger.headers):
        response = await client.get(f"/api/v1/polls/{poll.id}", headers=headers)
        assert response.status_code == 404
        assert response.json() == {"error": "Record not found"}
    assert (
        await client.get(f"/api/v1/polls/{poll.id}", headers=follower.headers)
    ).status_code == 200
    for missing in (new_id(), "poll"):
        assert (await client.get(f"/api/v1/polls/{missing}")).status_code == 404


async def test_show_poll_with_a_token_needs_read_statuses(client, factory, db):
    alice = await factory.user("alice")
    _, poll = await make_poll(factory, db, alice.account)
    wrong = await factory.token(alice.account, ["write:statuses"])
    refused = await client.get(
        f"/api/v1/polls/{poll.id}", headers={"Authorization": f"Bearer {wrong}"}
    )
    assert refused.status_code == 403
    right = await factory.token(alice.account, ["read:statuses"])
    allowed = await client.get(
        f"/api/v1/polls/{poll.id}", headers={"Authorization": f"Bearer {right}"}
    )
    assert allowed.status_code == 200


# --- voting ----------------------------------------------------------------------------------


async def test_vote_in_a_single_choice_poll(client, factory, db, app):
    alice, bob = await users(factory, "alice", "bob")
    status, poll = await make_poll(factory, db, alice.account, ("tea", "coffee"))

    response = await _vote(client, bob, poll.id, [1])

    assert response.status_code == 200
    data = response.json()
    assert data["voted"] is True and data["own_votes"] == [1]
    assert [o["votes_count"] for o in data["options"]] == [0, 1]
    assert data["votes_count"] == 1
    stored = await _stored(db, poll.id)
    assert [o["votes_count"] for o in stored.options] == [0, 1]
    assert (stored.votes_count, stored.voters_count) == (1, 1)
    assert await _votes(db, poll.id) == [(bob.account.id, 1)]

    # The status renders the poll with the viewer's vote too.
    async with db() as session:
        viewer = await session.get(Account, bob.account.id)
        rendered = await status_to_api(
            session, app.state.settings, await session.get(Status, status.id), viewer
        )
    assert rendered["poll"]["own_votes"] == [1] and rendered["poll"]["voted"] is True


async def test_vote_in_a_multiple_choice_poll(client, factory, db):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    _, poll = await make_poll(factory, db, alice.account, ("a", "b", "c"), multiple=True)

    first = await _vote(client, bob, poll.id, [0, 2])
    second = await client.post(
        f"/api/v1/polls/{poll.id}/votes",
        headers=carol.headers,
        data={"choices[]": ["2"]},
    )

    assert first.status_code == 200 and first.json()["own_votes"] == [0, 2]
    assert second.status_code == 200 and second.json()["own_votes"] == [2]
    data = second.json()
    assert [o["votes_count"] for o in data["options"]] == [1, 0, 2]
    assert data["votes_count"] == 3 and data["voters_count"] == 2
    stored = await _stored(db, poll.id)
    assert (stored.votes_count, stored.voters_count) == (3, 2)


async def test_concurrent_votes_are_all_counted(client, factory, db):
    alice = await factory.user("alice")
    voters = await users(factory, "v1", "v2", "v3", "v4", "v5")
    _, poll = await make_poll(factory, db, alice.account, ("a", "b"), multiple=True)

    responses = await asyncio.gather(*(_vote(client, v, poll.id, [0, 1]) for v in voters))

    assert [r.status_code for r in responses] == [200] * 5
    stored = await _stored(db, poll.id)
    assert [o["votes_count"] for o in stored.options] == [5, 5]
    assert (stored.votes_count, stored.voters_count) == (10, 5)


async def test_voting_twice_at_once_counts_once(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    _, poll = await make_poll(factory, db, alice.account, ("a", "b"))

    responses = await asyncio.gather(*(_vote(client, bob, poll.id, [0]) for _ in range(3)))

    assert sorted(r.status_code for r in responses) == [200, 422, 422]
    stored = await _stored(db, poll.id)
    assert stored.votes_count == 1 and stored.options[0]["votes_count"] == 1


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ([2], "Invalid indices"),
        ([-1], "Invalid indices"),
        ([0, 1], "Too many choices"),
        ([], "choices: can't be blank"),
        (["first"], "choices: must be a list of option indexes"),
        ([True], "choices: must be a list of option indexes"),
    ],
)
async def test_invalid_choices_are_422_and_store_nothing(client, factory, db, choices, message):
    alice, bob = await users(factory, "alice", "bob")
    _, poll = await make_poll(factory, db, alice.account, ("a", "b"))

    response = await _vote(client, bob, poll.id, choices)

    assert response.status_code == 422
    assert response.json() == {"error": message}
    assert await _votes(db, poll.id) == []
    assert (await _stored(db, poll.id)).votes_count == 0


async def test_voting_rules_own_poll_already_voted_and_expired(client, factory, db):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    _, poll = await make_poll(factory, db, alice.account, ("a", "b"))

    own = await _vote(client, alice, poll.id, [0])
    assert own.status_code == 422 and own.json() == {"error": "Poll's author can't vote"}

    assert (await _vote(client, bob, poll.id, [0])).status_code == 200
    twice = await _vote(client, bob, poll.id, [1])
    assert twice.status_code == 422 and twice.json() == {"error": "Already voted"}

    async with db() as session:
        await session.execute(
            update(Poll)
            .where(Poll.id == poll.id)
            .values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()
    late = await _vote(client, carol, poll.id, [1])
    assert late.status_code == 422 and late.json() == {"error": "The poll has already ended"}
    assert await _votes(db, poll.id) == [(bob.account.id, 0)]
    stored = await _stored(db, poll.id)
    assert [o["votes_count"] for o in stored.options] == [1, 0]


async def test_vote_on_an_invisible_or_unknown_poll_is_404(client, factory, db):
    alice, stranger = await users(factory, "alice", "stranger")
    _, poll = await make_poll(factory, db, alice.account, visibility="private")
    for poll_id in (poll.id, new_id(), "x"):
        response = await _vote(client, stranger, poll_id, [0])
        assert response.status_code == 404
        assert response.json() == {"error": "Record not found"}
    assert await _votes(db, poll.id) == []


async def test_vote_needs_a_token_with_write_statuses(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    _, poll = await make_poll(factory, db, alice.account)

    anonymous = await client.post(f"/api/v1/polls/{poll.id}/votes", json={"choices": [0]})
    assert anonymous.status_code == 401
    wrong = await factory.token(bob.account, ["read", "write:favourites"])
    refused = await client.post(
        f"/api/v1/polls/{poll.id}/votes",
        headers={"Authorization": f"Bearer {wrong}"},
        json={"choices": [0]},
    )
    assert refused.status_code == 403
    assert await _votes(db, poll.id) == []


# --- the poll.end job ------------------------------------------------------------------------


async def _end_poll_now(db, poll_id) -> None:
    async with db() as session:
        await session.execute(
            update(Poll)
            .where(Poll.id == poll_id)
            .values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
        await enqueue(session, "poll.end", {"poll_id": poll_id}, unique_key=f"poll.end:{poll_id}")
        await session.commit()


async def test_poll_end_notifies_author_and_voters_exactly_once(client, factory, db, app):
    alice, bob, carol, dave = await users(factory, "alice", "bob", "carol", "dave")
    status, poll = await make_poll(factory, db, alice.account, ("a", "b"), multiple=True)
    await _vote(client, bob, poll.id, [0, 1])
    await _vote(client, carol, poll.id, [1])
    await _end_poll_now(db, poll.id)

    await drain(app)
    await drain(app)
    # A duplicate job (the unique key is free again once the first completed) sends nothing.
    await _end_poll_now(db, poll.id)
    await drain(app)

    polls = [n for n in await notifications(db) if n[0] == "poll"]
    assert sorted(n[1] for n in polls) == sorted(
        [alice.account.id, bob.account.id, carol.account.id]
    )
    assert all(n[2] == alice.account.id and n[3] == status.id for n in polls)
    assert dave.account.id not in [n[1] for n in polls]
    assert (await _stored(db, poll.id)).ended_notified is True
    assert {j.state for j in await jobs(db, "poll.end")} == {COMPLETED}


async def test_poll_end_respects_a_voters_thread_mute(client, factory, db, app):
    alice, bob = await users(factory, "alice", "bob")
    status, poll = await make_poll(factory, db, alice.account)
    await _vote(client, bob, poll.id, [0])
    async with db() as session:
        session.add(ThreadMute(id=new_id(), account_id=bob.account.id, conversation_id=status.id))
        await session.commit()
    await _end_poll_now(db, poll.id)

    await drain(app)

    assert await notifications(db, bob.id, unseen_only=True) == []
    assert [n[0] for n in await notifications(db, alice.id, unseen_only=True)] == ["poll"]


async def test_poll_end_before_the_end_waits(client, factory, db, app):
    alice, bob = await users(factory, "alice", "bob")
    _, poll = await make_poll(factory, db, alice.account, expires_in=3600)
    await _vote(client, bob, poll.id, [0])
    async with db() as session:  # a job that is due while the poll still runs (end moved)
        await enqueue(session, "poll.end", {"poll_id": poll.id}, unique_key=f"poll.end:{poll.id}")
        await session.commit()

    await drain(app)

    assert [n for n in await notifications(db) if n[0] == "poll"] == []
    assert (await _stored(db, poll.id)).ended_notified is False
    [job] = await jobs(db, "poll.end")
    assert job.state != COMPLETED and job.scheduled_at > utcnow() + dt.timedelta(minutes=50)


async def test_poll_end_of_a_deleted_poll_is_discarded(client, factory, db, app):
    alice = await factory.user("alice")
    status, poll = await make_poll(factory, db, alice.account)
    await _end_poll_now(db, poll.id)
    async with db() as session:
        await session.delete(await session.get(Status, status.id))
        await session.commit()

    await drain(app)

    assert [n for n in await notifications(db) if n[0] == "poll"] == []
    async with db() as session:
        states = (await session.execute(select(Job.state).where(Job.kind == "poll.end"))).all()
    assert states == [(DISCARDED,)]
    assert await count_rows(db, Poll) == 0
