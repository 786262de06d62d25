"""RSS and Atom feeds: /users/:nickname/feed.atom|rss and /tags/:tag.atom|rss."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

from tests.statement_counter import counting_statements
from tests.web.feed_helpers import (
    HOSTILE,
    picture,
    reblog,
    remote_account,
    remote_status,
    set_fields,
)

A = "{http://www.w3.org/2005/Atom}"
AS = "{http://activitystrea.ms/spec/1.0/}"
POCO = "{http://portablecontacts.net/spec/1.0}"
DC = "{http://purl.org/dc/elements/1.1/}"
HOSTILE_TEXT = "fish & chips <script>alert(1)</script> ]]> <![CDATA[ x ]]> &amp; #Cats"


def _atom(response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{A}feed"
    return root


def _rss(response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    return channel


def _link(element, rel, ns=A) -> str | None:
    for link in element.findall(f"{ns}link"):
        if link.get("rel") == rel:
            return link.get("href")
    return None


def _entry_ids(root) -> list[str]:
    return [e.find(f"{A}id").text for e in root.findall(f"{A}entry")]


def _item_ids(channel) -> list[str]:
    return [i.find("guid").text for i in channel.findall("item")]


async def _entity(client, status) -> dict:
    response = await client.get(f"/api/v1/statuses/{status.id}")
    assert response.status_code == 200, response.text
    return response.json()


async def _profile(app, factory):
    """alice's posts of every kind, bob's post she reblogged; returns what the feed shows,
    newest first, and the rest."""
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await set_fields(app, alice.account.id, display_name=HOSTILE, note_html="<p>bio & more</p>")
    media_id = await picture(app.state.sessionmaker, alice.account.id)
    first = await factory.status(alice.account, HOSTILE_TEXT)
    warned = await factory.status(alice.account, "the ending", spoiler_text="Spoilers & <b>")
    unlisted = await factory.status(alice.account, "quiet one", visibility="unlisted")
    private = await factory.status(alice.account, "followers only", visibility="private")
    direct = await factory.status(alice.account, "hi @bob", visibility="direct")
    by_bob = await factory.status(bob.account, "bob's #Cats post")
    await reblog(app, alice.account.id, by_bob.id)
    with_media = await factory.status(alice.account, "look #Cats", media_ids=[media_id])
    shown = [with_media, unlisted, warned, first]
    return alice, bob, shown, [private, direct, by_bob]


async def test_account_atom_feed(client, factory, app):
    alice, _bob, shown, hidden = await _profile(app, factory)
    base = app.state.settings.base_url
    root = _atom(await client.get("/users/alice/feed.atom"))
    assert root.find(f"{A}id").text == f"{base}/users/alice/feed.atom"
    assert root.find(f"{A}title").text == "alice's timeline"
    assert _link(root, "self") == f"{base}/users/alice/feed.atom"
    assert _link(root, "alternate") == f"{base}/users/alice"
    author = root.find(f"{A}author")
    assert author.find(f"{A}name").text == "alice"
    assert author.find(f"{A}uri").text == f"{base}/users/alice"
    assert author.find(f"{POCO}displayName").text == HOSTILE
    assert author.find(f"{POCO}note").text == "<p>bio & more</p>"
    entities = [await _entity(client, s) for s in shown]
    assert _entry_ids(root) == [e["uri"] for e in entities]
    for entry in root.findall(f"{A}entry"):
        assert entry.find(f"{AS}verb").text == "http://activitystrea.ms/schema/1.0/post"
    next_url = _link(root, "next")
    assert parse_qs(urlsplit(next_url).query) == {"max_id": [str(shown[-1].id)]}
    assert root.find(f"{A}updated").text.startswith(entities[0]["created_at"][:19])

    media_entry, unlisted_entry, warned_entry, hostile_entry = root.findall(f"{A}entry")
    # The content is the sanitised HTML of the API, escaped once into the document.
    assert hostile_entry.find(f"{A}content").get("type") == "html"
    assert hostile_entry.find(f"{A}content").text == entities[3]["content"]
    assert "<script>" not in hostile_entry.find(f"{A}content").text
    assert "]]>" in hostile_entry.find(f"{A}title").text
    assert _link(hostile_entry, "alternate") == entities[3]["url"]
    assert _link(hostile_entry, "self") == entities[3]["uri"]
    assert hostile_entry.find(f"{A}published").text.startswith(entities[3]["created_at"][:19])
    assert [c.get("term") for c in hostile_entry.findall(f"{A}category")] == ["cats"]
    # The content warning is the summary and the title; the text stays in the content.
    assert warned_entry.find(f"{A}summary").text == "Spoilers & <b>"
    assert warned_entry.find(f"{A}title").text == "Spoilers & <b>"
    assert warned_entry.find(f"{A}content").text == entities[2]["content"]
    assert hostile_entry.find(f"{A}summary") is None
    assert unlisted_entry.find(f"{A}title").text == "quiet one"
    enclosures = [
        link for link in media_entry.findall(f"{A}link") if link.get("rel") == "enclosure"
    ]
    assert [(e.get("href"), e.get("type")) for e in enclosures] == [
        (entities[0]["media_attachments"][0]["url"], "image/png")
    ]
    hidden_uris = {(await _entity(client, s))["uri"] for s in hidden if s.visibility == "public"}
    assert not hidden_uris & set(_entry_ids(root))


async def test_account_rss_feed(client, factory, app):
    _alice, _bob, shown, _hidden = await _profile(app, factory)
    base = app.state.settings.base_url
    channel = _rss(await client.get("/users/alice/feed.rss"))
    assert channel.find("title").text == "alice's timeline"
    assert channel.find("link").text == f"{base}/users/alice"
    assert HOSTILE in channel.find("description").text
    assert _link(channel, "self") == f"{base}/users/alice/feed.rss"
    assert _link(channel, "next") == f"{base}/users/alice/feed.rss?max_id={shown[-1].id}"
    assert channel.find("image/url").text.startswith(base)
    parsedate_to_datetime(channel.find("lastBuildDate").text)
    entities = [await _entity(client, s) for s in shown]
    assert _item_ids(channel) == [e["uri"] for e in entities]
    media_item, _unlisted, warned_item, hostile_item = channel.findall("item")
    assert hostile_item.find("description").text == entities[3]["content"]
    assert hostile_item.find("link").text == entities[3]["url"]
    assert hostile_item.find(f"{DC}creator").text == "alice"
    published = parsedate_to_datetime(hostile_item.find("pubDate").text)
    assert published.isoformat().startswith(entities[3]["created_at"][:19])
    assert [c.text for c in hostile_item.findall("category")] == ["cats"]
    assert warned_item.find("title").text == "Spoilers & <b>"
    enclosure = media_item.find("enclosure")
    assert enclosure.get("url") == entities[0]["media_attachments"][0]["url"]
    assert enclosure.get("type") == "image/png" and enclosure.get("length") == "0"


async def test_account_feed_pages_with_max_id(client, factory):
    alice = await factory.user("alice")
    posts = [await factory.status(alice.account, f"post {n}") for n in range(23)]
    newest_first = [str(p.id) for p in reversed(posts)]
    root = _atom(await client.get("/users/alice/feed.atom"))
    first = [i.rsplit("/", 1)[-1] for i in _entry_ids(root)]
    assert first == newest_first[:20]
    next_url = _link(root, "next")
    root = _atom(await client.get(next_url.replace("http://pyleroma.test", "")))
    assert [i.rsplit("/", 1)[-1] for i in _entry_ids(root)] == newest_first[20:]
    channel = _rss(await client.get(f"/users/alice/feed.rss?max_id={posts[2].id}"))
    assert [i.rsplit("/", 1)[-1] for i in _item_ids(channel)] == newest_first[21:]
    # Past the oldest: an empty feed, without a next link.
    root = _atom(await client.get(f"/users/alice/feed.atom?max_id={posts[0].id}"))
    assert _entry_ids(root) == [] and _link(root, "next") is None
    response = await client.get("/users/alice/feed.atom?max_id=nope")
    assert response.status_code == 422
    assert response.json() == {"error": "max_id: must be an id"}


async def test_account_feed_not_found(client, factory, app, db):
    alice = await factory.user("alice")
    await factory.status(alice.account, "hello")
    remote = await remote_account(db)
    await remote_status(db, remote.id)
    gone = await factory.user("gone")
    await set_fields(app, gone.account.id, is_active=False)
    pending = await factory.user("pending")
    await set_fields(app, pending.account.id, is_confirmed=False)
    for name in ("nobody", "bob@remote.example", "bob%40remote.example", "gone", "pending"):
        for fmt in ("atom", "rss"):
            response = await client.get(f"/users/{name}/feed.{fmt}")
            assert response.status_code == 404, (name, fmt)
            assert response.json() == {"error": "Not found"}
    # Nicknames are found in any case, as the actor route finds them.
    assert (await client.get("/users/ALICE/feed.atom")).status_code == 200


async def test_account_feed_off_when_profiles_are_restricted(client, factory, app):
    alice = await factory.user("alice")
    await factory.status(alice.account, "hello")
    app.state.settings.restrict_unauthenticated_profiles = True
    for fmt in ("atom", "rss"):
        response = await client.get(f"/users/alice/feed.{fmt}")
        assert response.status_code == 404
        # A token makes no difference: feed readers never send one.
        response = await client.get(f"/users/alice/feed.{fmt}", headers=alice.headers)
        assert response.status_code == 404


async def test_actor_route_unchanged(client, factory):
    await factory.user("alice")
    response = await client.get("/users/alice", headers={"Accept": "application/activity+json"})
    assert response.status_code == 200
    assert response.json()["preferredUsername"] == "alice"
    assert (await client.get("/users/alice/outbox")).status_code != 404


async def _tagged(app, factory, db):
    alice = await factory.user("alice")
    public = await factory.status(alice.account, "first #Cats")
    await factory.status(alice.account, "quiet #cats", visibility="unlisted")
    await factory.status(alice.account, "mine #cats", visibility="private")
    await factory.status(alice.account, "no tag here")
    second = await factory.status(alice.account, "second #CATS & <dogs>")
    remote = await remote_account(db)
    remote_id = await remote_status(db, remote.id, tag="cats")
    await remote_status(db, remote.id, tag="cats", visibility="unlisted")
    await reblog(app, alice.account.id, public.id)
    return public, second, remote_id


async def test_tag_feeds(client, factory, app, db):
    public, second, remote_id = await _tagged(app, factory, db)
    base = app.state.settings.base_url
    remote_uri = f"https://remote.example/objects/{remote_id}"
    entities = [await _entity(client, s) for s in (second, public)]
    root = _atom(await client.get("/tags/cats.atom"))
    assert root.find(f"{A}title").text == "#cats"
    assert _link(root, "self") == f"{base}/tags/cats.atom"
    assert _link(root, "alternate") == f"{base}/tag/cats"
    assert _entry_ids(root) == [remote_uri, entities[0]["uri"], entities[1]["uri"]]
    # Each entry names its author (the feed has none).
    assert root.find(f"{A}author") is None
    authors = [e.find(f"{A}author/{A}name").text for e in root.findall(f"{A}entry")]
    assert authors == ["bob@remote.example", "alice", "alice"]
    assert root.findall(f"{A}entry")[1].find(f"{A}content").text == entities[0]["content"]
    channel = _rss(await client.get("/tags/Cats.rss"))
    assert channel.find("title").text == "#cats"
    assert _link(channel, "self") == f"{base}/tags/cats.rss"
    assert _item_ids(channel) == [remote_uri, entities[0]["uri"], entities[1]["uri"]]
    # Paging, and a hashtag nobody used: an empty feed.
    root = _atom(await client.get(f"/tags/cats.atom?max_id={second.id}"))
    assert _entry_ids(root) == [entities[1]["uri"]]
    assert _entry_ids(_atom(await client.get("/tags/nothing.atom"))) == []
    assert (await client.get("/tags/cats.json")).status_code == 404


async def test_tag_feeds_honour_restricted_timelines(client, factory, app, db):
    public, second, _remote_id = await _tagged(app, factory, db)
    settings = app.state.settings
    settings.restrict_unauthenticated_federated_timeline = True
    root = _atom(await client.get("/tags/cats.atom"))
    local = [(await _entity(client, s))["uri"] for s in (second, public)]
    assert _entry_ids(root) == local
    assert _item_ids(_rss(await client.get("/tags/cats.rss"))) == local
    settings.restrict_unauthenticated_local_timeline = True
    for fmt in ("atom", "rss"):
        response = await client.get(f"/tags/cats.{fmt}")
        assert response.status_code == 404
        assert response.json() == {"error": "Not found"}


async def test_feed_statements_do_not_grow_with_the_page(client, factory, app, db):
    """The same statements for 2 posts as for 20, cold and warm entity caches alike."""
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    # The same kinds of posts on both sides (a picture, a mention, a remote author), as
    # each kind may need one more batched read.
    for n in range(2):
        media_ids = [await picture(db, alice.account.id)] if n == 0 else []
        await factory.status(alice.account, f"a {n} #few @bob", media_ids=media_ids)
    for n in range(20):
        media_ids = [await picture(db, bob.account.id)] if n % 3 == 0 else []
        await factory.status(bob.account, f"b {n} #many @alice", media_ids=media_ids)
    remote = await remote_account(db)
    await remote_status(db, remote.id, tag="few")
    for _ in range(5):
        await remote_status(db, remote.id, tag="many")

    async def measure(path) -> tuple[int, int]:
        app.state.entity_cache.forget_all()
        counts = []
        for _ in range(2):
            with counting_statements(app.state.engine) as statements:
                response = await client.get(path)
            assert response.status_code == 200
            counts.append(len(statements))
        return counts[0], counts[1]

    for fmt in ("atom", "rss"):
        few, many = (
            await measure(f"/users/alice/feed.{fmt}"),
            await measure(f"/users/bob/feed.{fmt}"),
        )
        assert few == many, (few, many)
        assert many[0] <= 12, many
        few, many = await measure(f"/tags/few.{fmt}"), await measure(f"/tags/many.{fmt}")
        assert few == many, (few, many)
        assert many[0] <= 12, many


async def test_feeds_are_well_formed_whatever_the_text(client, factory, app):
    """Characters XML cannot hold at all are dropped; everything else is escaped."""
    alice = await factory.user("alice")
    await set_fields(app, alice.account.id, display_name="bell\x07 & \x1b[0m <x>")
    await factory.status(alice.account, "nul\x01 ]]> & <", spoiler_text="cw \x08 ]]>")
    root = _atom(await client.get("/users/alice/feed.atom"))
    assert root.find(f"{A}author/{POCO}displayName").text == "bell & [0m <x>"
    entry = root.find(f"{A}entry")
    assert entry.find(f"{A}summary").text == "cw  ]]>"
    channel = _rss(await client.get("/users/alice/feed.rss"))
    assert channel.find("item/title").text == "cw  ]]>"
