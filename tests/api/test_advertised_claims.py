"""What the server says about itself is what it does.

Clients and other servers act on these claims: Pleroma-FE and megalodon turn features on from
the flags in nodeinfo and /api/v1/instance, crawlers and peers send activities to whoever lists
ActivityPub, and follow WebFinger's links. Each claim here is checked against a request that
relies on it, so a flag, a protocol or a link cannot be advertised without working.
"""

from __future__ import annotations

import io
import re
import tarfile
from dataclasses import dataclass

import httpx
import pytest

import pyleroma
from pyleroma import __version__
from pyleroma.services.instance.source_archive import package_dir
from tests.streaming.conftest import stream_server  # noqa: F401  (fixture)
from tests.streaming.helpers import open_socket

AP_ACCEPT = {"Accept": "application/activity+json"}


@dataclass
class Ctx:
    client: httpx.AsyncClient
    factory: object
    stream_url: str
    alice: object
    bob: object

    async def post(self, user, expect: int = 200, **body) -> dict:
        response = await self.client.post("/api/v1/statuses", json=body, headers=user.headers)
        assert response.status_code == expect, response.text
        return response.json()

    async def get(self, path: str, user=None, **kwargs) -> httpx.Response:
        headers = user.headers if user is not None else {}
        return await self.client.get(path, headers=headers, **kwargs)


FEATURE_CHECKS = {}


def checks(feature: str):
    def register(function):
        FEATURE_CHECKS[feature] = function
        return function

    return register


@checks("mastodon_api")
async def _mastodon_api(ctx: Ctx) -> None:
    posted = await ctx.post(ctx.alice, status="hello world")
    shown = (await ctx.get(f"/api/v1/statuses/{posted['id']}", ctx.bob)).json()
    assert shown["content"] == posted["content"] and shown["account"]["acct"] == "alice"


@checks("pleroma_api")
async def _pleroma_api(ctx: Ctx) -> None:
    """A Pleroma API route, under both of Pleroma's prefixes."""
    posted = await ctx.post(ctx.alice, status="like me")
    liked = await ctx.client.post(
        f"/api/v1/statuses/{posted['id']}/favourite", headers=ctx.bob.headers
    )
    assert liked.status_code == 200
    for prefix in ("/api/v1/pleroma", "/api/pleroma"):
        # (others' favourites are hidden by default, as in Pleroma: bob reads his own)
        response = await ctx.get(f"{prefix}/accounts/{ctx.bob.id}/favourites", ctx.bob)
        assert response.status_code == 200, response.text
        assert [s["id"] for s in response.json()] == [posted["id"]]


@checks("mastodon_api_streaming")
async def _streaming(ctx: Ctx) -> None:
    socket = await open_socket(ctx.stream_url, ctx.alice.token, stream="public:local")
    try:
        posted = await ctx.post(ctx.bob, status="live")
        message = await socket.next()
        assert message["event"] == "update" and message["payload"]["id"] == posted["id"]
    finally:
        await socket.close()


@checks("polls")
async def _polls(ctx: Ctx) -> None:
    posted = await ctx.post(
        ctx.alice, status="which?", poll={"options": ["a", "b"], "expires_in": 3600}
    )
    poll_id = posted["poll"]["id"]
    voted = await ctx.client.post(
        f"/api/v1/polls/{poll_id}/votes", json={"choices": [1]}, headers=ctx.bob.headers
    )
    assert voted.status_code == 200, voted.text
    poll = (await ctx.get(f"/api/v1/polls/{poll_id}", ctx.alice)).json()
    assert [o["votes_count"] for o in poll["options"]] == [0, 1]


@checks("v2_suggestions")
async def _suggestions(ctx: Ctx) -> None:
    popular = await ctx.factory.account("popular", discoverable=True, followers_count=9)
    response = await ctx.get("/api/v2/suggestions", ctx.alice)
    assert response.status_code == 200
    suggested = {s["account"]["id"]: s["source"] for s in response.json()}
    assert str(popular.id) in suggested


@checks("pleroma_explicit_addressing")
async def _explicit_addressing(ctx: Ctx) -> None:
    """``to[]`` picks the recipients of a direct post among the mentioned."""
    await ctx.factory.account("carol")
    posted = await ctx.post(ctx.alice, status="@bob @carol psst", visibility="direct", to=["bob"])
    assert [m["acct"] for m in posted["mentions"]] == ["bob"]
    carol = await ctx.factory.user("carol2")
    assert (await ctx.get(f"/api/v1/statuses/{posted['id']}", ctx.bob)).status_code == 200
    assert (await ctx.get(f"/api/v1/statuses/{posted['id']}", carol)).status_code == 404


