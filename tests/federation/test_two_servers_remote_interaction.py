"""Remote interaction and imports across two pyleroma servers on loopback: a visitor from
one server follows an account of the other through its WebFinger template and login page,
and an import on one server follows, blocks and mutes accounts of the other."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import select

from pyleroma.models import Account, Block, Follow, Mute
from tests.api.oauth_helpers import LoginForm
from tests.factories import DEFAULT_PASSWORD
from tests.federation.servers import Server, settle
from tests.federation.test_two_servers import _relationship, _resolve


async def _remote_id(server: Server, handle: str) -> int | None:
    async with server.app.state.sessionmaker() as session:
        return await session.scalar(select(Account.id).where(Account.nickname_key == handle))


async def test_a_visitor_from_another_server_follows_through_their_own_server(servers):
    a, b = servers
    alice = await a.user("alice")
    bob = await b.user("bob")
    ap_id = f"{a.base_url}/users/alice"

    # On a: where should bob@b go to follow alice? b's template, from b's WebFinger.
    for prefix in ("/api/v1/pleroma", "/api/pleroma"):
        answer = await a.http.post(
            f"{prefix}/remote_interaction", json={"ap_id": ap_id, "profile": b.handle("bob")}
        )
        assert answer.status_code == 200, answer.text
        url = answer.json()["url"]
        assert url == f"{b.base_url}/ostatus_subscribe?acct={quote(ap_id, safe='')}"

    # The same through a's page for visitors.
    page = await a.http.get("/main/ostatus", params={"nickname": "alice"})
    form = LoginForm(page.text)
    data = {**dict(form.fields), "user[profile]": f"@{b.handle('bob')}"}
    sent = await a.http.post(form.action, data=data)
    assert (sent.status_code, sent.headers["location"]) == (302, url)

    # On b: the page resolves alice over there and asks bob to log in.
    landing = await b.http.get(url)
    assert landing.status_code == 200, landing.text
    assert f"@{a.handle('alice')}" in landing.text
    login = LoginForm(landing.text)
    fields = {
        **dict(login.fields),
        "authorization[name]": "bob",
        "authorization[password]": DEFAULT_PASSWORD,
    }
    done = await b.http.post(login.action, data=fields)
    assert done.status_code == 200, done.text
    assert "You are now following" in done.text
    await settle(a, b)

    alice_on_b = await _resolve(b, bob, a.handle("alice"))
    assert (await _relationship(b, bob, alice_on_b["id"]))["following"] is True
    followers = await a.get(f"/api/v1/accounts/{alice.id}/followers", alice)
    assert [f["acct"] for f in followers.json()] == [b.handle("bob")]


async def test_remote_interaction_errors_with_other_hosts(servers, remote_server):
    a, _b = servers
    await a.user("alice")
    ap_id = f"{a.base_url}/users/alice"
    plain = await remote_server("127.0.0.4")  # answers WebFinger, but with no template
    plain.webfinger("carol", f"{plain.base}/users/carol")
    answer = await a.http.post(
        "/api/v1/pleroma/remote_interaction",
        json={"ap_id": ap_id, "profile": f"carol@{plain.authority}"},
    )
    assert answer.status_code == 422
    assert answer.json() == {"error": f"{plain.authority} offers no remote follow"}
    nobody = await a.http.post(
        "/api/v1/pleroma/remote_interaction",
        json={"ap_id": ap_id, "profile": f"nobody@{plain.authority}"},
    )
    assert (nobody.status_code, nobody.json()) == (404, {"error": "Couldn't find user"})
    page = await a.http.post(
        "/main/ostatus",
        data={"user[nickname]": "alice", "user[profile]": f"carol@{plain.authority}"},
    )
    assert page.status_code == 422
    assert "offers no remote follow" in page.text


async def test_imports_reach_accounts_on_the_other_server(servers):
    a, b = servers
    alice = await a.user("alice")
    await b.user("bob")
    await b.user("carol")
    await b.user("dave")
    await b.user("erin", locked=True)
    csv = (
        "Account address,Show boosts,Notify on new posts,Languages\n"
        f"{b.handle('bob')},false,true,\n"
        f"@{b.handle('erin')},true,false,\n"
        f"{b.handle('ghost')},true,false,\n"
        "someone@127.0.0.1:9,true,false,\n"
    )
    response = await a.http.post(
        "/api/pleroma/follow_import", headers=alice.headers, data={"list": csv}
    )
    assert (response.status_code, response.json()) == (200, "job started")
    blocks = await a.http.post(
        "/api/pleroma/blocks_import",
        headers=alice.headers,
        files={"list": ("blocks.csv", f"{b.base_url}/users/carol\n".encode(), "text/csv")},
    )
    assert blocks.status_code == 200
    mutes = await a.http.post(
        "/api/v1/pleroma/mutes_import",
        headers=alice.headers,
        data={"list": f"Account address,Hide notifications\n{b.handle('dave')},false\n"},
    )
    assert mutes.status_code == 200
    await settle(a, b)

    bob_id = await _remote_id(a, b.handle("bob").lower())
    erin_id = await _remote_id(a, b.handle("erin").lower())
    carol_id = await _remote_id(a, b.handle("carol").lower())
    dave_id = await _remote_id(a, b.handle("dave").lower())
    assert await _remote_id(a, b.handle("ghost").lower()) is None
    async with a.app.state.sessionmaker() as session:
        follows = {
            f.followed_id: f
            for f in await session.scalars(
                select(Follow).where(Follow.follower_id == alice.account.id)
            )
        }
        assert set(follows) == {bob_id, erin_id}
        assert (follows[bob_id].state, follows[bob_id].show_reblogs, follows[bob_id].notify) == (
            "accepted",
            False,
            True,
        )
        assert follows[erin_id].state == "pending"  # erin approves her followers
        blocked = await session.scalars(
            select(Block.target_id).where(Block.account_id == alice.account.id)
        )
        assert list(blocked) == [carol_id]
        mute = await session.scalar(select(Mute).where(Mute.account_id == alice.account.id))
        assert (mute.target_id, mute.hide_notifications) == (dave_id, False)

    # The other side heard of the follows (and of the block: no follow either way).
    bob = b.users["bob"]
    alice_on_b = await _resolve(b, bob, a.handle("alice"))
    assert (await _relationship(b, bob, alice_on_b["id"]))["followed_by"] is True
    erin = b.users["erin"]
    requests = await b.get("/api/v1/follow_requests", erin)
    assert [r["acct"] for r in requests.json()] == [a.handle("alice")]
