"""Relays end to end: two pyleroma servers and a relay (tests/federation/relay_peer.py) on
loopback, the relays followed and left through the ``pyleroma relay`` CLI.

Server A (127.0.0.2) and server B (127.0.0.3) both follow the relay (127.0.0.5); bob posts
on B, the relay passes the post on, and A shows it in its federated timeline, fetched from
B (never taken from the relay's copy) and boosted by no one. Each server's database is
made by ``pyleroma migrate`` so that the CLI can work on it while the server runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from sqlalchemy import select

from pyleroma.federation.http_client import close_sessions
from pyleroma.models import Account, Follow, Status
from tests.federation.relay_peer import PUBLIC, RelayPeer
from tests.federation.servers import Server, settle, start_server, stop_server
from tests.scratch_db import async_scratch_database
from tests.test_cli import Cli


class Node:
    """A server with the CLI pointed at its data dir, database and base URL."""

    def __init__(self, server: Server, cli: Cli):
        self.server = server
        self.cli = cli

    def _env(self) -> dict[str, str]:
        return {"PYLEROMA_BASE_URL": self.server.base_url, "PYLEROMA_ALLOW_PRIVATE_FETCH": "true"}

    async def run(self, *args: str):
        """The CLI's result (it runs its own event loop: in a thread)."""
        return await asyncio.to_thread(self.cli, *args, **self._env())

    async def ok(self, *args: str) -> str:
        result = await self.run(*args)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result.stdout

    async def fails(self, *args: str) -> tuple[int, str]:
        result = await self.run(*args)
        assert result.exit_code != 0, result.stdout
        assert "Traceback" not in result.output
        return result.exit_code, result.stderr

    async def scalar(self, statement):
        async with self.server.app.state.sessionmaker() as session:
            return await session.scalar(statement)


async def _node(host: str, data_dir: Path, database_url: str) -> Node:
    cli = Cli(data_dir, database_url)
    await asyncio.to_thread(cli.ok, "migrate")
    server = await start_server(host, data_dir, database_url)
    return Node(server, cli)


@pytest.fixture
async def nodes(tmp_path):
    async with contextlib.AsyncExitStack() as stack:
        started: list[Node] = []
        try:
            for index, host in enumerate(("127.0.0.2", "127.0.0.3")):
                url = await stack.enter_async_context(async_scratch_database(f"relay{index}"))
                started.append(await _node(host, tmp_path / f"server{index}", url))
            yield started
        finally:
            for node in started:
                await stop_server(node.server)
            await close_sessions()


@pytest.fixture
async def relay_peer():
    peers: list[RelayPeer] = []

    async def start(kind: str) -> RelayPeer:
        peers.append(await RelayPeer(kind=kind).start())
        return peers[-1]

    yield start
    for peer in peers:
        await peer.stop()


async def _quiet(peer: RelayPeer, *nodes: Node) -> None:
    """Until neither the servers nor the relay have work under way."""
    for _ in range(3):
        await settle(*(node.server for node in nodes))
        await peer.idle()
    await settle(*(node.server for node in nodes))


def _relay_url(peer: RelayPeer) -> str:
    return peer.actor_id if peer.kind == "litepub" else peer.inbox


async def _federated(node: Node, user) -> list[dict]:
    response = await node.server.get("/api/v1/timelines/public", user, remote="true")
    assert response.status_code == 200, response.text
    return response.json()


