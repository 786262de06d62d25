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


async def test_authorized_fetch_mode_wants_a_signature_for_objects_and_collections(
    app, client, factory, db
):
    app.state.settings.authorized_fetch_mode = True
    alice = await factory.user("alice")
    bob, bob_key = await _remote_with_key(db, "bob")
    public = await factory.status(alice.account, "hello", visibility="public")
    reblogged = await client.post(f"/api/v1/statuses/{public.id}/reblog", headers=alice.headers)
    assert reblogged.status_code == 200
    paths = [
        f"/objects/{public.id}",
        "/users/alice/outbox",
        "/users/alice/followers",
        "/users/alice/following",
        "/users/alice/collections/featured",
        f"/activities/{reblogged.json()['id']}",
    ]
    for path in paths:
        unsigned = await _fetch(client, path)
        assert unsigned.status_code == 401, path
        assert unsigned.json() == {"error": "Request not signed"}
        signed = await _fetch(client, path, bob, bob_key)
        assert signed.status_code == 200, (path, signed.text)
    # Actor documents and the instance actor stay readable: keys must be discoverable.
    assert (await _fetch(client, "/users/alice")).status_code == 200
    assert (await _fetch(client, "/internal/fetch")).status_code == 200
    # The web page of a post is not an ActivityPub fetch.
    page = await client.get(f"/objects/{public.id}", headers={"Accept": "text/html"})
    assert page.status_code != 401


async def test_blocked_instances_are_not_served(app, client, factory, db):
    settings = app.state.settings
    alice = await factory.user("alice")
    bob, bob_key = await _remote_with_key(db, "bob")
    public = await factory.status(alice.account, "hello", visibility="public")
    settings.mrf_policies = ["SimplePolicy"]
    settings.mrf_simple_reject = ["remote.example"]
    for mode in (False, True):
        settings.authorized_fetch_mode = mode
        for path in (f"/objects/{public.id}", "/users/alice/outbox"):
            refused = await _fetch(client, path, bob, bob_key)
            assert refused.status_code == 403, (mode, path)
            assert refused.json() == {"error": "this instance does not serve yours"}
    settings.authorized_fetch_mode = False
    assert (await _fetch(client, f"/objects/{public.id}")).status_code == 200  # anonymous
    settings.mrf_simple_reject = []
    assert (await _fetch(client, f"/objects/{public.id}", bob, bob_key)).status_code == 200