@checks("multifetch")
async def _multifetch(ctx: Ctx) -> None:
    first = await ctx.post(ctx.alice, status="one")
    second = await ctx.post(ctx.alice, status="two")
    response = await ctx.get(
        "/api/v1/statuses", ctx.bob, params=[("ids[]", second["id"]), ("ids[]", first["id"])]
    )
    assert [s["id"] for s in response.json()] == [second["id"], first["id"]]


@checks("pleroma:api/v1/notifications:include_types_filter")
async def _include_types(ctx: Ctx) -> None:
    posted = await ctx.post(ctx.alice, status="notice me")
    await ctx.client.post(f"/api/v1/statuses/{posted['id']}/favourite", headers=ctx.bob.headers)
    await ctx.client.post(f"/api/v1/accounts/{ctx.alice.id}/follow", headers=ctx.bob.headers)
    everything = (await ctx.get("/api/v1/notifications", ctx.alice)).json()
    assert {n["type"] for n in everything} == {"favourite", "follow"}
    follows = await ctx.get("/api/v1/notifications?include_types[]=follow", ctx.alice)
    assert [n["type"] for n in follows.json()] == ["follow"]


@checks("editing")
async def _editing(ctx: Ctx) -> None:
    posted = await ctx.post(ctx.alice, status="frist")
    edited = await ctx.client.put(
        f"/api/v1/statuses/{posted['id']}", json={"status": "first"}, headers=ctx.alice.headers
    )
    assert edited.status_code == 200 and edited.json()["edited_at"]
    history = (await ctx.get(f"/api/v1/statuses/{posted['id']}/history", ctx.bob)).json()
    assert [h["content"] for h in history] == ["frist", "first"]


@checks("quote_posting")
async def _quotes(ctx: Ctx) -> None:
    quoted = await ctx.post(ctx.alice, status="quotable")
    quoting = await ctx.post(ctx.bob, status="this", quote_id=quoted["id"])
    assert quoting["quote"]["id"] == quoted["id"]


@checks("profile_directory")
async def _directory(ctx: Ctx) -> None:
    listed = await ctx.factory.account("listed", discoverable=True)
    response = await ctx.get("/api/v1/directory?local=true", ctx.bob)
    assert response.status_code == 200
    assert str(listed.id) in {a["id"] for a in response.json()}


@checks("pleroma:bookmark_folders")
async def _bookmark_folders(ctx: Ctx) -> None:
    """A folder is made, a bookmark filed in it, and the folder lists just that bookmark."""
    made = await ctx.client.post(
        "/api/v1/pleroma/bookmark_folders", json={"name": "Later"}, headers=ctx.bob.headers
    )
    assert made.status_code == 200, made.text
    kept, other = await ctx.post(ctx.alice, status="keep"), await ctx.post(ctx.alice, status="x")
    for status, body in ((kept, {"folder_id": made.json()["id"]}), (other, {})):
        filed = await ctx.client.post(
            f"/api/v1/statuses/{status['id']}/bookmark", json=body, headers=ctx.bob.headers
        )
        assert filed.status_code == 200, filed.text
    listed = await ctx.get(f"/api/v1/bookmarks?folder_id={made.json()['id']}", ctx.bob)
    assert [s["id"] for s in listed.json()] == [kept["id"]]


@checks("events")
async def _events(ctx: Ctx) -> None:
    """An event is made, joined, and listed in the joiner's joined events."""
    made = await ctx.client.post(
        "/api/v1/pleroma/events", json={"name": "Jam", "start_time": "2030-06-01T18:00:00Z"},
        headers=ctx.alice.headers,
    )  # fmt: skip
    assert made.status_code == 200, made.text
    assert made.json()["pleroma"]["event"]["name"] == "Jam"
    joined = await ctx.client.post(
        f"/api/v1/pleroma/events/{made.json()['id']}/join", headers=ctx.bob.headers
    )
    assert joined.status_code == 200, joined.text
    assert joined.json()["pleroma"]["event"]["join_state"] == "accept"
    listed = await ctx.get("/api/v1/pleroma/events/joined_events", ctx.bob)
    assert [s["id"] for s in listed.json()] == [made.json()["id"]]


