"""``/activities/<id>`` for local Likes and Follows: the document that was delivered, to
whom it may be shown, 404 for the rest (federation/activity_documents.py)."""

from __future__ import annotations

from sqlalchemy import select, update

from pyleroma.db.ids import new_id
from pyleroma.federation.keys import new_key_pair
from pyleroma.federation.signatures import sign_request
from pyleroma.models import Account, Block, Favourite, Follow
from pyleroma.models.relationship import FOLLOW_ACCEPTED, FOLLOW_PENDING
from tests.api.relationship_helpers import remote_account
from tests.conftest import BASE_URL

AS = "application/activity+json"
AS_CONTENT_TYPE = "application/activity+json; charset=utf-8"
CONTEXT = "https://www.w3.org/ns/activitystreams"


async def _remote_with_key(db, name: str):
    private, public = new_key_pair()
    account = await remote_account(
        db,
        name,
        "remote.example",
        key_id=f"https://remote.example/users/{name}#main-key",
        public_key=public,
        inbox=f"https://remote.example/users/{name}/inbox",
    )
    return account, private


async def _get(client, path: str, signer=None, key=None, accept: str = AS):
    headers = {"Accept": accept}
    if signer is not None:
        headers = sign_request("GET", f"{BASE_URL}{path}", headers, None, signer.key_id, key)
    return await client.get(path, headers=headers)


async def _favourite_row(db, account_id: int, status_id: int) -> Favourite:
    async with db() as session:
        return (
            await session.execute(
                select(Favourite).where(
                    Favourite.account_id == account_id, Favourite.status_id == status_id
                )
            )
        ).scalar_one()


async def _follow_row(db, follower_id: int, followed_id: int) -> Follow:
    async with db() as session:
        return (
            await session.execute(
                select(Follow).where(
                    Follow.follower_id == follower_id, Follow.followed_id == followed_id
                )
            )
        ).scalar_one()


async def _set(db, model, ident, **values) -> None:
    async with db() as session:
        await session.execute(update(model).where(model.id == ident).values(**values))
        await session.commit()


async def test_a_local_like_is_served_as_it_was_sent(client, factory, db):
    alice = await factory.user("alice")
    bob, bob_key = await _remote_with_key(db, "bob")
    post = await factory.status(alice.account, "like me")
    remote_post = await factory.status(bob, "mine")
    for target in (post, remote_post):
        response = await client.post(
            f"/api/v1/statuses/{target.id}/favourite", headers=alice.headers
        )
        assert response.status_code == 200
    row = await _favourite_row(db, alice.account.id, remote_post.id)
    # The row's id is the one the Like was minted from and delivered with.
    assert row.activity_id == f"{BASE_URL}/activities/{row.id}"

    response = await _get(client, f"/activities/{row.id}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == AS_CONTENT_TYPE
    assert "Accept" in response.headers["vary"]
    assert response.json() == {
        "@context": CONTEXT,
        "id": f"{BASE_URL}/activities/{row.id}",
        "type": "Like",
        "actor": f"{BASE_URL}/users/alice",
        "object": remote_post.uri,
        "to": [bob.ap_id],
        "cc": [],
    }
    own = await _favourite_row(db, alice.account.id, post.id)
    mine = (await _get(client, f"/activities/{own.id}")).json()
    assert mine["object"] == f"{BASE_URL}/objects/{post.id}"
    assert mine["to"] == [f"{BASE_URL}/users/alice"]
    # Every AP media type gets it; a browser gets the (missing) web page.
    for accept in ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
                   "application/json"):  # fmt: skip
        assert (await _get(client, f"/activities/{row.id}", accept=accept)).status_code == 200
    page = await _get(client, f"/activities/{row.id}", accept="text/html")
    assert page.status_code == 404
    assert "Accept" in page.headers["vary"]

    # Unfavourited: gone.
    response = await client.post(
        f"/api/v1/statuses/{remote_post.id}/unfavourite", headers=alice.headers
    )
    assert response.status_code == 200
    assert (await _get(client, f"/activities/{row.id}")).status_code == 404
    assert (await _get(client, f"/activities/{own.id}", bob, bob_key)).status_code == 200


