"""Mastodon's featured tags: feature, list (own and an account's), unfeature, suggestions;
the FeaturedTag entity with counts of the account's own public posts."""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.models import FeaturedTag, Hashtag
from pyleroma.services.discovery.featured_tags import MAX_FEATURED

URL = "/api/v1/featured_tags"


async def _featured_names(db, account_id) -> list[str]:
    async with db() as session:
        rows = await session.scalars(
            select(Hashtag.name)
            .join(FeaturedTag, FeaturedTag.hashtag_id == Hashtag.id)
            .where(FeaturedTag.account_id == account_id)
            .order_by(FeaturedTag.id)
        )
        return list(rows)


async def _post(client, user, text, **body):
    response = await client.post(
        "/api/v1/statuses", json={"status": text, **body}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_featured_tags_are_listed_with_counts_and_removed(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await _post(client, alice, "one #Cats")
    last = await _post(client, alice, "two #cats #dogs")
    await _post(client, alice, "hidden #cats", visibility="private")
    await _post(client, bob, "not hers #cats")

    made = await client.post(URL, json={"name": "#Cats"}, headers=alice.headers)
    assert made.status_code == 200, made.text
    cats = made.json()
    assert set(cats) == {"id", "name", "url", "statuses_count", "last_status_at"}
    assert cats["name"] == "cats" and cats["statuses_count"] == "2"
    assert cats["last_status_at"] == last["created_at"][:10]  # a date, as Mastodon
    assert cats["url"].endswith("/tag/cats")
    fresh = (await client.post(URL, data={"name": "unused"}, headers=alice.headers)).json()
    assert (fresh["statuses_count"], fresh["last_status_at"]) == ("0", None)
    again = await client.post(URL, json={"name": "cats"}, headers=alice.headers)
    assert again.json()["id"] == cats["id"]  # already featured: the same one
    assert await _featured_names(db, alice.account.id) == ["cats", "unused"]

    own = await client.get(URL, headers=alice.headers)
    assert [t["name"] for t in own.json()] == ["cats", "unused"] and own.json()[0] == cats
    for ident in (alice.id, "alice"):
        public = await client.get(f"/api/v1/accounts/{ident}/featured_tags")
        assert public.status_code == 200 and public.json() == own.json()
    assert (await client.get(f"/api/v1/accounts/{bob.id}/featured_tags")).json() == []

    gone = await client.delete(f"{URL}/{cats['id']}", headers=alice.headers)
    assert (gone.status_code, gone.json()) == (200, {})
    assert await _featured_names(db, alice.account.id) == ["unused"]


async def test_suggestions_are_the_most_used_tags_not_featured(client, factory):
    alice = await factory.user("alice")
    await _post(client, alice, "#rare")
    for _ in range(3):
        await _post(client, alice, "#common #mid")
    await _post(client, alice, "#mid")
    await client.post(URL, json={"name": "mid"}, headers=alice.headers)
    response = await client.get(f"{URL}/suggestions", headers=alice.headers)
    assert response.status_code == 200
    assert [t["name"] for t in response.json()] == ["common", "rare"]
    assert response.json()[0]["following"] is False and "history" in response.json()[0]


async def test_featured_tag_errors(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    reader = await factory.user("reader", scopes=["read:accounts"])
    cats = (await client.post(URL, json={"name": "cats"}, headers=alice.headers)).json()

    for name in ("", "   ", "#", "no spaces", "123", "x" * 300):
        bad = await client.post(URL, json={"name": name}, headers=alice.headers)
        assert bad.status_code == 422 and "error" in bad.json(), name
    assert (await client.post(URL, json={"name": ["a"]}, headers=alice.headers)).status_code == 422
    assert (await client.post(URL, json={"name": "x"}, headers=reader.headers)).status_code == 403
    assert (await client.post(URL, json={"name": "x"})).status_code == 401
    assert (await client.get(URL)).status_code == 401
    assert (await client.get(f"{URL}/suggestions")).status_code == 401
    assert (await client.get(URL, headers=reader.headers)).status_code == 200

    for target in (cats["id"], "999999", "abc"):
        missing = await client.delete(f"{URL}/{target}", headers=bob.headers)
        assert (missing.status_code, missing.json()) == (404, {"error": "Record not found"})
    assert (await client.delete(f"{URL}/{cats['id']}", headers=reader.headers)).status_code == 403
    assert await _featured_names(db, alice.account.id) == ["cats"]

    for i in range(MAX_FEATURED - 1):
        assert (await client.post(URL, json={"name": f"t{i}"}, headers=alice.headers)).is_success
    over = await client.post(URL, json={"name": "onemore"}, headers=alice.headers)
    assert over.status_code == 422
    assert over.json() == {"error": "You have already featured the maximum number of hashtags"}
    assert len(await _featured_names(db, alice.account.id)) == MAX_FEATURED

    unknown = await client.get("/api/v1/accounts/999999/featured_tags")
    assert unknown.status_code == 404 and "error" in unknown.json()
