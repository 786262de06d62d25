"""Follow suggestions (v1 and v2), dismissing them, and familiar followers."""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.models import SuggestionDismissal


async def _suggested_ids(client, user, version="v2"):
    response = await client.get(f"/api/{version}/suggestions", headers=user.headers)
    assert response.status_code == 200, response.text
    if version == "v2":
        return [(item["source"], item["account"]["id"]) for item in response.json()]
    return [item["id"] for item in response.json()]


async def test_staff_picks_first_then_popular_discoverable_local(client, factory):
    viewer = await factory.user("viewer")
    small = await factory.account("small", discoverable=True, followers_count=1)
    big = await factory.account("big", discoverable=True, followers_count=50)
    pick = await factory.account("pick", is_suggested=True, followers_count=0)
    await factory.account("hidden", discoverable=False, followers_count=99)
    await factory.account("gone", discoverable=True, is_active=False, followers_count=99)

    assert await _suggested_ids(client, viewer) == [
        ("staff", str(pick.id)),
        ("global", str(big.id)),
        ("global", str(small.id)),
    ]
    assert await _suggested_ids(client, viewer, "v1") == [
        str(pick.id),
        str(big.id),
        str(small.id),
    ]


async def test_exclusions_self_followed_blocked_muted_dismissed(client, factory, db):
    viewer = await factory.user("viewer", discoverable=True, is_suggested=True)
    followed, blocked, blocker, muted, dismissed, kept = [
        await factory.user(name, discoverable=True)
        for name in ("followed", "blocked", "blocker", "muted", "dismissed", "kept")
    ]
    for path in (
        f"/api/v1/accounts/{followed.id}/follow",
        f"/api/v1/accounts/{blocked.id}/block",
        f"/api/v1/accounts/{muted.id}/mute",
    ):
        assert (await client.post(path, headers=viewer.headers)).status_code == 200
    response = await client.post(f"/api/v1/accounts/{viewer.id}/block", headers=blocker.headers)
    assert response.status_code == 200

    response = await client.delete(f"/api/v1/suggestions/{dismissed.id}", headers=viewer.headers)
    assert response.status_code == 200 and response.json() == {}
    # Dismissing twice is harmless and keeps one row.
    response = await client.delete(f"/api/v1/suggestions/{dismissed.id}", headers=viewer.headers)
    assert response.status_code == 200

    assert await _suggested_ids(client, viewer) == [("global", kept.id)]
    async with db() as session:
        rows = (await session.scalars(select(SuggestionDismissal))).all()
    assert [(r.account_id, r.target_id) for r in rows] == [
        (viewer.account.id, dismissed.account.id)
    ]


async def test_dismissal_is_per_viewer(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    carol = await factory.account("carol", discoverable=True)
    await client.delete(f"/api/v1/suggestions/{carol.id}", headers=alice.headers)
    assert ("global", str(carol.id)) not in await _suggested_ids(client, alice)
    assert ("global", str(carol.id)) in await _suggested_ids(client, bob)


async def test_limit_is_clamped_and_validated(client, factory):
    viewer = await factory.user("viewer")
    for n in range(3):
        await factory.account(f"pop{n}", discoverable=True, followers_count=n)
    response = await client.get("/api/v2/suggestions?limit=2", headers=viewer.headers)
    assert [i["account"]["username"] for i in response.json()] == ["pop2", "pop1"]
    response = await client.get("/api/v2/suggestions?limit=500", headers=viewer.headers)
    assert len(response.json()) == 3
    response = await client.get("/api/v1/suggestions?limit=many", headers=viewer.headers)
    assert response.status_code == 422 and "limit" in response.json()["error"]


async def test_suggestion_errors(client, factory):
    reader = await factory.user("reader", scopes=["read:accounts"])
    writer = await factory.user("writer", scopes=["write:accounts"])
    target = await factory.account("target", discoverable=True)
    for path in ("/api/v1/suggestions", "/api/v2/suggestions"):
        assert (await client.get(path)).status_code == 401
        assert (await client.get(path, headers=writer.headers)).status_code == 403
        assert (await client.get(path, headers=reader.headers)).status_code == 200
    path = f"/api/v1/suggestions/{target.id}"
    assert (await client.delete(path)).status_code == 401
    assert (await client.delete(path, headers=reader.headers)).status_code == 403
    for bad in ("999999999", "not-an-id"):
        response = await client.delete(f"/api/v1/suggestions/{bad}", headers=writer.headers)
        assert response.status_code == 404
        assert response.json() == {"error": "Record not found"}


# --- GET /api/v1/accounts/familiar_followers ---------------------------------------------------


async def _follow(client, user, target_id):
    response = await client.post(f"/api/v1/accounts/{target_id}/follow", headers=user.headers)
    assert response.status_code == 200, response.text


async def test_familiar_followers(client, factory):
    viewer, friend1, friend2, stranger, target, other = [
        await factory.user(n)
        for n in ("viewer", "friend1", "friend2", "stranger", "target", "other")
    ]
    for friend in (friend1, friend2):
        await _follow(client, viewer, friend.id)
        await _follow(client, friend, target.id)
    await _follow(client, stranger, target.id)  # the viewer doesn't follow them
    await _follow(client, viewer, target.id)  # the viewer itself isn't listed

    response = await client.get(
        f"/api/v1/accounts/familiar_followers?id[]={target.id}&id[]={other.id}",
        headers=viewer.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [entry["id"] for entry in body] == [target.id, other.id]
    assert sorted(a["id"] for a in body[0]["accounts"]) == sorted([friend1.id, friend2.id])
    assert body[1]["accounts"] == []


async def test_familiar_followers_honours_hidden_networks(client, factory):
    viewer, friend, target = [await factory.user(n) for n in ("viewer", "friend", "target")]
    await _follow(client, viewer, friend.id)
    await _follow(client, friend, target.id)
    url = f"/api/v1/accounts/familiar_followers?id={target.id}"
    response = await client.get(url, headers=viewer.headers)
    assert [a["id"] for a in response.json()[0]["accounts"]] == [friend.id]

    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=friend.headers,
        json={"hide_follows": True},
    )
    assert response.status_code == 200, response.text
    response = await client.get(url, headers=viewer.headers)
    assert response.json() == [{"id": target.id, "accounts": []}]


async def test_familiar_followers_errors(client, factory):
    reader = await factory.user("reader", scopes=["read:follows"])
    other = await factory.user("other", scopes=["read:accounts"])
    url = f"/api/v1/accounts/familiar_followers?id[]={reader.id}"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=other.headers)).status_code == 403
    response = await client.get(url, headers=reader.headers)
    assert response.status_code == 200
    response = await client.get(
        "/api/v1/accounts/familiar_followers?id[]=abc", headers=reader.headers
    )
    assert response.status_code == 422
    many = "&".join(f"id[]={n}" for n in range(1, 50))
    response = await client.get(
        f"/api/v1/accounts/familiar_followers?{many}", headers=reader.headers
    )
    assert response.status_code == 422
    # No ids at all: an empty list, not an error.
    response = await client.get("/api/v1/accounts/familiar_followers", headers=reader.headers)
    assert response.status_code == 200 and response.json() == []