async def _home(node: Node, user) -> list[dict]:
    response = await node.server.get("/api/v1/timelines/home", user)
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("kind", ["litepub", "mastodon"])
async def test_follow_relay_receive_and_send_then_unfollow(kind, nodes, relay_peer):
    a, b = nodes
    peer = await relay_peer(kind)
    alice = await a.server.user("alice")
    bob = await b.server.user("bob")
    url = _relay_url(peer)

    out = await a.ok("relay", "follow", url)
    assert f"Sent a follow request to the relay {peer.actor_id}" in out
    # Pending until the relay's Accept arrives (which may already have happened).
    listed = (await a.ok("relay", "list")).split("\t")
    assert listed[0] == url and listed[1] in ("pending", "accepted")
    await _quiet(peer, a)
    assert (await a.ok("relay", "list")).strip() == f"{url}\taccepted\t{kind}"
    # What the relay got: our Follow, in the shape its protocol wants, signed by /relay.
    [follow] = [i for i in peer.received if i.activity["type"] == "Follow"]
    assert follow.key_id == f"{a.server.base_url}/relay#main-key"
    assert follow.activity["actor"] == f"{a.server.base_url}/relay"
    assert follow.activity["object"] == (peer.actor_id if kind == "litepub" else PUBLIC)
    assert peer.subscribers == {f"{a.server.base_url}/relay": f"{a.server.base_url}/inbox"}
    following = await a.server.http.get("/relay/following")
    assert following.json()["first"]["orderedItems"] == [peer.actor_id]
    followers = (await a.server.http.get("/relay/followers")).json()["first"]["orderedItems"]
    # LitePub relays follow back (activityrelay does, for all but Mastodon).
    assert followers == ([peer.actor_id] if kind == "litepub" else [])
    assert "Error: already following the relay" in (await a.fails("relay", "follow", url))[1]

    await b.ok("relay", "follow", url)
    await _quiet(peer, a, b)

    # bob posts in each visibility: only the public post goes to the relay.
    texts = {"public": "hello relay", "unlisted": "quiet", "private": "friends", "direct": "dm"}
    posted = {}
    for visibility, text in texts.items():
        response = await b.server.post("/api/v1/statuses", bob, status=text, visibility=visibility)
        assert response.status_code == 200, response.text
        posted[visibility] = response.json()
    await _quiet(peer, a, b)
    from_b = [i.activity for i in peer.received if i.key_id.startswith(b.server.base_url)]
    creates = [x for x in from_b if x["type"] == "Create"]
    assert [c["object"]["id"] for c in creates] == [posted["public"]["uri"]]
    # Sent by bob's server as bob's own Create, signed by bob.
    [signed_by] = [i.key_id for i in peer.received if i.activity is creates[0]]
    assert signed_by == f"{creates[0]['actor']}#main-key"
    assert creates[0]["actor"].endswith("/users/bob")
    relayed = [s for s in peer.sent if s.inbox == f"{a.server.base_url}/inbox"]
    expected = "Announce" if kind == "litepub" else "Create"
    assert [s.activity["type"] for s in relayed][-1] == expected
    assert all(s.status == 202 for s in peer.sent), [(s.inbox, s.status) for s in peer.sent]

    # A shows the post in its federated timeline, as B serves it, boosted by no one.
    [shown] = await _federated(a, alice)
    assert shown["uri"] == posted["public"]["uri"]
    assert shown["reblog"] is None
    assert "hello relay" in shown["content"]
    assert shown["account"]["acct"] == b.server.handle("bob")
    assert await _home(a, alice) == []
    relay_on_a = await a.scalar(select(Account).where(Account.ap_id == peer.actor_id))
    boosts = await a.scalar(select(Status.id).where(Status.account_id == relay_on_a.id))
    assert boosts is None

    # Unfollow: the Undo reaches the relay, the relay drops A, A stops getting posts.
    out = await a.ok("relay", "unfollow", url)
    assert f"Unfollowed the relay {peer.actor_id}" in out
    await _quiet(peer, a, b)
    assert [i.activity["type"] for i in peer.received][-1] == "Undo"
    undo = peer.received[-1].activity
    assert undo["object"]["type"] == "Follow"
    assert undo["object"]["object"] == (peer.actor_id if kind == "litepub" else PUBLIC)
    assert list(peer.subscribers) == [f"{b.server.base_url}/relay"]
    assert (await a.ok("relay", "list")).strip() == "No relays followed."
    relay_actor_id = await a.scalar(select(Account.id).where(Account.nickname_key == "relay"))
    assert await a.scalar(select(Follow.id).where(Follow.follower_id == relay_actor_id)) is None
    assert await a.scalar(select(Follow.id).where(Follow.followed_id == relay_actor_id)) is None
    later = await b.server.post("/api/v1/statuses", bob, status="after", visibility="public")
    await _quiet(peer, a, b)
    assert [s["uri"] for s in await _federated(a, alice)] == [posted["public"]["uri"]]
    assert later.json()["uri"] in [c["object"]["id"] for c in peer.received_activities("Create")]


