"""The Relationship entity, followers/following lists, notes and endorsements."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.models import AccountNote, Endorsement
from tests.api.relationship_helpers import ids, next_link, prev_link, set_fields

RELATIONSHIP_KEYS = {
    "id",
    "following",
    "followed_by",
    "blocking",
    "blocked_by",
    "muting",
    "muting_notifications",
    "subscribing",
    "notifying",
    "requested",
    "requested_by",
    "domain_blocking",
    "showing_reblogs",
    "endorsed",
    "note",
}


async def _follow(client, user, target_id):
    response = await client.post(f"/api/v1/accounts/{target_id}/follow", headers=user.headers)
    assert response.status_code == 200, response.text
    return response


# --- GET /api/v1/accounts/relationships ------------------------------------------------------


async def test_relationships_in_the_order_asked(client, factory):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    await _follow(client, alice, bob.id)
    query = f"id[]={carol.id}&id[]=999999&id[]=bogus&id[]={bob.id}&id[]={carol.id}"
    response = await client.get(f"/api/v1/accounts/relationships?{query}", headers=alice.headers)
    assert response.status_code == 200
    body = response.json()
    assert [r["id"] for r in body] == [carol.id, bob.id]
    assert set(body[0]) == RELATIONSHIP_KEYS
    assert body[1]["following"] is True and body[0]["following"] is False
    assert body[0]["note"] == "" and body[0]["showing_reblogs"] is True

    single = await client.get(f"/api/v1/accounts/relationships?id={bob.id}", headers=alice.headers)
    assert [r["id"] for r in single.json()] == [bob.id]
    none = await client.get("/api/v1/accounts/relationships", headers=alice.headers)
    assert none.status_code == 200 and none.json() == []


async def test_relationships_auth(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    url = f"/api/v1/accounts/relationships?id={bob.id}"
    assert (await client.get(url)).status_code == 401
    writer = await factory.user("writer", scopes=["write", "follow"])
    response = await client.get(url, headers=writer.headers)
    assert response.status_code == 403 and "error" in response.json()
    narrow = await factory.user("narrow", scopes=["read:follows"])
    assert (await client.get(url, headers=narrow.headers)).status_code == 200
    assert (await client.get(url, headers=alice.headers)).status_code == 200


# --- followers / following -------------------------------------------------------------------


async def test_followers_paginate_by_follow_with_link_header(client, factory):
    star = await factory.user("star")
    fans = [await factory.user(f"fan{i}") for i in range(5)]
    for fan in fans:
        await _follow(client, fan, star.id)

    everyone = await client.get(f"/api/v1/accounts/{star.id}/followers")
    assert everyone.status_code == 200
    assert ids(everyone) == [f.id for f in reversed(fans)]

    first = await client.get(f"/api/v1/accounts/{star.id}/followers?limit=2")
    assert ids(first) == [fans[4].id, fans[3].id]
    link = next_link(first)
    assert link and "limit=2" in link and "max_id=" in link
    second = await client.get(link)
    assert ids(second) == [fans[2].id, fans[1].id]
    third = await client.get(next_link(second))
    assert ids(third) == [fans[0].id]
    back = await client.get(prev_link(third))
    assert ids(back) == [fans[2].id, fans[1].id]
    end = await client.get(next_link(third))
    assert end.json() == [] and "link" not in end.headers

    following = await client.get(f"/api/v1/accounts/{fans[0].id}/following")
    assert ids(following) == [star.id]


async def test_followers_list_only_accepted_and_active(client, factory, db):
    star = await factory.user("star", locked=True)
    fan, pending, gone = [await factory.user(n) for n in ("fan", "pending", "gone")]
    for user in (fan, pending, gone):
        await _follow(client, user, star.id)
    for user in (fan, gone):
        await client.post(f"/api/v1/follow_requests/{user.id}/authorize", headers=star.headers)
    await set_fields(db, gone.id, is_active=False)
    response = await client.get(f"/api/v1/accounts/{star.id}/followers", headers=fan.headers)
    assert ids(response) == [fan.id]


async def test_followers_with_relationships(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await _follow(client, bob, alice.id)
    response = await client.get(
        f"/api/v1/accounts/{alice.id}/followers?with_relationships=true", headers=alice.headers
    )
    rel = response.json()[0]["pleroma"]["relationship"]
    assert rel["id"] == bob.id and rel["followed_by"] is True and rel["following"] is False
    plain = await client.get(f"/api/v1/accounts/{alice.id}/followers", headers=alice.headers)
    assert plain.json()[0]["pleroma"]["relationship"] == {}


async def test_hidden_network_is_empty_except_to_owner(client, factory):
    shy = await factory.user("shy", hide_followers=True, hide_follows=True)
    fan, other = await factory.user("fan"), await factory.user("other")
    await _follow(client, fan, shy.id)
    await _follow(client, shy, other.id)

    for path in ("followers", "following"):
        url = f"/api/v1/accounts/{shy.id}/{path}"
        anonymous = await client.get(url)
        assert anonymous.status_code == 200 and anonymous.json() == []
        assert "link" not in anonymous.headers
        as_other = await client.get(url, headers=other.headers)
        assert as_other.json() == []
    assert ids(await client.get(f"/api/v1/accounts/{shy.id}/followers", headers=shy.headers)) == [
        fan.id
    ]
    assert ids(await client.get(f"/api/v1/accounts/{shy.id}/following", headers=shy.headers)) == [
        other.id
    ]


async def test_followers_errors(client, factory, db):
    alice = await factory.user("alice")
    for path in ("followers", "following"):
        response = await client.get(f"/api/v1/accounts/doesntexist/{path}")
        assert response.status_code == 404 and response.json() == {"error": "Record not found"}
        wrong = await factory.user(f"w{path}", scopes=["write"])
        response = await client.get(f"/api/v1/accounts/{alice.id}/{path}", headers=wrong.headers)
        assert response.status_code == 403
        response = await client.get(f"/api/v1/accounts/{alice.id}/{path}?limit=x")
        assert response.status_code == 422
        response = await client.get(
            f"/api/v1/accounts/{alice.id}/{path}", headers={"Authorization": "Bearer nope"}
        )
        assert response.status_code == 401
    await set_fields(db, alice.id, is_active=False)
    assert (await client.get(f"/api/v1/accounts/{alice.id}/followers")).status_code == 404


@pytest.mark.parametrize("settings_overrides", [{"restrict_unauthenticated_profiles": True}])
async def test_followers_need_login_when_profiles_are_restricted(client, factory):
    alice = await factory.user("alice")
    response = await client.get(f"/api/v1/accounts/{alice.id}/followers")
    assert response.status_code == 401
    response = await client.get(f"/api/v1/accounts/{alice.id}/followers", headers=alice.headers)
    assert response.status_code == 200


# --- notes -----------------------------------------------------------------------------------


async def test_note_set_replace_and_clear(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    url = f"/api/v1/accounts/{bob.id}/note"
    response = await client.post(url, headers=alice.headers, json={"comment": "met at FOSDEM"})
    assert response.status_code == 200 and response.json()["note"] == "met at FOSDEM"
    response = await client.post(url, headers=alice.headers, data={"comment": "owes me a beer"})
    assert response.json()["note"] == "owes me a beer"
    rel = await client.get(f"/api/v1/accounts/relationships?id={bob.id}", headers=alice.headers)
    assert rel.json()[0]["note"] == "owes me a beer"
    # notes are private to their author
    theirs = await client.get(f"/api/v1/accounts/relationships?id={alice.id}", headers=bob.headers)
    assert theirs.json()[0]["note"] == ""
    async with db() as session:
        assert len((await session.execute(select(AccountNote))).all()) == 1

    response = await client.post(url, headers=alice.headers, json={"comment": ""})
    assert response.json()["note"] == ""
    async with db() as session:
        assert (await session.execute(select(AccountNote))).first() is None


async def test_note_errors(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    url = f"/api/v1/accounts/{bob.id}/note"
    assert (await client.post(url, json={"comment": "x"})).status_code == 401
    follow_only = await factory.user("f", scopes=["follow", "read"])
    assert (
        await client.post(url, headers=follow_only.headers, json={"comment": "x"})
    ).status_code == 403
    response = await client.post(
        "/api/v1/accounts/nobody/note", headers=alice.headers, json={"comment": "x"}
    )
    assert response.status_code == 404
    response = await client.post(url, headers=alice.headers, json={"comment": "x" * 2001})
    assert response.status_code == 422
    response = await client.post(url, headers=alice.headers, json={"comment": {"a": 1}})
    assert response.status_code == 422
    async with db() as session:
        assert (await session.execute(select(AccountNote))).first() is None
    narrow = await factory.user("n", scopes=["write:accounts"])
    response = await client.post(url, headers=narrow.headers, json={"comment": "ok"})
    assert response.status_code == 200 and response.json()["note"] == "ok"


# --- endorsements ----------------------------------------------------------------------------


async def test_pin_and_unpin(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await _follow(client, alice, bob.id)
    response = await client.post(f"/api/v1/accounts/{bob.id}/pin", headers=alice.headers)
    assert response.status_code == 200 and response.json()["endorsed"] is True
    again = await client.post(f"/api/v1/accounts/{bob.id}/pin", headers=alice.headers)
    assert again.status_code == 200
    async with db() as session:
        assert len((await session.execute(select(Endorsement))).all()) == 1

    own = await client.get("/api/v1/endorsements", headers=alice.headers)
    assert own.status_code == 200 and ids(own) == [bob.id]
    for prefix in ("/api/v1/pleroma", "/api/pleroma"):
        public = await client.get(f"{prefix}/accounts/{alice.id}/endorsements")
        assert public.status_code == 200 and ids(public) == [bob.id]
    featured = await client.get(f"/api/v1/accounts/{alice.id}/endorsements")
    assert ids(featured) == [bob.id]

    response = await client.post(f"/api/v1/accounts/{bob.id}/unpin", headers=alice.headers)
    assert response.status_code == 200 and response.json()["endorsed"] is False
    assert (await client.get("/api/v1/endorsements", headers=alice.headers)).json() == []


async def test_unfollow_drops_endorsement(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await _follow(client, alice, bob.id)
    await client.post(f"/api/v1/accounts/{bob.id}/pin", headers=alice.headers)
    await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=alice.headers)
    async with db() as session:
        assert (await session.execute(select(Endorsement))).first() is None


@pytest.mark.parametrize("settings_overrides", [{"max_pinned_accounts": 1}])
async def test_pin_limits_and_errors(client, factory, db):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    response = await client.post(f"/api/v1/accounts/{bob.id}/pin", headers=alice.headers)
    assert response.status_code == 400
    assert response.json() == {"error": "Could not endorse user: You are not following bob"}

    await _follow(client, alice, bob.id)
    await _follow(client, alice, carol.id)
    assert (
        await client.post(f"/api/v1/accounts/{bob.id}/pin", headers=alice.headers)
    ).status_code == 200
    response = await client.post(f"/api/v1/accounts/{carol.id}/pin", headers=alice.headers)
    assert response.status_code == 400
    assert response.json() == {"error": "You have already pinned the maximum number of users"}

    response = await client.post(f"/api/v1/accounts/{alice.id}/pin", headers=alice.headers)
    assert response.status_code == 400
    assert (await client.post(f"/api/v1/accounts/{bob.id}/pin")).status_code == 401
    reader = await factory.user("reader", scopes=["read", "write:follows"])
    await _follow(client, reader, bob.id)
    response = await client.post(f"/api/v1/accounts/{bob.id}/pin", headers=reader.headers)
    assert response.status_code == 403
    response = await client.post("/api/v1/accounts/nobody/unpin", headers=alice.headers)
    assert response.status_code == 404
    async with db() as session:
        rows = (await session.execute(select(Endorsement.target_id))).scalars().all()
    assert rows == [bob.account.id]

    assert (await client.get("/api/v1/endorsements")).status_code == 401
    writer = await factory.user("writer", scopes=["write"])
    assert (await client.get("/api/v1/endorsements", headers=writer.headers)).status_code == 403
    response = await client.get("/api/v1/pleroma/accounts/nobody/endorsements")
    assert response.status_code == 404
