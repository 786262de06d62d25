"""Lists: CRUD, members, /accounts/:id/lists and the list timeline."""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.db.ids import new_id
from pyleroma.models import Block, List, ListAccount
from tests.api.relationship_helpers import ids, next_link, set_fields
from tests.api.timeline_helpers import drain, follow, sid, users

LISTS = "/api/v1/lists"


async def _create(client, user, **body):
    response = await client.post(LISTS, headers=user.headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def _members(db, list_id) -> set[int]:
    async with db() as session:
        rows = await session.execute(
            select(ListAccount.account_id).where(ListAccount.list_id == int(list_id))
        )
        return set(rows.scalars())


async def test_list_crud(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    cuties = await _create(client, alice, title="cuties")
    assert cuties == {
        "id": cuties["id"],
        "title": "cuties",
        "replies_policy": "list",
        "exclusive": False,
    }
    cofe = await client.post(
        LISTS, headers=alice.headers, data={"title": "cofe", "replies_policy": "followed"}
    )
    assert cofe.json()["replies_policy"] == "followed"
    await _create(client, bob, title="bob's")

    listed = await client.get(LISTS, headers=alice.headers)
    assert [item["title"] for item in listed.json()] == ["cofe", "cuties"]
    shown = await client.get(f"{LISTS}/{cuties['id']}", headers=alice.headers)
    assert shown.json() == cuties

    renamed = await client.put(
        f"{LISTS}/{cuties['id']}",
        headers=alice.headers,
        json={"title": "  sweeties ", "exclusive": True, "replies_policy": "none"},
    )
    assert renamed.json() == {
        **cuties,
        "title": "sweeties",
        "exclusive": True,
        "replies_policy": "none",
    }
    partial = await client.put(f"{LISTS}/{cuties['id']}", headers=alice.headers, json={})
    assert partial.json()["title"] == "sweeties"
    async with db() as session:
        stored = await session.get(List, int(cuties["id"]))
    assert (stored.title, stored.exclusive, stored.replies_policy) == ("sweeties", True, "none")

    deleted = await client.delete(f"{LISTS}/{cuties['id']}", headers=alice.headers)
    assert deleted.status_code == 200 and deleted.json() == {}
    async with db() as session:
        assert await session.get(List, int(cuties["id"])) is None
    gone = await client.get(f"{LISTS}/{cuties['id']}", headers=alice.headers)
    assert gone.status_code == 404 and gone.json() == {"error": "List not found"}


async def test_list_crud_errors(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    mine = await _create(client, alice, title="mine")
    url = f"{LISTS}/{mine['id']}"
    # unauthenticated, wrong scope
    assert (await client.get(LISTS)).status_code == 401
    assert (await client.post(LISTS, json={"title": "x"})).status_code == 401
    read_only = await factory.token(alice.account, ["read:lists"])
    headers = {"Authorization": f"Bearer {read_only}"}
    assert (await client.get(LISTS, headers=headers)).status_code == 200
    assert (await client.post(LISTS, headers=headers, json={"title": "x"})).status_code == 403
    assert (await client.delete(url, headers=headers)).status_code == 403
    write_only = await factory.token(alice.account, ["write:lists"])
    assert (
        await client.get(LISTS, headers={"Authorization": f"Bearer {write_only}"})
    ).status_code == 403
    # bad input
    for body in (
        {},
        {"title": "   "},
        {"title": "x" * 300},
        {"title": "ok", "replies_policy": "all"},
    ):
        response = await client.post(LISTS, headers=alice.headers, json=body)
        assert response.status_code == 422, body
        assert "error" in response.json()
    bad_put = await client.put(url, headers=alice.headers, json={"title": "", "exclusive": True})
    assert bad_put.status_code == 422
    async with db() as session:
        stored = await session.get(List, int(mine["id"]))
    assert stored.title == "mine" and stored.exclusive is False  # nothing half-written
    # someone else's list, unknown and malformed ids
    for other in (f"{LISTS}/{mine['id']}", f"{LISTS}/123", f"{LISTS}/abc"):
        assert (await client.get(other, headers=bob.headers)).status_code == 404
        assert (
            await client.put(other, headers=bob.headers, json={"title": "t"})
        ).status_code == 404
        assert (await client.delete(other, headers=bob.headers)).status_code == 404
    async with db() as session:
        assert (await session.get(List, int(mine["id"]))).title == "mine"


async def test_list_members(client, factory, db):
    alice, bob, carol, dave = await users(factory, "alice", "bob", "carol", "dave")
    the_list = await _create(client, alice, title="friends")
    url = f"{LISTS}/{the_list['id']}/accounts"
    added = await client.post(
        url, headers=alice.headers, json={"account_ids": [bob.id, carol.id, bob.id]}
    )
    assert added.status_code == 200 and added.json() == {}
    # a stranger may be added (as Pleroma), twice is harmless
    again = await client.post(url, headers=alice.headers, data={"account_ids[]": [dave.id]})
    assert again.status_code == 200
    assert await _members(db, the_list["id"]) == {bob.account.id, carol.account.id, dave.account.id}

    listed = await client.get(url, headers=alice.headers)
    assert {a["acct"] for a in listed.json()} == {"bob", "carol", "dave"}
    first = await client.get(url, headers=alice.headers, params={"limit": 2})
    assert len(first.json()) == 2
    rest = await client.get(next_link(first), headers=alice.headers)
    assert len(rest.json()) == 1
    assert {a["id"] for a in first.json() + rest.json()} == {bob.id, carol.id, dave.id}

    # deactivated members are not listed
    await set_fields(db, dave.id, is_active=False)
    assert {a["acct"] for a in (await client.get(url, headers=alice.headers)).json()} == {
        "bob",
        "carol",
    }

    removed = await client.delete(url, headers=alice.headers, params={"account_ids[]": carol.id})
    assert removed.status_code == 200 and removed.json() == {}
    body_removed = await client.request(
        "DELETE", url, headers=alice.headers, json={"account_ids": [bob.id, "999"]}
    )
    assert body_removed.status_code == 200
    assert await _members(db, the_list["id"]) == {dave.account.id}

    containing = await client.get(f"/api/v1/accounts/{dave.id}/lists", headers=alice.headers)
    assert [item["id"] for item in containing.json()] == [the_list["id"]]
    none = await client.get(f"/api/v1/accounts/{bob.id}/lists", headers=alice.headers)
    assert none.json() == []
    others = await client.get(f"/api/v1/accounts/{dave.id}/lists", headers=bob.headers)
    assert others.json() == []


async def test_list_member_errors(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    the_list = await _create(client, alice, title="friends")
    url = f"{LISTS}/{the_list['id']}/accounts"
    unknown = await client.post(url, headers=alice.headers, json={"account_ids": [bob.id, "12345"]})
    assert unknown.status_code == 404
    assert await _members(db, the_list["id"]) == set()  # nothing added
    for body in ({}, {"account_ids": []}, {"account_ids": ["abc"]}):
        response = await client.post(url, headers=alice.headers, json=body)
        assert response.status_code == 422, body
    assert (await client.request("DELETE", url, headers=alice.headers)).status_code == 422
    # someone else's list
    foreign = await client.post(url, headers=bob.headers, json={"account_ids": [bob.id]})
    assert foreign.status_code == 404
    assert (await client.get(url, headers=bob.headers)).status_code == 404
    # scopes
    token = await factory.token(alice.account, ["read:lists"])
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        await client.post(url, headers=headers, json={"account_ids": [bob.id]})
    ).status_code == 403
    assert (await client.get(url)).status_code == 401
    assert (await client.get(f"/api/v1/accounts/{bob.id}/lists")).status_code == 401
    write_token = await factory.token(alice.account, ["write:lists"])
    assert (
        await client.get(
            f"/api/v1/accounts/{bob.id}/lists",
            headers={"Authorization": f"Bearer {write_token}"},
        )
    ).status_code == 403
    missing = await client.get("/api/v1/accounts/424242/lists", headers=alice.headers)
    assert missing.status_code == 404


# --- list timeline ---------------------------------------------------------------------------


async def _list_with(client, user, *members, **body):
    created = await _create(client, user, title="timeline", **body)
    if members:
        response = await client.post(
            f"{LISTS}/{created['id']}/accounts",
            headers=user.headers,
            json={"account_ids": [m.id for m in members]},
        )
        assert response.status_code == 200
    return created["id"]


async def test_list_timeline_shows_members_posts_the_owner_may_see(client, factory, db, app):
    alice, bob, carol, dave, erin = await users(factory, "alice", "bob", "carol", "dave", "erin")
    await follow(client, alice, bob)
    list_id = await _list_with(client, alice, bob, carol)
    bobs_public = await factory.status(bob.account, "bob public")
    bobs_private = await factory.status(bob.account, "bob private", visibility="private")
    await factory.status(bob.account, "@erin secret", visibility="direct")
    carols_public = await factory.status(carol.account, "carol public")
    await factory.status(carol.account, "carol private", visibility="private")  # not followed
    await factory.status(dave.account, "dave, not a member")
    boost = await client.post(f"/api/v1/statuses/{bobs_public.id}/reblog", headers=carol.headers)
    await drain(app)
    url = f"/api/v1/timelines/list/{list_id}"

    response = await client.get(url, headers=alice.headers)
    assert response.status_code == 200
    assert ids(response) == [
        boost.json()["id"],
        sid(carols_public),
        sid(bobs_private),
        sid(bobs_public),
    ]
    first = await client.get(url, headers=alice.headers, params={"limit": 2})
    assert ids(first) == ids(response)[:2]
    assert ids(await client.get(next_link(first), headers=alice.headers)) == ids(response)[2:]
    assert ids(await client.get(url, headers=alice.headers, params={"exclude_reblogs": 1})) == [
        sid(carols_public),
        sid(bobs_private),
        sid(bobs_public),
    ]
    # blocks hide at once
    async with db() as session:
        session.add(Block(id=new_id(), account_id=alice.account.id, target_id=carol.account.id))
        await session.commit()
    assert ids(await client.get(url, headers=alice.headers)) == [
        sid(bobs_private),
        sid(bobs_public),
    ]


async def test_list_replies_policy(client, factory, app):
    alice, bob, carol, dave = await users(factory, "alice", "bob", "carol", "dave")
    await follow(client, alice, dave)
    root_carol = await factory.status(carol.account, "carol")
    root_dave = await factory.status(dave.account, "dave")
    root_alice = await factory.status(alice.account, "alice")
    root_bob = await factory.status(bob.account, "bob")
    to_member = await factory.status(bob.account, "@carol", in_reply_to_id=root_carol.id)
    to_followed = await factory.status(bob.account, "@dave", in_reply_to_id=root_dave.id)
    to_owner = await factory.status(bob.account, "@alice", in_reply_to_id=root_alice.id)
    to_self = await factory.status(bob.account, "more", in_reply_to_id=root_bob.id)
    always = {sid(root_carol), sid(root_bob), sid(to_owner), sid(to_self)}

    async def shown(policy):
        list_id = await _list_with(client, alice, bob, carol, replies_policy=policy)
        response = await client.get(f"/api/v1/timelines/list/{list_id}", headers=alice.headers)
        return set(ids(response))

    assert await shown("list") == always | {sid(to_member)}
    assert await shown("followed") == always | {sid(to_followed)}
    assert await shown("none") == always


async def test_list_timeline_errors(client, factory):
    alice, bob = await users(factory, "alice", "bob")
    list_id = await _list_with(client, alice, bob)
    url = f"/api/v1/timelines/list/{list_id}"
    assert (await client.get(url)).status_code == 401
    token = await factory.token(alice.account, ["read:statuses"])
    wrong = await client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert wrong.status_code == 403
    foreign = await client.get(url, headers=bob.headers)
    assert foreign.status_code == 404 and foreign.json() == {"error": "List not found"}
    for bad in ("/api/v1/timelines/list/999", "/api/v1/timelines/list/nope"):
        assert (await client.get(bad, headers=alice.headers)).status_code == 404
    malformed = await client.get(url, headers=alice.headers, params={"max_id": "zz"})
    assert malformed.status_code == 422