async def test_likes_of_private_posts_and_likes_not_ours(client, factory, db):
    alice = await factory.user("alice")
    bob, bob_key = await _remote_with_key(db, "bob")
    carol, carol_key = await _remote_with_key(db, "carol")
    async with db() as session:
        session.add(
            Follow(id=new_id(), follower_id=bob.id, followed_id=alice.account.id,
                   state=FOLLOW_ACCEPTED)
        )  # fmt: skip
        await session.commit()
    private = await factory.status(alice.account, "for followers", visibility="private")
    local = await factory.status(alice.account, "ours only", visibility="local")
    for target in (private, local):
        response = await client.post(
            f"/api/v1/statuses/{target.id}/favourite", headers=alice.headers
        )
        assert response.status_code == 200
    private_like = await _favourite_row(db, alice.account.id, private.id)
    path = f"/activities/{private_like.id}"
    assert (await _get(client, path)).status_code == 404
    assert (await _get(client, path, carol, carol_key)).status_code == 404
    served = await _get(client, path, bob, bob_key)
    assert served.status_code == 200
    assert served.json()["object"] == f"{BASE_URL}/objects/{private.id}"
    local_like = await _favourite_row(db, alice.account.id, local.id)
    assert (await _get(client, f"/activities/{local_like.id}", bob, bob_key)).status_code == 404

    # A remote account's like of our post has its own server's id: not served here.
    public = await factory.status(alice.account, "hello")
    remote_like = new_id()
    async with db() as session:
        session.add(
            Favourite(id=remote_like, account_id=bob.id, status_id=public.id,
                      activity_id="https://remote.example/likes/1")
        )  # fmt: skip
        await session.commit()
    assert (await _get(client, f"/activities/{remote_like}")).status_code == 404
    # A deactivated liker's likes go with it.
    public_like_id = new_id()
    async with db() as session:
        session.add(Favourite(id=public_like_id, account_id=alice.account.id, status_id=public.id))
        await session.commit()
    assert (await _get(client, f"/activities/{public_like_id}")).status_code == 200
    await _set(db, Account, alice.account.id, is_active=False)
    assert (await _get(client, f"/activities/{public_like_id}")).status_code == 404
    for ident in ("0", "-1", "abc", str(2**63), str(new_id())):
        assert (await _get(client, f"/activities/{ident}")).status_code == 404, ident


async def test_a_local_follow_is_served_as_it_was_sent(client, factory, db):
    alice = await factory.user("alice")
    bob, bob_key = await _remote_with_key(db, "bob")
    carol, carol_key = await _remote_with_key(db, "carol")
    response = await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    assert response.status_code == 200
    row = await _follow_row(db, alice.account.id, bob.id)
    assert row.state == FOLLOW_PENDING  # a remote follow waits for its Accept
    assert row.activity_id == f"{BASE_URL}/activities/{row.id}"
    path = f"/activities/{row.id}"
    response = await _get(client, path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == AS_CONTENT_TYPE
    assert response.json() == {
        "@context": CONTEXT,
        "id": f"{BASE_URL}/activities/{row.id}",
        "type": "Follow",
        "actor": f"{BASE_URL}/users/alice",
        "object": bob.ap_id,
        "to": [bob.ap_id],
        "cc": [],
    }

    # Hidden follows: only the followed account (signed) may read it.
    await _set(db, Account, alice.account.id, hide_follows=True)
    assert (await _get(client, path)).status_code == 404
    assert (await _get(client, path, carol, carol_key)).status_code == 404
    assert (await _get(client, path, bob, bob_key)).status_code == 200
    await _set(db, Account, alice.account.id, hide_follows=False)
    await _set(db, Account, bob.id, hide_followers=True)
    assert (await _get(client, path)).status_code == 404
    assert (await _get(client, path, bob, bob_key)).status_code == 200
    await _set(db, Account, bob.id, hide_followers=False)

    # A remote follow of ours carries its server's id; a block is never served.
    async with db() as session:
        session.add(
            Follow(id=(theirs := new_id()), follower_id=carol.id, followed_id=alice.account.id,
                   activity_id="https://remote.example/follows/1")
        )  # fmt: skip
        session.add(Block(id=(block := new_id()), account_id=alice.account.id, target_id=carol.id))
        await session.commit()
    assert (await _get(client, f"/activities/{theirs}")).status_code == 404
    assert (await _get(client, f"/activities/{block}")).status_code == 404

    # Unfollowed: gone.
    response = await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=alice.headers)
    assert response.status_code == 200
    assert (await _get(client, path)).status_code == 404


async def test_authorized_fetch_mode_wants_a_signature(app, client, factory, db):
    alice = await factory.user("alice")
    bob, bob_key = await _remote_with_key(db, "bob")
    post = await factory.status(alice.account, "hello")
    assert (
        await client.post(f"/api/v1/statuses/{post.id}/favourite", headers=alice.headers)
    ).status_code == 200
    assert (
        await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    ).status_code == 200
    like = await _favourite_row(db, alice.account.id, post.id)
    follow = await _follow_row(db, alice.account.id, bob.id)
    app.state.settings.authorized_fetch_mode = True
    try:
        for ident in (like.id, follow.id):
            unsigned = await _get(client, f"/activities/{ident}")
            assert unsigned.status_code == 401
            assert unsigned.json() == {"error": "Request not signed"}
            signed = await _get(client, f"/activities/{ident}", bob, bob_key)
            assert signed.status_code == 200, signed.text
            assert signed.json()["id"] == f"{BASE_URL}/activities/{ident}"
        other_key, _ = new_key_pair()
        forged = await _get(client, f"/activities/{like.id}", bob, other_key)
        assert forged.status_code == 401
    finally:
        app.state.settings.authorized_fetch_mode = False
