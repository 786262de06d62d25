"""A deactivated author's posts stay hidden when someone else boosted them (issue 8).

The rule lives in ``policy.visibility``: a reblog is visible only when its original is, and
an original by a deactivated author is not. These tests read the boost through several
read paths (home, the booster's profile, lists, by id, several ids, context, the streaming
audience and the Python predicate), then reactivate the author to show nothing was lost.
"""

from __future__ import annotations

from pyleroma.models import Account, Status
from pyleroma.policy.visibility import can_see
from pyleroma.streaming.audience import visible_to
from tests.api.relationship_helpers import ids, set_fields
from tests.api.timeline_helpers import drain, follow, home_entries, sid, users


async def _boosted_post(client, factory, app):
    """alice posts, bob boosts it, carol follows bob and has bob in a list."""
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    await follow(client, carol, bob)
    original = await factory.status(alice.account, "boost me #topic")
    response = await client.post(f"/api/v1/statuses/{original.id}/reblog", headers=bob.headers)
    assert response.status_code == 200, response.text
    boost_id = response.json()["id"]
    created = await client.post("/api/v1/lists", headers=carol.headers, json={"title": "friends"})
    list_id = created.json()["id"]
    added = await client.post(
        f"/api/v1/lists/{list_id}/accounts", headers=carol.headers, json={"account_ids": [bob.id]}
    )
    assert added.status_code == 200, added.text
    await drain(app)
    return alice, bob, carol, original, boost_id, list_id


async def _seen_by_carol(client, app, db, carol, bob, boost_id, list_id) -> dict[str, bool]:
    """Where carol (and an anonymous visitor) find the boost, path by path."""
    h = carol.headers
    home = ids(await client.get("/api/v1/timelines/home", headers=h))
    listed = ids(await client.get(f"/api/v1/timelines/list/{list_id}", headers=h))
    profile = ids(await client.get(f"/api/v1/accounts/{bob.id}/statuses", headers=h))
    anonymous_profile = ids(await client.get(f"/api/v1/accounts/{bob.id}/statuses"))
    by_id = await client.get(f"/api/v1/statuses/{boost_id}", headers=h)
    anonymous_by_id = await client.get(f"/api/v1/statuses/{boost_id}")
    several = ids(await client.get(f"/api/v1/statuses?id[]={boost_id}", headers=h))
    context = await client.get(f"/api/v1/statuses/{boost_id}/context", headers=h)
    async with db() as session:
        boost = await session.get(Status, int(boost_id))
        viewer = await session.get(Account, carol.account.id)
        predicate = await can_see(session, viewer, boost)
        anonymous_predicate = await can_see(session, None, boost)
        streamed = await visible_to(session, boost, [carol.account.id])
    return {
        "home": boost_id in home,
        "list": boost_id in listed,
        "profile": boost_id in profile,
        "anonymous profile": boost_id in anonymous_profile,
        "by id": by_id.status_code == 200,
        "anonymous by id": anonymous_by_id.status_code == 200,
        "several ids": boost_id in several,
        "context": context.status_code == 200,
        "can_see": predicate,
        "anonymous can_see": anonymous_predicate,
        "stream": carol.account.id in streamed,
    }


async def test_a_deactivated_authors_post_is_hidden_through_every_boost(client, factory, db, app):
    alice, bob, carol, original, boost_id, list_id = await _boosted_post(client, factory, app)
    before = await _seen_by_carol(client, app, db, carol, bob, boost_id, list_id)
    assert all(before.values()), before

    await set_fields(db, alice.account.id, is_active=False)

    after = await _seen_by_carol(client, app, db, carol, bob, boost_id, list_id)
    assert not any(after.values()), after
    # bob's own posts are untouched; the original itself is hidden as before.
    own = await factory.status(bob.account, "still here")
    assert ids(await client.get(f"/api/v1/accounts/{bob.id}/statuses")) == [sid(own)]
    assert (await client.get(f"/api/v1/statuses/{original.id}")).status_code == 404

    # Nothing was deleted: the boost comes back with its author.
    await set_fields(db, alice.account.id, is_active=True)
    again = await _seen_by_carol(client, app, db, carol, bob, boost_id, list_id)
    assert all(again.values()), again


async def test_the_booster_no_longer_sees_it_either(client, factory, db, app):
    alice, bob, carol, original, boost_id, _ = await _boosted_post(client, factory, app)
    await set_fields(db, alice.account.id, is_active=False)

    shown = await client.get(f"/api/v1/statuses/{boost_id}", headers=bob.headers)
    assert shown.status_code == 404
    mine = ids(await client.get(f"/api/v1/accounts/{bob.id}/statuses", headers=bob.headers))
    assert boost_id not in mine
    home = ids(await client.get("/api/v1/timelines/home", headers=bob.headers))
    assert boost_id not in home and sid(original) not in home


async def test_a_boost_of_a_deactivated_authors_post_does_not_reach_new_homes(
    client, factory, db, app
):
    """The fan-out job runs after the author was deactivated: nobody new gets the boost."""
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    await follow(client, carol, bob)
    await drain(app)
    original = await factory.status(alice.account, "boost me")
    response = await client.post(f"/api/v1/statuses/{original.id}/reblog", headers=bob.headers)
    boost_id = response.json()["id"]
    await set_fields(db, alice.account.id, is_active=False)
    await drain(app)

    assert int(boost_id) not in await home_entries(db, carol.account.id)
