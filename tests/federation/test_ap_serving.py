"""Serving ActivityPub: actors, collections, objects, activities, notices, the instance
actor, and the key pairs behind them (api/activitypub/, federation/to_as*.py, keys.py)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select, update

from pyleroma.db.ids import new_id
from pyleroma.federation.keys import ensure_keys, instance_key_pair, new_key_pair
from pyleroma.federation.to_as import AS_CONTEXT, PUBLIC, NotFederated, tombstone_to_as
from pyleroma.federation.to_as_note import load_note_parts, status_to_as
from pyleroma.models import Account, Follow, InstanceSecret, MediaAttachment, Status
from pyleroma.models.relationship import FOLLOW_ACCEPTED, FOLLOW_PENDING
from pyleroma.urls import activity_uri
from tests.conftest import BASE_URL
from tests.statement_counter import counting_statements

AP = {"Accept": "application/activity+json"}
LD = {"Accept": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'}
AS_CONTENT_TYPE = "application/activity+json; charset=utf-8"
NOT_FOUND = {"error": "Not found"}
EMOJI_URL = f"{BASE_URL}/emoji/blobs/blobcat.png"


def varies(response) -> bool:
    """The answer says it depends on Accept (CORS adds Origin to the same header)."""
    return "Accept" in [v.strip() for v in response.headers.get("vary", "").split(",")]


def actor_id(nickname: str) -> str:
    return f"{BASE_URL}/users/{nickname}"


async def get_ap(client, path: str, **params):
    return await client.get(path, headers=AP, params=params or None)


async def stored(db, model, ident):
    async with db() as session:
        return await session.get(model, ident)


async def set_fields(db, model, ident, **values) -> None:
    async with db() as session:
        await session.execute(update(model).where(model.id == ident).values(**values))
        await session.commit()


async def follow(db, follower, followed, state=FOLLOW_ACCEPTED) -> None:
    """A follow row (the relation's own service is not under test here)."""
    async with db() as session:
        session.add(
            Follow(id=new_id(), follower_id=follower.id, followed_id=followed.id, state=state)
        )
        await session.commit()


async def reblog_row(app, db, account, original, visibility="public") -> Status:
    """A reblog as stored: its own row, its ``uri`` the Announce's id."""
    ident = new_id()
    async with db() as session:
        row = Status(
            id=ident,
            uri=activity_uri(app.state.settings, ident),
            account_id=account.id,
            local=True,
            visibility=visibility,
            reblog_of_id=original.id,
            conversation_id=original.conversation_id,
        )
        session.add(row)
        await session.commit()
        return row


async def remote_account(db, nickname="eve@remote.example") -> Account:
    async with db() as session:
        account = Account(
            id=new_id(),
            nickname=nickname,
            nickname_key=nickname.lower(),
            domain=nickname.split("@", 1)[1],
            local=False,
            ap_id=f"https://remote.example/users/{nickname.split('@')[0]}",
            followers_url="https://remote.example/users/eve/followers",
        )
        session.add(account)
        await session.commit()
        return account


# --- actors -----------------------------------------------------------------------------------


async def test_actor_document(client, factory, db):
    alice = await factory.account(
        "alice",
        display_name="Alice :blobcat:",
        note_html="<p>hi there</p>",
        note_source="hi there",
        fields=[{"name": "Site", "value": '<a href="https://a.example">a.example</a>'}],
        emojis={"blobcat": EMOJI_URL},
        discoverable=True,
        indexable=True,
        also_known_as=["https://old.example/users/alice"],
    )
    response = await get_ap(client, "/users/alice")
    assert response.status_code == 200
    assert response.headers["content-type"] == AS_CONTENT_TYPE
    assert varies(response)
    actor = response.json()
    me = actor_id("alice")
    assert actor["@context"] == AS_CONTEXT
    assert {k: actor[k] for k in ("id", "type", "inbox", "outbox", "followers", "following")} == {
        "id": me,
        "type": "Person",
        "inbox": f"{me}/inbox",
        "outbox": f"{me}/outbox",
        "followers": f"{me}/followers",
        "following": f"{me}/following",
    }
    assert actor["featured"] == f"{me}/collections/featured"
    assert actor["endpoints"] == {"sharedInbox": f"{BASE_URL}/inbox"}
    assert actor["preferredUsername"] == "alice"
    assert actor["name"] == "Alice :blobcat:"
    assert actor["summary"] == "<p>hi there</p>"
    assert actor["url"] == me
    assert actor["manuallyApprovesFollowers"] is False
    assert actor["discoverable"] is True and actor["indexable"] is True
    assert actor["alsoKnownAs"] == ["https://old.example/users/alice"]
    assert actor["published"].startswith(alice.created_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert actor["webfinger"] == "acct:alice@pyleroma.test"
    assert actor["attachment"] == [
        {
            "type": "PropertyValue",
            "name": "Site",
            "value": '<a href="https://a.example">a.example</a>',
        }
    ]
    assert actor["tag"] == [
        {
            "id": EMOJI_URL,
            "type": "Emoji",
            "name": ":blobcat:",
            "updated": "1970-01-01T00:00:00Z",
            "icon": {"type": "Image", "url": EMOJI_URL, "mediaType": "image/png"},
        }
    ]
    assert "icon" not in actor and "image" not in actor  # no avatar or header set

    # The key: made at this first fetch, stored, and the published PEM is its public half.
    assert actor["publicKey"]["id"] == f"{me}#main-key"
    assert actor["publicKey"]["owner"] == me
    row = await stored(db, Account, alice.id)
    assert row.private_key and row.public_key == actor["publicKey"]["publicKeyPem"]
    private = serialization.load_pem_private_key(row.private_key.encode(), password=None)
    published = serialization.load_pem_public_key(actor["publicKey"]["publicKeyPem"].encode())
    assert published.public_numbers() == private.public_key().public_numbers()
    assert private.key_size == 2048
    # Fetched again: the same key.
    again = (await get_ap(client, "/users/alice")).json()
    assert again["publicKey"] == actor["publicKey"]


async def test_actor_images_type_and_lock(client, factory, db):
    bot = await factory.account(
        "botty",
        actor_type="Service",
        locked=True,
        avatar_path="avatars/b.png",
        header_path="headers/h.jpg",
    )
    actor = (await get_ap(client, "/users/botty")).json()
    assert actor["type"] == "Service"
    assert actor["manuallyApprovesFollowers"] is True
    assert actor["icon"] == {
        "type": "Image",
        "url": f"{BASE_URL}/media/avatars/b.png",
        "mediaType": "image/png",
    }
    assert actor["image"]["url"] == f"{BASE_URL}/media/headers/h.jpg"
    for kind in ("Group", "Application", "Organization", "Person"):
        await set_fields(db, Account, bot.id, actor_type=kind)
        assert (await get_ap(client, "/users/botty")).json()["type"] == kind
    await set_fields(db, Account, bot.id, actor_type="Weird")
    assert (await get_ap(client, "/users/botty")).json()["type"] == "Person"


async def test_actor_nickname_is_found_in_any_case(client, factory):
    await factory.account("Alice")
    response = await get_ap(client, "/users/alice")
    assert response.status_code == 200
    assert response.json()["id"] == actor_id("Alice")


@pytest.mark.parametrize(
    "accept",
    [
        "application/activity+json",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/ld+json",
        "application/json",
        "text/html;q=0.5, application/activity+json",
        "application/activity+json, text/html",
    ],
)
async def test_activitypub_and_json_requests_get_the_actor(client, factory, accept):
    await factory.account("alice")
    response = await client.get("/users/alice", headers={"Accept": accept})
    assert response.status_code == 200, accept
    assert response.headers["content-type"] == AS_CONTENT_TYPE
    assert varies(response)
    assert response.json()["id"] == actor_id("alice")


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "*/*",
        "text/html",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "application/activity+json;q=0.5, text/html",
        "application/activity+json;q=0",
        "application/activity+json;q=nan",
    ],
)
async def test_other_requests_are_not_given_the_actor(client, factory, accept):
    """They get the profile page (api/web_pages.py), varying by Accept."""
    await factory.account("alice")
    headers = {"Accept": accept} if accept is not None else {}
    response = await client.get("/users/alice", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "@alice@" in response.text
    assert varies(response)


async def test_actors_that_are_not_served(client, factory, db):
    await factory.account("gone", is_active=False)
    await factory.account("pending", is_approved=False)
    await factory.account("unconfirmed", is_confirmed=False)
    await remote_account(db)
    for path in (
        "/users/nobody",
        "/users/gone",
        "/users/pending",
        "/users/unconfirmed",
        "/users/eve@remote.example",
        "/users/gone/followers",
        "/users/gone/following",
        "/users/gone/outbox",
        "/users/gone/collections/featured",
        "/users/nobody/outbox",
    ):
        response = await get_ap(client, path)
        assert response.status_code == 404, path
        assert response.json() == NOT_FOUND, path


async def test_deactivated_actor_renders_without_its_profile(app, factory):
    from pyleroma.federation.to_as_actor import account_to_as

    account = await factory.account(
        "gone", is_active=False, display_name="Gone", note_html="<p>bio</p>", locked=True
    )
    account.avatar_path = "a.png"
    data = account_to_as(app.state.settings, account, "PEM")
    assert data["id"] == actor_id("gone") and data["publicKey"]["publicKeyPem"] == "PEM"
    assert (data["name"], data["summary"], data["attachment"], data["tag"]) == ("", "", [], [])
    assert data["suspended"] is True and "icon" not in data


@pytest.mark.parametrize("settings_overrides", [{"federating": False}])
async def test_nothing_is_served_when_federation_is_off(client, factory):
    await factory.account("alice")
    for path in ("/users/alice", "/users/alice/outbox", "/internal/fetch"):
        response = await get_ap(client, path)
        assert response.status_code == 404, path


# --- followers and following ----------------------------------------------------------------


async def _with_followers(factory, db, count: int):
    alice = await factory.account("alice")
    fans = []
    for n in range(count):
        fan = await factory.account(f"fan{n}")
        await follow(db, fan, alice)
        fans.append(fan)
    pending = await factory.account("hopeful")
    await follow(db, pending, alice, FOLLOW_PENDING)
    gone = await factory.account("gonefan", is_active=False)
    await follow(db, gone, alice)
    await set_fields(db, Account, alice.id, followers_count=count)
    return alice, fans


async def test_followers_collection_pages(client, factory, db):
    alice, fans = await _with_followers(factory, db, 12)
    newest_first = [actor_id(f.nickname) for f in reversed(fans)]
    me = actor_id("alice")
    response = await get_ap(client, "/users/alice/followers")
    assert response.status_code == 200
    assert response.headers["content-type"] == AS_CONTENT_TYPE
    data = response.json()
    assert data["@context"] == AS_CONTEXT
    assert (data["id"], data["type"], data["totalItems"]) == (
        f"{me}/followers",
        "OrderedCollection",
        12,
    )
    assert data["first"] == {
        "id": f"{me}/followers?page=1",
        "type": "OrderedCollectionPage",
        "partOf": f"{me}/followers",
        "totalItems": 12,
        "orderedItems": newest_first[:10],
        "next": f"{me}/followers?page=2",
    }
    second = (await get_ap(client, "/users/alice/followers", page="2")).json()
    assert second["id"] == f"{me}/followers?page=2"
    assert second["orderedItems"] == newest_first[10:]
    assert "next" not in second
    first = (await get_ap(client, "/users/alice/followers", page="true")).json()
    assert first["orderedItems"] == newest_first[:10]
    far = (await get_ap(client, "/users/alice/followers", page="9")).json()
    assert far["orderedItems"] == []
    for bad in ("0", "-1", "x", "99999999999999999999"):
        response = await get_ap(client, "/users/alice/followers", page=bad)
        assert response.status_code == 422, bad
        assert "page" in response.json()["error"]


async def test_following_collection(client, factory, db):
    alice = await factory.account("alice")
    bob = await factory.account("bob")
    carol = await factory.account("carol")
    await follow(db, alice, bob)
    await follow(db, alice, carol)
    await set_fields(db, Account, alice.id, following_count=2)
    data = (await get_ap(client, "/users/alice/following")).json()
    assert data["id"] == f"{actor_id('alice')}/following"
    assert data["totalItems"] == 2
    assert data["first"]["orderedItems"] == [actor_id("carol"), actor_id("bob")]
    assert "next" not in data["first"]


@pytest.mark.parametrize("which", ["followers", "following"])
async def test_hidden_follow_collections(client, factory, db, which):
    alice = await factory.account("alice")
    bob = await factory.account("bob")
    if which == "followers":
        await follow(db, bob, alice)
        hide, hide_count, counter = "hide_followers", "hide_followers_count", "followers_count"
    else:
        await follow(db, alice, bob)
        hide, hide_count, counter = "hide_follows", "hide_follows_count", "following_count"
    await set_fields(db, Account, alice.id, **{hide: True, counter: 1})
    path = f"/users/alice/{which}"
    data = (await get_ap(client, path)).json()
    assert data == {
        "@context": AS_CONTEXT,
        "id": f"{actor_id('alice')}/{which}",
        "type": "OrderedCollection",
        "totalItems": 1,
    }
    response = await get_ap(client, path, page="1")
    assert response.status_code == 403
    assert "error" in response.json()

    await set_fields(db, Account, alice.id, **{hide_count: True})
    assert (await get_ap(client, path)).json()["totalItems"] == 0
    # Hiding only the count hides nothing while the list is shown (Pleroma's rule).
    await set_fields(db, Account, alice.id, **{hide: False})
    shown = (await get_ap(client, path)).json()
    assert shown["totalItems"] == 1
    assert shown["first"]["orderedItems"] == [actor_id("bob")]


# --- outbox and featured ----------------------------------------------------------------------


async def test_outbox_collection_and_pages(app, client, factory, db):
    alice = await factory.account("alice")
    bob = await factory.account("bob")
    posts = [await factory.status(alice, f"post {n}") for n in range(21)]
    unlisted = await factory.status(alice, "quiet", visibility="unlisted")
    await factory.status(alice, "friends", visibility="private")
    await factory.status(alice, "@bob secret", visibility="direct")
    await factory.status(alice, "here only", visibility="local")
    bobs = await factory.status(bob, "bob's post")
    boost = await reblog_row(app, db, alice, bobs)
    me = actor_id("alice")

    collection = (await get_ap(client, "/users/alice/outbox")).json()
    row = await stored(db, Account, alice.id)
    assert collection == {
        "@context": AS_CONTEXT,
        "id": f"{me}/outbox",
        "type": "OrderedCollection",
        "totalItems": row.statuses_count,
        "first": f"{me}/outbox?page=true",
    }

    with counting_statements(app.state.engine) as statements:
        page = (await get_ap(client, "/users/alice/outbox", page="true")).json()
    assert len(statements) <= 6, statements  # account, page, one batch of 4
    assert page["id"] == f"{me}/outbox?page=true"
    assert page["type"] == "OrderedCollectionPage" and page["partOf"] == f"{me}/outbox"
    items = page["orderedItems"]
    assert len(items) == 20
    announce = items[0]
    assert announce == {
        "id": activity_uri(app.state.settings, boost.id),
        "type": "Announce",
        "actor": me,
        "published": announce["published"],
        "to": [PUBLIC],
        "cc": [f"{me}/followers", actor_id("bob")],
        "object": bobs.uri,
    }
    create = items[1]
    assert create["type"] == "Create" and create["actor"] == me
    assert create["object"]["id"] == unlisted.uri
    assert create["id"] == f"{unlisted.uri}/activity"
    assert create["to"] == create["object"]["to"] == [f"{me}/followers"]
    assert "@context" not in create["object"]
    newest = [p.uri for p in reversed(posts)]
    assert [i["object"]["id"] for i in items[2:]] == newest[:18]
    last_id = items[-1]["object"]["id"].rsplit("/", 1)[1]
    assert page["next"] == f"{me}/outbox?max_id={last_id}&page=true"

    rest = (await get_ap(client, "/users/alice/outbox", page="true", max_id=last_id)).json()
    assert rest["id"] == f"{me}/outbox?max_id={last_id}&page=true"
    assert [i["object"]["id"] for i in rest["orderedItems"]] == newest[18:]
    assert "next" not in rest
    response = await get_ap(client, "/users/alice/outbox", page="true", max_id="x")
    assert response.status_code == 422


@pytest.mark.parametrize("settings_overrides", [{"max_pinned_statuses": 5}])
async def test_featured_collection(client, factory, db):
    alice = await factory.user("alice")
    first = await factory.status(alice.account, "first pin")
    second = await factory.status(alice.account, "second pin", visibility="unlisted")
    hidden = await factory.status(alice.account, "pinned, local only", visibility="local")
    await factory.status(alice.account, "not pinned")
    for status in (first, second, hidden):
        response = await client.post(f"/api/v1/statuses/{status.id}/pin", headers=alice.headers)
        assert response.status_code == 200, response.text
    data = (await get_ap(client, "/users/alice/collections/featured")).json()
    assert data["id"] == f"{actor_id('alice')}/collections/featured"
    assert data["type"] == "OrderedCollection"
    assert data["totalItems"] == 2
    assert [n["id"] for n in data["orderedItems"]] == [second.uri, first.uri]
    assert all(n["type"] == "Note" and "@context" not in n for n in data["orderedItems"])
    empty = (await get_ap(client, "/users/fresh/collections/featured")).status_code
    assert empty == 404
    await factory.account("fresh")
    data = (await get_ap(client, "/users/fresh/collections/featured")).json()
    assert (data["totalItems"], data["orderedItems"]) == (0, [])


# --- objects ----------------------------------------------------------------------------------


async def test_public_and_unlisted_posts_are_served_with_their_addressing(client, factory):
    alice = await factory.account("alice")
    await factory.account("bob")
    me, bob = actor_id("alice"), actor_id("bob")
    public = await factory.status(alice, "hello @bob", language="en")
    unlisted = await factory.status(alice, "psst @bob", visibility="unlisted")

    response = await get_ap(client, f"/objects/{public.id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == AS_CONTENT_TYPE
    assert varies(response)
    note = response.json()
    assert note["@context"] == AS_CONTEXT
    assert note["id"] == public.uri == f"{BASE_URL}/objects/{public.id}"
    assert note["type"] == "Note"
    assert note["attributedTo"] == me
    assert note["to"] == [PUBLIC]
    assert note["cc"] == [f"{me}/followers", bob]
    assert note["content"] == public.content
    assert note["contentMap"] == {"en": public.content}
    assert note["source"] == {"content": "hello @bob", "mediaType": "text/plain"}
    assert note["summary"] == "" and note["sensitive"] is False
    assert note["url"] == f"{BASE_URL}/notice/{public.id}"
    assert note["inReplyTo"] is None
    assert note["context"] == note["conversation"] == public.context
    assert note["published"].startswith(public.created_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert "updated" not in note and "quoteUrl" not in note
    assert note["attachment"] == []
    assert {"type": "Mention", "href": bob, "name": "@bob@pyleroma.test"} in note["tag"]

    quiet = (await get_ap(client, f"/objects/{unlisted.id}")).json()
    assert quiet["to"] == [f"{me}/followers"]
    assert quiet["cc"] == [PUBLIC, bob]
    assert "contentMap" not in quiet or quiet["contentMap"]  # only with a language


async def test_posts_nobody_may_fetch_are_404(app, client, factory, db):
    alice = await factory.user("alice")
    await factory.account("bob")
    private = await factory.status(alice.account, "friends @bob", visibility="private")
    direct = await factory.status(alice.account, "@bob secret", visibility="direct")
    local = await factory.status(alice.account, "here only", visibility="local")
    deleted = await factory.status(alice.account, "oops")
    response = await client.delete(f"/api/v1/statuses/{deleted.id}", headers=alice.headers)
    assert response.status_code == 200
    bobs = await factory.account("inactive")
    inactive_post = await factory.status(bobs, "was here")
    await set_fields(db, Account, bobs.id, is_active=False)
    remote = await remote_account(db)
    remote_id = new_id()
    async with db() as session:
        session.add(
            Status(
                id=remote_id,
                uri="https://remote.example/objects/1",
                account_id=remote.id,
                local=False,
                visibility="public",
            )
        )
        await session.commit()
    for ident in (
        private.id,
        direct.id,
        local.id,
        deleted.id,
        inactive_post.id,
        remote_id,
        "abc",
        "0",
        "-1",
        "99999999999999999999",
    ):
        response = await get_ap(client, f"/objects/{ident}")
        assert response.status_code == 404, ident
        assert response.json() == NOT_FOUND
        assert varies(response)
    # An HTML request for a public post: to its page.
    public = await factory.status(alice.account, "public")
    response = await client.get(f"/objects/{public.id}", headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert response.headers["location"] == f"{BASE_URL}/notice/{public.id}"
    hidden = await client.get(f"/objects/{private.id}", headers={"Accept": "text/html"})
    assert hidden.status_code == 404 and "friends" not in hidden.text
    # What the private posts would be, addressed (for delivery): followers and recipients.
    async with db() as session:
        parts = await load_note_parts(session, private)
        note = status_to_as(app.state.settings, private, parts)
        assert note["to"] == [f"{actor_id('alice')}/followers", actor_id("bob")]
        assert note["cc"] == []
        parts = await load_note_parts(session, direct)
        note = status_to_as(app.state.settings, direct, parts)
        assert (note["to"], note["cc"]) == ([actor_id("bob")], [])
        with pytest.raises(NotFederated):
            status_to_as(app.state.settings, local, await load_note_parts(session, local))


async def test_question(client, factory):
    alice = await factory.account("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    post = await factory.status(
        alice, "tea or coffee?", poll={"options": ["tea", "coffee"], "expires_in": 3600}
    )
    poll_id = (await client.get(f"/api/v1/statuses/{post.id}")).json()["poll"]["id"]
    for voter, choice in ((bob, 1), (carol, 1)):
        response = await client.post(
            f"/api/v1/polls/{poll_id}/votes", headers=voter.headers, json={"choices": [choice]}
        )
        assert response.status_code == 200, response.text
    question = (await get_ap(client, f"/objects/{post.id}")).json()
    assert question["type"] == "Question"
    assert "anyOf" not in question
    assert question["oneOf"] == [
        {"type": "Note", "name": "tea", "replies": {"type": "Collection", "totalItems": 0}},
        {"type": "Note", "name": "coffee", "replies": {"type": "Collection", "totalItems": 2}},
    ]
    assert question["votersCount"] == 2
    assert question["endTime"].endswith("Z") and "closed" not in question

    many = await factory.status(
        alice,
        "pick some",
        poll={"options": ["a", "b", "c"], "expires_in": 3600, "multiple": True},
    )
    data = (await get_ap(client, f"/objects/{many.id}")).json()
    assert [o["name"] for o in data["anyOf"]] == ["a", "b", "c"] and "oneOf" not in data


async def test_expired_question_is_closed(client, factory, db):
    from pyleroma.models import Poll

    alice = await factory.account("alice")
    post = await factory.status(alice, "done?", poll={"options": ["yes", "no"], "expires_in": 3600})
    ended = dt.datetime(2020, 1, 2, 3, 4, 5)
    async with db() as session:
        await session.execute(
            update(Poll).where(Poll.status_id == post.id).values(expires_at=ended)
        )
        await session.commit()
    data = (await get_ap(client, f"/objects/{post.id}")).json()
    assert data["endTime"] == data["closed"] == "2020-01-02T03:04:05.000Z"


async def test_reply_mentions_hashtags_emoji_and_quote(client, factory, db):
    alice = await factory.account("alice")
    await factory.account("bob")
    parent = await factory.status(alice, "the start")
    reply = await factory.status(
        alice,
        "@bob look at #Cats :blobcat:",
        in_reply_to_id=parent.id,
        spoiler_text="cw",
        sensitive=True,
    )
    await set_fields(db, Status, reply.id, emojis={"blobcat": EMOJI_URL})
    note = (await get_ap(client, f"/objects/{reply.id}")).json()
    assert note["inReplyTo"] == parent.uri
    assert note["context"] == note["conversation"] == parent.context
    assert note["summary"] == "cw" and note["sensitive"] is True
    assert note["tag"] == [
        {"type": "Mention", "href": actor_id("bob"), "name": "@bob@pyleroma.test"},
        {"type": "Hashtag", "href": f"{BASE_URL}/tag/cats", "name": "#cats"},
        {
            "id": EMOJI_URL,
            "type": "Emoji",
            "name": ":blobcat:",
            "updated": "1970-01-01T00:00:00Z",
            "icon": {"type": "Image", "url": EMOJI_URL, "mediaType": "image/png"},
        },
    ]

    quoting = await factory.status(alice, "look", quote_id=parent.id)
    note = (await get_ap(client, f"/objects/{quoting.id}")).json()
    assert note["quoteUrl"] == note["quoteUri"] == note["_misskey_quote"] == parent.uri


async def test_edited_post_has_updated(client, factory, db):
    alice = await factory.account("alice")
    post = await factory.status(alice, "v1")
    edited = dt.datetime(2024, 5, 6, 7, 8, 9, 123000)
    await set_fields(db, Status, post.id, edited_at=edited)
    note = (await get_ap(client, f"/objects/{post.id}")).json()
    assert note["updated"] == "2024-05-06T07:08:09.123Z"


async def test_attachments(client, factory, db):
    alice = await factory.account("alice")
    media_id = new_id()
    async with db() as session:
        session.add(
            MediaAttachment(
                id=media_id,
                account_id=alice.id,
                type="image",
                mime_type="image/png",
                file_path="ab/cd.png",
                thumbnail_path="ab/cd-small.png",
                file_size=10,
                description="A blue square",
                focus_x=0.5,
                focus_y=-0.25,
                meta={"original": {"width": 640, "height": 480}},
                blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
            )
        )
        await session.commit()
    post = await factory.status(alice, "look", media_ids=[media_id])
    note = (await get_ap(client, f"/objects/{post.id}")).json()
    assert note["attachment"] == [
        {
            "type": "Document",
            "mediaType": "image/png",
            "url": f"{BASE_URL}/media/ab/cd.png",
            "name": "A blue square",
            "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
            "focalPoint": [0.5, -0.25],
            "width": 640,
            "height": 480,
        }
    ]


# --- activities and notices -------------------------------------------------------------------


async def test_reblog_activity(app, client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.account("bob")
    original = await factory.status(bob, "boost me")
    boost = await reblog_row(app, db, alice.account, original)
    quiet = await reblog_row(app, db, await factory.account("carol"), original, "unlisted")
    me = actor_id("alice")
    response = await get_ap(client, f"/activities/{boost.id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == AS_CONTENT_TYPE
    data = response.json()
    assert data == {
        "@context": AS_CONTEXT,
        "id": f"{BASE_URL}/activities/{boost.id}",
        "type": "Announce",
        "actor": me,
        "published": data["published"],
        "to": [PUBLIC],
        "cc": [f"{me}/followers", actor_id("bob")],
        "object": original.uri,
    }
    unlisted = (await get_ap(client, f"/activities/{quiet.id}")).json()
    carol = actor_id("carol")
    assert (unlisted["to"], unlisted["cc"]) == ([f"{carol}/followers"], [PUBLIC, actor_id("bob")])
    # A post is no activity (favourites and follows: tests/federation/test_activity_documents.py).
    for ident in (original.id, "x"):
        assert (await get_ap(client, f"/activities/{ident}")).status_code == 404, ident
    # The reblog is not an object either.
    assert (await get_ap(client, f"/objects/{boost.id}")).status_code == 404


async def test_notice_redirects_activitypub_requests(app, client, factory, db):
    alice = await factory.account("alice")
    post = await factory.status(alice, "hi")
    private = await factory.status(alice, "psst", visibility="private")
    boost = await reblog_row(app, db, alice, post)
    response = await get_ap(client, f"/notice/{post.id}")
    assert response.status_code == 302
    assert response.headers["location"] == post.uri
    assert varies(response)
    response = await get_ap(client, f"/notice/{boost.id}")
    assert response.headers["location"] == f"{BASE_URL}/activities/{boost.id}"
    for ident in (private.id, "nope"):
        assert (await get_ap(client, f"/notice/{ident}")).status_code == 404
    response = await client.get(f"/notice/{post.id}", headers={"Accept": "text/html"})
    assert response.status_code == 200 and varies(response)  # the post's page


# --- the instance actor and keys --------------------------------------------------------------


async def test_instance_actor_is_stable(client, db):
    first = await client.get("/internal/fetch")
    assert first.status_code == 200
    assert first.headers["content-type"] == AS_CONTENT_TYPE
    actor = first.json()
    me = f"{BASE_URL}/internal/fetch"
    assert actor["@context"] == AS_CONTEXT
    assert (actor["id"], actor["type"], actor["preferredUsername"]) == (
        me,
        "Application",
        "internal.fetch",
    )
    assert actor["inbox"] == f"{me}/inbox" and actor["outbox"] == f"{me}/outbox"
    assert actor["publicKey"]["id"] == f"{me}#main-key" and actor["publicKey"]["owner"] == me
    second = (await get_ap(client, "/internal/fetch")).json()
    assert second["publicKey"] == actor["publicKey"]
    async with db() as session:
        rows = (await session.execute(select(InstanceSecret))).scalars().all()
        assert len(rows) == 1
        private = serialization.load_pem_private_key(rows[0].value.encode(), password=None)
        pair = await instance_key_pair(session)
    published = serialization.load_pem_public_key(actor["publicKey"]["publicKeyPem"].encode())
    assert published.public_numbers() == private.public_key().public_numbers()
    assert pair[1] == actor["publicKey"]["publicKeyPem"]


async def test_instance_key_pair_is_made_once_when_racing(db):
    async def one():
        async with db() as session:
            return await instance_key_pair(session)

    pairs = await asyncio.gather(one(), one(), one())
    assert len(set(pairs)) == 1


def test_new_key_pair_formats():
    private, public = new_key_pair()
    assert private.startswith("-----BEGIN PRIVATE KEY-----")
    assert public.startswith("-----BEGIN PUBLIC KEY-----")
    key = serialization.load_pem_private_key(private.encode(), password=None)
    loaded = serialization.load_pem_public_key(public.encode())
    assert loaded.public_numbers() == key.public_key().public_numbers()


async def test_ensure_keys_is_idempotent_and_concurrent_safe(factory, db):
    alice = await factory.account("alice")
    assert alice.private_key is None  # registration leaves the key for later

    async def one():
        async with db() as session:
            account = await session.get(Account, alice.id)
            pem = await ensure_keys(session, account)
            assert account.public_key == pem and account.private_key
            assert not session.dirty  # refreshed, not marked changed
            await session.commit()
            return pem

    pems = await asyncio.gather(one(), one())
    assert pems[0] == pems[1]
    row = await stored(db, Account, alice.id)
    assert row.public_key == pems[0]
    async with db() as session:
        account = await session.get(Account, alice.id)
        assert await ensure_keys(session, account) == pems[0]  # has one: nothing made
    remote = await remote_account(db)
    async with db() as session:
        with pytest.raises(ValueError):
            await ensure_keys(session, await session.get(Account, remote.id))


def test_tombstone():
    assert tombstone_to_as("https://x.example/objects/1") == {
        "id": "https://x.example/objects/1",
        "type": "Tombstone",
    }
    deleted = dt.datetime(2024, 1, 1, 0, 0, 0)
    assert tombstone_to_as("u", former_type="Note", deleted=deleted) == {
        "id": "u",
        "type": "Tombstone",
        "formerType": "Note",
        "deleted": "2024-01-01T00:00:00.000Z",
    }
