"""Signed fetches: a followers-only or direct post is served only to an account that may
see it, proven by the HTTP signature of the GET."""

from __future__ import annotations

from pyleroma.federation.keys import new_key_pair
from pyleroma.federation.signatures import sign_request
from pyleroma.models import Follow
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from tests.api.relationship_helpers import remote_account
from tests.conftest import BASE_URL

AS = "application/activity+json"


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


async def _fetch(client, path: str, signer=None, key=None):
    headers = {"Accept": AS}
    if signer is not None:
        headers = sign_request("GET", f"{BASE_URL}{path}", headers, None, signer.key_id, key)
    return await client.get(path, headers=headers)


async def test_followers_only_and_direct_posts_go_to_those_who_may_see_them(client, factory, db):
    alice = await factory.user("alice")
    bob, bob_key = await _remote_with_key(db, "bob")
    carol, carol_key = await _remote_with_key(db, "carol")
    async with db() as session:
        session.add(Follow(follower_id=bob.id, followed_id=alice.account.id, state=FOLLOW_ACCEPTED))
        await session.commit()
    private = await factory.status(alice.account, "for followers", visibility="private")
    direct = await factory.status(alice.account, "@carol@remote.example hi", visibility="direct")

    path = f"/objects/{private.id}"
    served = await _fetch(client, path, bob, bob_key)
    assert served.status_code == 200, served.text
    assert served.json()["id"] == private.uri
    assert served.json()["to"] == [f"{alice.account.ap_id}/followers"]
    assert (await _fetch(client, path, carol, carol_key)).status_code == 404
    assert (await _fetch(client, path)).status_code == 404

    path = f"/objects/{direct.id}"
    assert (await _fetch(client, path, carol, carol_key)).status_code == 200
    assert (await _fetch(client, path, bob, bob_key)).status_code == 404


async def test_a_fetch_with_a_bad_signature_is_refused(client, factory, db):
    alice = await factory.user("alice")
    bob, _ = await _remote_with_key(db, "bob")
    other, _ = new_key_pair()
    private = await factory.status(alice.account, "for followers", visibility="private")
    response = await _fetch(client, f"/objects/{private.id}", bob, other)
    assert response.status_code == 401
    assert "signature" in response.json()["error"]


async def test_local_only_posts_are_never_served(client, factory, db):
    alice = await factory.user("alice")
    bob, bob_key = await _remote_with_key(db, "bob")
    local = await factory.status(alice.account, "ours only", visibility="local")
    assert (await _fetch(client, f"/objects/{local.id}", bob, bob_key)).status_code == 404