@checks("pleroma_chat_messages")
async def _chat_messages(ctx: Ctx) -> None:
    """A chat is opened, a message sent, and the recipient finds it unread in their chat."""
    chat = await ctx.client.post(
        f"/api/v1/pleroma/chats/by-account-id/{ctx.bob.id}", headers=ctx.alice.headers
    )
    assert chat.status_code == 200, chat.text
    sent = await ctx.client.post(
        f"/api/v1/pleroma/chats/{chat.json()['id']}/messages", json={"content": "hi bob"},
        headers=ctx.alice.headers,
    )  # fmt: skip
    assert sent.status_code == 200, sent.text
    [received] = (await ctx.get("/api/v1/pleroma/chats", ctx.bob)).json()
    assert received["account"]["id"] == ctx.alice.id and received["unread"] == 1
    assert received["last_message"]["content"] == "hi bob"


@checks("pleroma_emoji_reactions")
async def _emoji_reactions(ctx: Ctx) -> None:
    """A unicode reaction (sent without its variation selector) shows on the status."""
    posted = await ctx.post(ctx.alice, status="react")
    reacted = await ctx.client.put(
        f"/api/v1/pleroma/statuses/{posted['id']}/reactions/\u2764", headers=ctx.bob.headers
    )
    assert reacted.status_code == 200, reacted.text
    shown = (await ctx.get(f"/api/v1/statuses/{posted['id']}", ctx.alice)).json()
    assert [(r["name"], r["count"]) for r in shown["pleroma"]["emoji_reactions"]] == [
        ("\u2764\ufe0f", 1)
    ]


@checks("pleroma_custom_emoji_reactions")
async def _custom_emoji_reactions(ctx: Ctx) -> None:
    """A reaction with one of the instance's custom emoji, listed with its image."""
    from tests.api.emoji_helpers import install_packs

    install_packs(ctx.factory.app)
    posted = await ctx.post(ctx.alice, status="react")
    reacted = await ctx.client.put(
        f"/api/v1/pleroma/statuses/{posted['id']}/reactions/:blobcat:", headers=ctx.bob.headers
    )
    assert reacted.status_code == 200, reacted.text
    listed = (await ctx.get(f"/api/v1/pleroma/statuses/{posted['id']}/reactions")).json()
    assert [(r["name"], r["url"].endswith("/emoji/blobs/blobcat.png")) for r in listed] == [
        ("blobcat", True)
    ]


@checks("shareable_emoji_packs")
async def _shareable_emoji_packs(ctx: Ctx) -> None:
    """An admin makes a pack and shares it: the list offers it with the SHA-256 of the
    archive that is then served (what another instance's download checks)."""
    import hashlib

    from tests.api.emoji_helpers import png

    boss = await ctx.factory.user("boss", is_admin=True)
    base = "/api/v1/pleroma/emoji"
    made = await ctx.client.post(f"{base}/pack?name=shared", headers=boss.headers)
    assert made.status_code == 200, made.text
    added = await ctx.client.post(
        f"{base}/packs/files?name=shared",
        files={"file": ("blob.png", png(), "image/png")},
        headers=boss.headers,
    )
    assert added.json() == {"blob": "blob.png"}, added.text
    await ctx.client.patch(
        f"{base}/pack?name=shared", json={"metadata": {"share-files": True}}, headers=boss.headers
    )
    listed = (await ctx.get(f"{base}/packs")).json()["packs"]["shared"]["pack"]
    assert listed["can-download"] is True
    archive = await ctx.get(f"{base}/packs/archive?name=shared")
    assert hashlib.sha256(archive.content).hexdigest().upper() == listed["download-sha256"]


@checks("relay")
async def _relay(ctx: Ctx) -> None:
    """The relay actor answers, so relays can check its Follows and follow it back."""
    response = await ctx.client.get("/relay", headers=AP_ACCEPT)
    assert response.status_code == 200, response.text
    assert response.json()["type"] == "Application"
    assert (await ctx.get("/relay/following")).status_code == 200


