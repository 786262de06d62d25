"""POST /api/v1/statuses/:id/reblog and /unreblog: stored rows, counters, notifications,
fan-out, idempotency, who may boost what, and the errors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.db.ids import new_id
from pyleroma.models import HomeTimelineEntry, Mute, Status
from tests.api.status_action_helpers import (
    count_rows,
    follow,
    jobs,
    notifications,
    status_row,
    users,
)


async def rows_of(db, *where) -> list[Status]:
    async with db() as session:
        return list((await session.execute(select(Status).where(*where))).scalars())


async def _reblog(client, user, status_id, **body):
    return await client.post(
        f"/api/v1/statuses/{status_id}/reblog", headers=user.headers, json=body or None
    )


async def test_reblog_stores_a_reblog_row_counts_notifies_and_fans_out(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    original = await factory.status(alice.account, "boost me")

    response = await _reblog(client, bob, original.id)

    assert response.status_code == 200
    data = response.json()
    assert data["id"] != str(original.id)
    assert data["account"]["id"] == bob.id
    assert data["visibility"] == "public"
    assert data["reblogged"] is True
    assert data["reblog"]["id"] == str(original.id)
    assert data["reblog"]["reblogged"] is True
    assert data["reblog"]["reblogs_count"] == 1
    assert data["reblog"]["account"]["id"] == alice.id

    stored = await status_row(db, data["id"])
    assert stored.reblog_of_id == original.id
    assert stored.account_id == bob.account.id
    assert stored.conversation_id == original.conversation_id
    assert stored.visibility == "public"
    assert (await status_row(db, original.id)).reblogs_count == 1
    assert await notifications(db, alice.id) == [
        ("reblog", alice.account.id, bob.account.id, original.id)
    ]
    fanouts = [j.args["status_id"] for j in await jobs(db, "timeline.fanout")]
    assert int(data["id"]) in fanouts


async def test_reblogging_twice_returns_the_same_reblog(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    original = await factory.status(alice.account, "boost me")

    first = (await _reblog(client, bob, original.id)).json()
    second = await _reblog(client, bob, original.id)

    assert second.status_code == 200
    assert second.json()["id"] == first["id"]
    assert second.json()["reblog"]["reblogs_count"] == 1
    assert await count_rows(db, Status, Status.reblog_of_id == original.id) == 1
    assert (await status_row(db, original.id)).reblogs_count == 1
    assert len(await notifications(db, alice.id)) == 1


async def test_reblog_visibility_can_be_chosen_and_defaults_to_the_originals(client, factory, db):
    alice, bob, carol, dave = await users(factory, "alice", "bob", "carol", "dave")
    public = await factory.status(alice.account, "public post")
    unlisted = await factory.status(alice.account, "quiet post", visibility="unlisted")
    local = await factory.status(alice.account, "local post", visibility="local")

    private = await _reblog(client, bob, public.id, visibility="private")
    assert private.status_code == 200 and private.json()["visibility"] == "private"
    assert (await status_row(db, private.json()["id"])).visibility == "private"

    default = await _reblog(client, bob, unlisted.id)
    assert default.json()["visibility"] == "unlisted"

    # asked wider than the post, the boost keeps the post's reach (never federated)
    for user, asked in ((bob, "public"), (carol, "unlisted"), (dave, None)):
        kept_local = await _reblog(
            client, user, local.id, **({"visibility": asked} if asked else {})
        )
        assert kept_local.status_code == 200 and kept_local.json()["visibility"] == "local"
        assert (await status_row(db, kept_local.json()["id"])).visibility == "local"


async def test_reblog_with_a_bad_visibility_is_422(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    original = await factory.status(alice.account, "boost me")
    for bad in ("direct", "everyone"):
        response = await _reblog(client, bob, original.id, visibility=bad)
        assert response.status_code == 422
        assert "visibility" in response.json()["error"]
    assert (await status_row(db, original.id)).reblogs_count == 0


async def test_private_posts_are_boosted_only_by_their_author_and_only_privately(
    client, factory, db
):
    alice, follower = await factory.user("alice"), await factory.user("follower")
    await follow(db, follower.id, alice.id)
    private = await factory.status(alice.account, "followers only", visibility="private")

    refused = await _reblog(client, follower, private.id)
    assert refused.status_code == 403
    assert refused.json() == {"error": "Private statuses cannot be reblogged"}

    own = await _reblog(client, alice, private.id)
    assert own.status_code == 200
    assert own.json()["visibility"] == "private"
    assert own.json()["reblog"]["reblogs_count"] == 1
    assert await notifications(db, alice.id) == []  # no notification for oneself


@pytest.mark.parametrize("asked", ["unlisted", "public", "local", "private"])
async def test_an_author_boosting_a_private_post_wider_keeps_the_boost_private(
    client, factory, db, asked
):
    """Mastodon's rule: the boost of a followers-only post stays followers-only."""
    alice, follower, stranger = await users(factory, "alice", "follower", "stranger")
    await follow(db, follower.id, alice.id)
    private = await factory.status(alice.account, "followers only", visibility="private")

    boosted = await _reblog(client, alice, private.id, visibility=asked)

    assert boosted.status_code == 200, boosted.text
    assert boosted.json()["visibility"] == "private"
    [row] = await rows_of(db, Status.reblog_of_id == private.id)
    assert row.visibility == "private" and row.account_id == int(alice.id)
    assert (await status_row(db, private.id)).reblogs_count == 1
    url = f"/api/v1/statuses/{row.id}"
    assert (await client.get(url, headers=follower.headers)).status_code == 200
    assert (await client.get(url, headers=stranger.headers)).status_code == 404
    assert (await client.get(url)).status_code == 404
    timeline = await client.get(f"/api/v1/accounts/{alice.id}/statuses")
    assert timeline.status_code == 200 and timeline.json() == []


