"""Pins of remote accounts: Add / Remove on the actor's featured collection, in Mastodon's
shape (no activity id), taken through the receive path and read back through the client
API."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from pyleroma.federation.receive import Refused
from pyleroma.models import Account, Status, StatusPin
from tests.activities.test_remote_posts import author_of, count, load, receive


async def _alice_with_post(app, db) -> tuple[Account, Status]:
    alice = await author_of(db, "mastodon")
    async with db() as session:
        featured = f"{alice.ap_id}/collections/featured"
        await session.execute(
            update(Account).where(Account.id == alice.id).values(featured_url=featured)
        )
        await session.commit()
    alice.featured_url = featured
    post = await receive(app, alice, load("mastodon", "create_note_public"))
    assert isinstance(post, Status)
    return alice, post


async def _pinned_ids(client, account_id, user) -> list[str]:
    response = await client.get(
        f"/api/v1/accounts/{account_id}/statuses",
        params={"pinned": "true"},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    return [status["id"] for status in response.json()]


async def test_a_remote_pin_and_unpin_show_in_the_client_api(app, client, factory, db):
    viewer = await factory.user("zoe")
    alice, post = await _alice_with_post(app, db)

    assert (await receive(app, alice, load("mastodon", "add_featured"))).id == post.id
    await receive(app, alice, load("mastodon", "add_featured"))  # again: still one pin
    assert await count(db, StatusPin) == 1
    assert await _pinned_ids(client, alice.id, viewer) == [str(post.id)]
    shown = await client.get(f"/api/v1/statuses/{post.id}", headers=viewer.headers)
    assert shown.json()["pinned"] is True  # pinned by its author, as Pleroma renders it
    assert shown.json()["pleroma"]["pinned_at"] is not None

    await receive(app, alice, load("mastodon", "remove_featured"))
    assert await count(db, StatusPin) == 0
    assert await _pinned_ids(client, alice.id, viewer) == []
    shown = await client.get(f"/api/v1/statuses/{post.id}", headers=viewer.headers)
    assert shown.json()["pinned"] is False and shown.json()["pleroma"]["pinned_at"] is None


async def test_only_the_actors_own_collection_and_posts(app, factory, db):
    alice, post = await _alice_with_post(app, db)
    other_collection = load("mastodon", "add_featured")
    other_collection["target"] = f"{alice.ap_id}/collections/tags"
    assert await receive(app, alice, other_collection) is None

    bob = await author_of(db, "pleroma")
    async with db() as session:
        await session.execute(
            update(Account)
            .where(Account.id == bob.id)
            .values(featured_url=f"{bob.ap_id}/collections/featured")
        )
        await session.commit()
    bob.featured_url = f"{bob.ap_id}/collections/featured"
    foreign = {**load("mastodon", "add_featured"), "actor": bob.ap_id, "target": bob.featured_url}
    with pytest.raises(Refused):  # alice's post, from another host
        await receive(app, bob, foreign)
    assert await count(db, StatusPin) == 0
    # A post we do not have, removed: nothing to unpin, nothing fetched.
    gone = load("mastodon", "remove_featured")
    gone["object"] = f"{alice.ap_id}/statuses/1"
    assert await receive(app, alice, gone) is None