@checks("pleroma:get:main/ostatus")
async def _remote_follow_page(ctx: Ctx) -> None:
    """Pleroma-FE's remote-follow button opens GET /main/ostatus?nickname=: a form asking
    the visitor for their own handle, which POSTs back to /main/ostatus."""
    response = await ctx.get("/main/ostatus", params={"nickname": "alice"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert 'action="/main/ostatus"' in response.text and "alice" in response.text


async def _documents(client) -> dict[str, dict]:
    return {
        path: (await client.get(path)).json()
        for path in (
            "/nodeinfo/2.0.json",
            "/nodeinfo/2.1.json",
            "/api/v1/instance",
            "/api/v2/instance",
        )
    }


def _features(documents: dict[str, dict]) -> dict[str, list[str]]:
    return {
        path: doc["metadata"]["features"]
        if "nodeinfo" in path
        else doc["pleroma"]["metadata"]["features"]
        for path, doc in documents.items()
    }


async def test_every_document_advertises_the_same_checked_features(client):
    lists = _features(await _documents(client))
    advertised = lists["/nodeinfo/2.0.json"]
    assert all(flags == advertised for flags in lists.values()), lists
    assert len(set(advertised)) == len(advertised)
    # Every advertised flag has a check below, and every checked feature is advertised.
    assert sorted(advertised) == sorted(FEATURE_CHECKS)


@pytest.mark.parametrize("feature", sorted(FEATURE_CHECKS))
async def test_advertised_feature_works(feature, client, factory, stream_server):  # noqa: F811
    ctx = Ctx(
        client=client,
        factory=factory,
        stream_url=stream_server,
        alice=await factory.user("alice", discoverable=True),
        bob=await factory.user("bob"),
    )
    await FEATURE_CHECKS[feature](ctx)


async def test_federation_claims_match_what_answers(client, factory):
    """A server that lists ActivityPub must serve its actors and WebFinger must only point at
    actors that answer; a server that does not federate says so everywhere."""
    await factory.account("alice")
    documents = await _documents(client)
    protocols = {path: doc["protocols"] for path, doc in documents.items() if "nodeinfo" in path}
    enabled = [
        doc["metadata"]["federation"]["enabled"]
        if "nodeinfo" in path
        else doc["pleroma"]["metadata"]["federation"]["enabled"]
        for path, doc in documents.items()
    ]
    federating = "activitypub" in protocols["/nodeinfo/2.0.json"]
    assert all(("activitypub" in p) is federating for p in protocols.values())
    assert enabled == [federating] * 4

    finger = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:alice@pyleroma.test"}
    )
    host_meta = await client.get("/.well-known/host-meta")
    actor = await client.get("/users/alice", headers=AP_ACCEPT)
    if not federating:
        assert finger.status_code == host_meta.status_code == actor.status_code == 404
        return
    assert finger.status_code == host_meta.status_code == 200
    links = [link["href"] for link in finger.json()["links"] if link["rel"] == "self"]
    assert links
    for href in links:
        fetched = await client.get(href, headers=AP_ACCEPT)
        assert fetched.status_code == 200 and fetched.json()["id"] == href


async def test_source_url_serves_the_running_code(client):
    documents = await _documents(client)
    urls = {
        documents["/api/v2/instance"]["source_url"],
        documents["/nodeinfo/2.1.json"]["software"]["repository"],
    }
    assert len(urls) == 1
    response = await client.get(urls.pop())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(response.content)) as archive:
        names = archive.getnames()
        served = archive.extractfile("pyleroma-source/src/pyleroma/__init__.py").read()
    assert served == (package_dir() / "__init__.py").read_bytes()
    assert f'__version__ = "{__version__}"'.encode() in served
    assert "pyleroma-source/src/pyleroma/main.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", "secret_key"))]
    # The same code gives the same bytes (a reproducible archive).
    assert (await client.get("/pyleroma/source.tar.gz")).content == response.content


async def test_versions_name_the_real_software(client):
    documents = await _documents(client)
    for path in ("/api/v1/instance", "/api/v2/instance", "/nodeinfo/2.0.json"):
        version = documents[path]["version"] if "api" in path else None
        if version is None:
            assert documents[path]["software"]["name"] == "pleroma"
            version = documents[path]["software"]["version"]
        # Clients parse the leading X.Y.Z; the real name and version follow.
        # Soapbox's parser: the backend's name, then its semver (ours as build metadata).
        found = re.match(r"^(\d+\.\d+\.\d+) \(compatible; (\w*) (.*)\)$", version)
        assert found, version
        assert found.groups() == ("2.7.2", "Pleroma", f"2.7.2+pyleroma.{pyleroma.__version__}")
