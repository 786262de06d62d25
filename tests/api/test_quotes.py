"""The posts quoting a post: Pleroma's /statuses/:id/quotes (both prefixes, anonymous
allowed) and Mastodon 4.5's /api/v1/statuses/:id/quotes (token required): only quotes the
viewer may see, blocked accounts' left out, newest first with a Link header."""

from __future__ import annotations

import pytest

from pyleroma.models import Block
from tests.api.relationship_helpers import NEXT_LINK
from tests.api.status_action_helpers import follow

PLEROMA = ("/api/v1/pleroma", "/api/pleroma")


async def _post(client, user, **body) -> dict:
    response = await client.post("/api/v1/statuses", json=body, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _quote_ids(client, path, user=None, **query) -> list[str]:
    headers = user.headers if user else {}
    response = await client.get(path, params=query, headers=headers)
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()]


@pytest.mark.parametrize("path", [f"{p}/statuses/{{id}}/quotes" for p in PLEROMA] + [
    "/api/v1/statuses/{id}/quotes"
])  # fmt: skip
async def test_quotes_list_what_the_viewer_may_see(client, factory, db, path):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    dave = await factory.user("dave")
    eve = await factory.user("eve")
    await follow(db, eve.account.id, carol.account.id)
    async with db() as session:
        session.add(Block(account_id=eve.account.id, target_id=dave.account.id))
        await session.commit()
    quoted = await _post(client, alice, status="quote me")
    other = await _post(client, alice, status="not this one")
    by_bob = await _post(client, bob, status="look", quote_id=quoted["id"])
    by_carol = await _post(
        client, carol, status="friends", quote_id=quoted["id"], visibility="private"
    )
    by_dave = await _post(client, dave, status="me too", quote_id=quoted["id"])
    await _post(client, bob, status="elsewhere", quote_id=other["id"])
    await client.post(f"/api/v1/statuses/{by_bob['id']}/reblog", headers=carol.headers)
    url = path.format(id=quoted["id"])

    rendered = (await client.get(url, headers=eve.headers)).json()
    assert [s["id"] for s in rendered] == [by_carol["id"], by_bob["id"]]
    assert rendered[1]["quote"]["id"] == quoted["id"] and rendered[1]["content"].startswith("look")
    assert await _quote_ids(client, url, bob) == [by_dave["id"], by_bob["id"]]
    assert await _quote_ids(client, url, carol) == [by_dave["id"], by_carol["id"], by_bob["id"]]
    if path.startswith("/api/v1/statuses"):
        assert (await client.get(url)).status_code == 401
    else:
        assert await _quote_ids(client, url) == [by_dave["id"], by_bob["id"]]


async def test_quotes_are_paged(client, factory):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    quoted = await _post(client, alice, status="popular")
    ids = [
        (await _post(client, bob, status=f"q{i}", quote_id=quoted["id"]))["id"] for i in range(4)
    ]
    url = f"/api/v1/statuses/{quoted['id']}/quotes"
    first = await client.get(url, params={"limit": 2}, headers=alice.headers)
    assert [s["id"] for s in first.json()] == [ids[3], ids[2]]
    second = await client.get(
        NEXT_LINK.search(first.headers["link"]).group(1), headers=alice.headers
    )
    assert [s["id"] for s in second.json()] == [ids[1], ids[0]]
    assert await _quote_ids(client, url, alice, min_id=ids[0], limit=1) == [ids[1]]
    assert await _quote_ids(client, url, alice, since_id=ids[2]) == [ids[3]]


async def test_quotes_errors(client, factory):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    no_read = await factory.user("writer", scopes=["write"])
    secret = await _post(client, alice, status="only me", visibility="direct")
    public = await _post(client, alice, status="hi")
    for prefix in PLEROMA:
        hidden = await client.get(f"{prefix}/statuses/{secret['id']}/quotes", headers=bob.headers)
        assert (hidden.status_code, hidden.json()) == (404, {"error": "Record not found"})
        assert (await client.get(f"{prefix}/statuses/{secret['id']}/quotes")).status_code == 404
        assert (await client.get(f"{prefix}/statuses/999999/quotes")).status_code == 404
        assert (await client.get(f"{prefix}/statuses/abc/quotes")).status_code == 404
    own = await client.get(f"/api/v1/statuses/{secret['id']}/quotes", headers=alice.headers)
    assert (own.status_code, own.json()) == (200, [])
    mastodon = f"/api/v1/statuses/{public['id']}/quotes"
    assert (await client.get(mastodon, headers=no_read.headers)).status_code == 403
    assert (await client.get(mastodon)).status_code == 401
    bad = await client.get(mastodon, params={"max_id": "x"}, headers=bob.headers)
    assert bad.status_code == 422 and "error" in bad.json()


async def test_quoted_status_id_is_taken_as_quote_id(client, factory):
    """Mastodon 4.5's parameter name, which megalodon and Mastodon.py send."""
    alice = await factory.user("alice")
    quoted = await _post(client, alice, status="original")
    quoting = await _post(client, alice, status="again", quoted_status_id=quoted["id"])
    assert quoting["quote"]["id"] == quoted["id"] and quoting["pleroma"]["quote_id"] == quoted["id"]
    missing = await client.post(
        "/api/v1/statuses",
        json={"status": "x", "quoted_status_id": "junk"},
        headers=alice.headers,
    )
    assert missing.status_code == 422
    assert missing.json() == {"error": "You can't quote a status that doesn't exist"}
    url = f"/api/v1/statuses/{quoted['id']}/quotes"
    assert await _quote_ids(client, url, alice) == [quoting["id"]]