async def test_direct_posts_cannot_be_boosted_by_anyone(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    direct = await factory.status(alice.account, "@bob secret", visibility="direct")
    for user in (bob, alice):
        response = await _reblog(client, user, direct.id)
        assert response.status_code == 403
        assert response.json() == {"error": "Direct statuses cannot be reblogged"}
    assert await count_rows(db, Status, Status.reblog_of_id == direct.id) == 0


async def test_reblogging_a_reblog_boosts_the_original(client, factory, db):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    original = await factory.status(alice.account, "boost me")
    bobs = (await _reblog(client, bob, original.id)).json()

    response = await _reblog(client, carol, bobs["id"])

    assert response.status_code == 200
    assert response.json()["reblog"]["id"] == str(original.id)
    assert response.json()["reblog"]["reblogs_count"] == 2
    carols = await status_row(db, response.json()["id"])
    assert carols.reblog_of_id == original.id


async def test_reblog_of_what_the_viewer_cannot_see_is_404(client, factory, db):
    alice, stranger = await factory.user("alice"), await factory.user("stranger")
    private = await factory.status(alice.account, "followers only", visibility="private")
    direct = await factory.status(alice.account, "just me", visibility="direct")
    for status_id in (private.id, direct.id, new_id(), "not-an-id"):
        response = await _reblog(client, stranger, status_id)
        assert response.status_code == 404
        assert response.json() == {"error": "Record not found"}
        unreblog = await client.post(
            f"/api/v1/statuses/{status_id}/unreblog", headers=stranger.headers
        )
        assert unreblog.status_code == 404
    assert await count_rows(db, Status, Status.reblog_of_id.is_not(None)) == 0


async def test_a_blocked_booster_gets_404(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    original = await factory.status(alice.account, "boost me")
    await client.post(f"/api/v1/accounts/{bob.id}/block", headers=alice.headers)
    assert (await _reblog(client, bob, original.id)).status_code == 404


async def test_no_notification_when_the_author_muted_the_booster(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    original = await factory.status(alice.account, "boost me")
    async with db() as session:
        session.add(Mute(id=new_id(), account_id=alice.account.id, target_id=bob.account.id))
        await session.commit()

    response = await _reblog(client, bob, original.id)

    assert response.status_code == 200
    assert (await status_row(db, original.id)).reblogs_count == 1
    assert await notifications(db, alice.id, unseen_only=True) == []


async def test_unreblog_deletes_the_reblog_its_timeline_entries_and_notification(
    client, factory, db
):
    alice, bob, reader = await users(factory, "alice", "bob", "reader")
    original = await factory.status(alice.account, "boost me")
    reblog_id = int((await _reblog(client, bob, original.id)).json()["id"])
    async with db() as session:  # as the fan-out job would have written it
        session.add(
            HomeTimelineEntry(
                account_id=reader.account.id,
                status_id=reblog_id,
                author_id=bob.account.id,
                reblog_of_author_id=alice.account.id,
            )
        )
        await session.commit()

    response = await client.post(f"/api/v1/statuses/{original.id}/unreblog", headers=bob.headers)

    assert response.status_code == 200
    data = response.json()
    assert data["id"] == str(original.id)
    assert data["reblogged"] is False and data["reblogs_count"] == 0
    assert await status_row(db, reblog_id) is None
    assert (await status_row(db, original.id)).reblogs_count == 0
    assert await notifications(db, alice.id) == []
    async with db() as session:
        entries = (await session.execute(select(HomeTimelineEntry))).all()
    assert entries == []

    again = await client.post(f"/api/v1/statuses/{original.id}/unreblog", headers=bob.headers)
    assert again.status_code == 200
    assert (await status_row(db, original.id)).reblogs_count == 0


async def test_unreblog_by_the_reblog_id_undoes_the_boost(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    original = await factory.status(alice.account, "boost me")
    reblog_id = (await _reblog(client, bob, original.id)).json()["id"]

    response = await client.post(f"/api/v1/statuses/{reblog_id}/unreblog", headers=bob.headers)

    assert response.status_code == 200
    assert response.json()["id"] == str(original.id)
    assert await status_row(db, reblog_id) is None


async def test_unreblog_leaves_other_boosts_alone(client, factory, db):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    original = await factory.status(alice.account, "boost me")
    await _reblog(client, bob, original.id)
    await _reblog(client, carol, original.id)

    response = await client.post(f"/api/v1/statuses/{original.id}/unreblog", headers=carol.headers)

    assert response.json()["reblogs_count"] == 1
    assert await count_rows(db, Status, Status.reblog_of_id == original.id) == 1
    assert [n[2] for n in await notifications(db, alice.id)] == [bob.account.id]


@pytest.mark.parametrize("action", ["reblog", "unreblog"])
async def test_reblog_routes_need_a_token_with_write_statuses(client, factory, action):
    alice = await factory.user("alice")
    original = await factory.status(alice.account, "boost me")
    path = f"/api/v1/statuses/{original.id}/{action}"

    anonymous = await client.post(path)
    assert anonymous.status_code == 401

    for scopes in (["read"], ["write:favourites"]):
        token = await factory.token(alice.account, scopes)
        wrong = await client.post(path, headers={"Authorization": f"Bearer {token}"})
        assert wrong.status_code == 403
        assert "write:statuses" in wrong.json()["error"]

    narrow = await factory.token(alice.account, ["write:statuses"])
    allowed = await client.post(path, headers={"Authorization": f"Bearer {narrow}"})
    assert allowed.status_code == 200
