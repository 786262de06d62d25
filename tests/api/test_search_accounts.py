"""Accounts in GET /api/v2/search and GET /api/v1/accounts/search (one search function),
and GET /api/v1/pleroma/search/location."""

from __future__ import annotations

import pytest

from tests.api.relationship_helpers import remote_account
from tests.api.timeline_helpers import follow, users

V2 = "/api/v2/search"
V1 = "/api/v1/accounts/search"


async def v2_accts(client, q, user=None, **params) -> list[str]:
    headers = user.headers if user is not None else {}
    response = await client.get(V2, params={"q": q, "type": "accounts", **params}, headers=headers)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["statuses"] == [] and data["hashtags"] == []
    return [a["acct"] for a in data["accounts"]]


async def v1_accts(client, q, user=None, **params) -> list[str]:
    headers = user.headers if user is not None else {}
    response = await client.get(V1, params={"q": q, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [a["acct"] for a in response.json()]


async def test_ranked_prefix_search_same_in_v1_and_v2(client, factory):
    me = await factory.user("me")
    await factory.account("sam")
    await factory.account("samuel", followers_count=3)
    await factory.account("samantha", followers_count=9)
    await factory.account("xavier", display_name="Sam X")
    await factory.account("yolanda", display_name="samba dancer")
    await factory.account("bob", display_name="Bob sam")  # not a prefix: not found
    await factory.account("samoff", is_active=False)
    await factory.account("samwait", is_approved=False)
    await factory.account("sambot", actor_type="Application")

    expected = ["sam", "samantha", "samuel", "xavier", "yolanda"]
    assert await v2_accts(client, "sam", me) == expected
    assert await v1_accts(client, "sam", me) == expected
    assert await v2_accts(client, "SAM", me, limit=2, offset=1) == ["samantha", "samuel"]
    assert await v2_accts(client, "sam b", me) == []
    assert await v2_accts(client, "samba d", me) == ["yolanda"]


async def test_followed_accounts_rank_first_and_following_only(client, factory):
    me, sam_a, sam_b = await users(factory, "me", "sama", "samb")
    await factory.account("samc", followers_count=50)
    await follow(client, me, sam_b.account)

    assert await v2_accts(client, "sam", me) == ["samb", "samc", "sama"]
    assert await v2_accts(client, "sam", me, following="true") == ["samb"]
    assert await v1_accts(client, "sam", me, following="true") == ["samb"]
    assert await v2_accts(client, "sam", None, following="true") == []
    assert await v2_accts(client, "sam") == ["samc", "samb", "sama"]


async def test_exact_handle_and_profile_url_come_first(client, factory, db):
    me = await factory.user("me")
    await factory.account("ann", followers_count=0)
    await factory.account("anna", followers_count=100)
    remote = await remote_account(db, "ann", "far.example")

    assert await v2_accts(client, "ann", me) == ["ann", "anna", "ann@far.example"]
    assert await v2_accts(client, "@ann@pyleroma.test", me) == ["ann", "anna", "ann@far.example"]
    assert await v2_accts(client, "ann@far.example", me) == ["ann@far.example"]
    for url in ("http://pyleroma.test/users/ann", "http://pyleroma.test/@ann"):
        assert await v2_accts(client, url, me) == ["ann"], url
    assert await v2_accts(client, remote.ap_id, me) == ["ann@far.example"]
    assert await v2_accts(client, "https://elsewhere.example/users/ann", me) == []


async def test_blocked_and_domain_blocked_accounts_are_left_out(client, factory, db):
    me, tim = await users(factory, "me", "tim")
    await factory.account("timothy")
    await remote_account(db, "timo", "blocked.example")
    await remote_account(db, "timmy", "fine.example")
    assert await v2_accts(client, "tim", me) == [
        "tim",
        "timmy@fine.example",
        "timo@blocked.example",
        "timothy",
    ]

    response = await client.post(f"/api/v1/accounts/{tim.id}/block", headers=me.headers)
    assert response.status_code == 200
    response = await client.post(
        "/api/v1/domain_blocks", data={"domain": "blocked.example"}, headers=me.headers
    )
    assert response.status_code == 200
    assert await v2_accts(client, "tim", me) == ["timmy@fine.example", "timothy"]
    assert await v1_accts(client, "tim", me) == ["timmy@fine.example", "timothy"]


async def test_anonymous_searchers_find_local_accounts_only(client, factory, db):
    me = await factory.user("me")
    await factory.account("lee")
    await remote_account(db, "lee", "far.example")
    assert await v2_accts(client, "lee") == ["lee"]
    assert await v1_accts(client, "lee") == ["lee"]
    assert await v2_accts(client, "lee", me) == ["lee", "lee@far.example"]


@pytest.mark.parametrize("settings_overrides", [{"limit_to_local_content": "all"}])
async def test_limit_to_local_content_all_limits_everyone(client, factory, db):
    me = await factory.user("me")
    await factory.account("lee")
    await remote_account(db, "lee", "far.example")
    assert await v2_accts(client, "lee", me) == ["lee"]


async def test_with_relationships_embeds_the_viewers_relationship(client, factory):
    me, kim = await users(factory, "me", "kim")
    await follow(client, me, kim.account)
    response = await client.get(
        V2, params={"q": "kim", "with_relationships": "true"}, headers=me.headers
    )
    assert response.status_code == 200
    (found,) = response.json()["accounts"]
    assert found["pleroma"]["relationship"]["following"] is True
    assert found["pleroma"]["relationship"]["id"] == kim.id
    plain = (await client.get(V2, params={"q": "kim"}, headers=me.headers)).json()
    assert plain["accounts"][0]["pleroma"]["relationship"] == {}


@pytest.mark.parametrize("settings_overrides", [{"restrict_unauthenticated_profiles": True}])
async def test_restricted_profiles_need_a_login(client, factory):
    me = await factory.user("me")
    for url in (V1, V2):
        response = await client.get(url, params={"q": "me"})
        assert response.status_code == 401, url
        assert response.json() == {"error": "This API requires an authenticated user"}
    assert await v2_accts(client, "me", me) == ["me"]


# --- GET /api/v1/pleroma/search/location ------------------------------------------------------


async def test_location_search_needs_a_login_and_finds_nothing_without_a_provider(client, factory):
    me = await factory.user("me", scopes=["write"])  # any scope will do
    for prefix in ("/api/v1/pleroma", "/api/pleroma"):
        url = f"{prefix}/search/location"
        response = await client.get(url, params={"q": "Paris"}, headers=me.headers)
        assert response.status_code == 200 and response.json() == []
        assert (await client.get(url, params={"q": "Paris"})).status_code == 401
        response = await client.get(url, headers=me.headers)
        assert response.status_code == 400 and response.json() == {"error": "Missing field: q."}