async def test_a_relay_copy_is_never_trusted(nodes, relay_peer):
    """A Mastodon-style relay forwards a Create with words bob never wrote: A stores the post
    as B serves it. A forwarded Update is dropped, and once A has left the relay, what the
    relay forwards is refused at the inbox (401), as from any actor signing for another."""
    a, b = nodes
    peer = await relay_peer("mastodon")
    peer.relaying = False
    alice = await a.server.user("alice")
    bob = await b.server.user("bob")
    await a.ok("relay", "follow", peer.inbox)
    await b.ok("relay", "follow", peer.inbox)
    await _quiet(peer, a, b)
    posted = await b.server.post("/api/v1/statuses", bob, status="the real words")
    await _quiet(peer, a, b)
    [create] = peer.received_activities("Create")
    assert await _federated(a, alice) == []  # the relay passed nothing on

    forged = {**create, "object": {**create["object"], "content": "<p>forged words</p>"}}
    assert await peer.post(f"{a.server.base_url}/inbox", forged) == 202
    update = {**forged, "type": "Update", "id": f"{create['object']['id']}#updates/1"}
    assert await peer.post(f"{a.server.base_url}/inbox", update) == 202
    await _quiet(peer, a, b)
    [shown] = await _federated(a, alice)
    assert shown["uri"] == posted.json()["uri"]
    assert "the real words" in shown["content"] and "forged" not in shown["content"]

    await a.ok("relay", "unfollow", peer.inbox)
    await _quiet(peer, a, b)
    again = {**forged, "id": f"{forged['id']}/again"}
    assert await peer.post(f"{a.server.base_url}/inbox", again) == 401


async def test_the_relay_actor_is_no_user(nodes, relay_peer):
    """Counted, listed and found nowhere: instance stats, nodeinfo, directory, search."""
    a, _ = nodes
    peer = await relay_peer("litepub")
    alice = await a.server.user("alice", discoverable=True)
    await a.ok("relay", "follow", peer.actor_id)
    await _quiet(peer, a)
    assert await a.scalar(select(Account.invisible).where(Account.nickname_key == "relay"))
    instance = (await a.server.get("/api/v1/instance")).json()
    assert instance["stats"]["user_count"] == 1
    nodeinfo = (await a.server.get("/nodeinfo/2.1.json")).json()
    assert nodeinfo["usage"]["users"]["total"] == 1
    assert "relay" in nodeinfo["metadata"]["features"]
    directory = (await a.server.get("/api/v1/directory", local="true")).json()
    assert [d["acct"] for d in directory] == ["alice"]
    found = await a.server.get("/api/v1/accounts/search", alice, q="relay")
    assert found.json() == []
    found = await a.server.get("/api/v2/search", alice, q="relay", type="accounts")
    assert found.json()["accounts"] == []
    assert "relay" not in await a.ok("user", "list")


async def test_relay_cli_errors(nodes, relay_peer):
    """Clear messages and exit status 1 for what cannot be followed or unfollowed; 2 for a
    command line click cannot parse."""
    a, b = nodes
    await b.server.user("bob")
    status, err = await a.fails("relay", "follow", "http://127.0.0.9:9/actor")
    assert status == 1 and "Error: could not fetch the relay at http://127.0.0.9:9/actor" in err
    status, err = await a.fails("relay", "follow", f"{b.server.base_url}/users/bob")
    assert status == 1
    assert f"Error: {b.server.base_url}/users/bob is not a relay" in err and "Person" in err
    # B's inbox is no relay's: there is no relay actor next to it.
    status, err = await a.fails("relay", "follow", f"{b.server.base_url}/inbox")
    assert status == 1 and f"could not fetch the relay at {b.server.base_url}/actor" in err
    status, err = await a.fails("relay", "follow", "not a url")
    assert status == 1 and "Error: not an http(s) URL" in err
    status, err = await a.fails("relay", "follow", f"{a.server.base_url}/relay")
    assert status == 1 and "is on this instance" in err
    status, err = await a.fails("relay", "unfollow", "http://127.0.0.5:1/actor")
    assert status == 1 and "Error: not following a relay at http://127.0.0.5:1/actor" in err
    status, _ = await a.fails("relay", "follow")
    assert status == 2
    result = await asyncio.to_thread(
        a.cli, "relay", "follow", "http://127.0.0.5:1/actor", PYLEROMA_INSTANCE_ALLOW_RELAY="false"
    )
    assert result.exit_code == 1 and "relays are switched off" in result.stderr
    assert (await a.ok("relay", "list")).strip() == "No relays followed."
    # Nothing was left behind by the failures but the relay actor itself.
    assert await a.scalar(select(Follow.id)) is None
