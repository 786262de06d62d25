"""Fetching remote documents, WebFinger, storing remote actors, and resolving them from the
client API: against real HTTP servers on loopback addresses (127.0.0.2 and 127.0.0.3 are
two other hosts) serving actors in the shapes of tests/fixtures/activitypub."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time

import orjson
import pytest
from sqlalchemy import func, select, update

from pyleroma.activities.normalize import normalize_actor
from pyleroma.db.base import utcnow
from pyleroma.federation import actors
from pyleroma.federation.errors import FederationError, FetchError, InvalidActor
from pyleroma.federation.fetch import AS_ACCEPT, fetch_object
from pyleroma.federation.keys import instance_key_pair
from pyleroma.federation.signatures import verify_request
from pyleroma.federation.webfinger_client import parse_handle, resolve_handle, scheme_for
from pyleroma.models import Account, Instance, Status
from pyleroma.services.text.formatting import sanitize_html, sanitize_links_only
from tests.api.relationship_helpers import remote_account
from tests.federation.remote_server import AS_TYPE, RemoteServer, fixture

LD_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
MAX_BODY = 100_000


@pytest.fixture
def settings_overrides() -> dict:
    return {
        "allow_private_fetch": True,
        "federation_timeout_seconds": 3.0,
        "federation_max_body_bytes": MAX_BODY,
    }


@pytest.fixture
async def masto(remote_server):
    return await remote_server("127.0.0.2")


@pytest.fixture
async def gts(remote_server):
    return await remote_server("127.0.0.3")


@pytest.fixture
def settings(app):
    return app.state.settings


def masto_actor(server: RemoteServer, nick: str = "bob") -> dict:
    """Mastodon's actor fixture (alice) moved to ``server`` and renamed ``nick``."""
    return fixture(
        "mastodon/actor_person.json", {"https://mastodon.example": server.base, "alice": nick}
    )


def gts_actor(server: RemoteServer) -> dict:
    return fixture("gotosocial/actor_person.json", {"https://gts.example": server.base})


async def fetch(db, settings, url, **kwargs) -> dict:
    async with db() as session:
        return await fetch_object(settings, url, session=session, **kwargs)


async def fetch_error(db, settings, url, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as caught:
        await fetch(db, settings, url, **kwargs)
    return caught.value


async def stored(db, **where) -> list[Account]:
    async with db() as session:
        query = select(Account).where(*(getattr(Account, k) == v for k, v in where.items()))
        return list((await session.scalars(query)).all())


# --- fetch_object ----------------------------------------------------------------------------


async def test_a_fetch_is_signed_by_the_instance_actor_and_asks_for_as2(db, settings, masto):
    bob = masto.actor(masto_actor(masto))
    data = await fetch(db, settings, bob["id"])
    assert data == bob
    [seen] = masto.seen
    assert seen.path_qs == "/users/bob"
    assert seen.headers["Accept"] == AS_ACCEPT
    assert AS_ACCEPT == (
        'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    )
    async with db() as session:
        _private, public = await instance_key_pair(session)
    verified = verify_request("GET", seen.path_qs, seen.headers, None, public)
    assert verified.key_id == f"{settings.base_url}/internal/fetch#main-key"
    assert set(verified.covered) == {"(request-target)", "host", "date"}


async def test_a_fetch_without_a_session_or_signer_is_unsigned(settings, masto):
    bob = masto.actor(masto_actor(masto))
    assert await fetch_object(settings, bob["id"]) == bob
    assert "Signature" not in masto.seen[0].headers


@pytest.mark.parametrize(
    "content_type",
    [
        AS_TYPE,
        "application/activity+json; charset=utf-8",
        LD_TYPE,
        'application/ld+json;profile="https://www.w3.org/ns/activitystreams"; charset=utf-8',
    ],
)
async def test_as2_content_types_are_accepted(settings, masto, content_type):
    bob = masto_actor(masto)
    masto.json("/users/bob", bob, content_type=content_type)
    assert await fetch_object(settings, bob["id"]) == bob


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/html; charset=utf-8", "application/ld+json", None],
)
async def test_other_content_types_are_refused(settings, masto, content_type):
    bob = masto_actor(masto)
    masto.raw("/users/bob", orjson.dumps(bob), content_type)
    with pytest.raises(FetchError, match="not ActivityPub JSON"):
        await fetch_object(settings, bob["id"])


async def test_bodies_over_the_cap_are_refused_without_reading_them_whole(settings, masto):
    masto.stream("/chunked", MAX_BODY * 20)
    masto.stream("/declared", MAX_BODY * 20, declare_length=True)
    with pytest.raises(FetchError, match=f"more than the {MAX_BODY} bytes"):
        await fetch_object(settings, f"{masto.base}/chunked")
    with pytest.raises(FetchError, match=f"is {MAX_BODY * 20} bytes, more than"):
        await fetch_object(settings, f"{masto.base}/declared")


async def test_the_whole_fetch_has_a_deadline(settings, masto):
    quick = dataclasses.replace(settings, federation_timeout_seconds=0.5)
    masto.slow("/users/bob", 10, masto_actor(masto))
    started = time.monotonic()
    with pytest.raises(FetchError, match="within 0.5 s|in time"):
        await fetch_object(quick, f"{masto.base}/users/bob")
    assert time.monotonic() - started < 3


async def test_the_document_id_must_be_its_url(settings, masto):
    doc = masto_actor(masto)
    masto.json("/users/other", doc)
    with pytest.raises(FetchError, match="says its id is"):
        await fetch_object(settings, f"{masto.base}/users/other")
    masto.json("/anonymous", {**doc, "id": None})
    with pytest.raises(FetchError, match="no usable id"):
        await fetch_object(settings, f"{masto.base}/anonymous")
    # Fragment, trailing slash and host case are not differences.
    masto.json("/users/slash", {**doc, "id": f"{masto.base}/users/slash/"})
    assert await fetch_object(settings, f"{masto.base}/users/slash#main-key")


async def test_same_host_redirects_are_followed_and_checked_at_every_hop(settings, masto):
    bob = masto.actor(masto_actor(masto))
    masto.redirect("/old/bob", "/users/bob", 301)
    assert await fetch_object(settings, f"{masto.base}/old/bob") == bob
    assert masto.paths_seen() == ["/old/bob", "/users/bob"]

    for name, target in (("a", "/b"), ("b", "/c"), ("c", "/d"), ("d", "/users/bob")):
        masto.redirect(f"/{name}", target, 307)
    with pytest.raises(FetchError, match="redirects more than 3 times"):
        await fetch_object(settings, f"{masto.base}/a")
    masto.redirect("/nowhere", "", 302)
    with pytest.raises(FetchError, match="without a Location"):
        await fetch_object(settings, f"{masto.base}/nowhere")


async def test_cross_host_redirects_are_not_followed(settings, masto, gts):
    erin = gts.actor(gts_actor(gts))
    masto.redirect("/users/erin", erin["id"])
    with pytest.raises(FetchError, match="redirects to another host"):
        await fetch_object(settings, f"{masto.base}/users/erin")
    assert gts.seen == []


async def test_redirects_into_private_addresses_are_refused_at_the_hop(settings, masto):
    guarded = dataclasses.replace(settings, allow_private_fetch=False)
    masto.redirect("/users/bob", "http://10.0.0.5/admin")
    with pytest.raises(FetchError, match="not a public address"):
        await fetch_object(guarded, f"{masto.base}/users/bob")
    assert masto.seen == []  # the first URL was refused already: it is loopback


async def test_private_addresses_are_refused_unless_allowed(settings, masto):
    masto.actor(masto_actor(masto))
    guarded = dataclasses.replace(settings, allow_private_fetch=False)
    with pytest.raises(FetchError, match="not a public address"):
        await fetch_object(guarded, f"{masto.base}/users/bob")
    with pytest.raises(FetchError, match="not a public address"):
        await resolve_handle(guarded, f"bob@{masto.authority}")
    assert masto.seen == []


async def test_our_own_host_is_never_fetched(db, settings, masto):
    for url in (f"{settings.base_url}/users/alice", "HTTP://PYLEROMA.TEST:80/objects/1"):
        error = await fetch_error(db, settings, url)
        assert "on this instance" in error.reason
    with pytest.raises(FetchError, match="on this instance"):
        await resolve_handle(settings, "alice@pyleroma.test")


async def test_gone_and_failing_servers_are_told_apart(settings, masto):
    masto.status("/users/gone", 410)
    masto.status("/users/deleted", 404)
    masto.status("/users/broken", 500)
    masto.status("/users/private", 401)
    for path in ("/users/gone", "/users/deleted"):
        with pytest.raises(FetchError) as caught:
            await fetch_object(settings, masto.base + path)
        assert caught.value.gone and "is gone" in caught.value.reason
    with pytest.raises(FetchError) as caught:
        await fetch_object(settings, masto.base + "/users/broken")
    assert not caught.value.gone and caught.value.status == 500
    with pytest.raises(FetchError, match="refuses to show it"):
        await fetch_object(settings, masto.base + "/users/private")


async def test_unusable_json_is_refused(settings, masto):
    masto.raw("/garbage", b"{not json", AS_TYPE)
    masto.raw("/list", b"[1, 2]", AS_TYPE)
    deep: dict = {"id": f"{masto.base}/deep", "type": "Note"}
    node = deep
    for _ in range(40):
        node["x"] = {}
        node = node["x"]
    masto.json("/deep", deep)
    with pytest.raises(FetchError, match="not answer valid JSON"):
        await fetch_object(settings, f"{masto.base}/garbage")
    with pytest.raises(FetchError, match="not answer a JSON object"):
        await fetch_object(settings, f"{masto.base}/list")
    with pytest.raises(FetchError, match="nested more than"):
        await fetch_object(settings, f"{masto.base}/deep")


async def test_an_object_speaks_only_for_actors_of_its_host(settings, masto, gts):
    note = {
        "id": f"{masto.base}/objects/1",
        "type": "Note",
        "attributedTo": f"{gts.base}/users/erin",
        "content": "forged",
    }
    masto.json("/objects/1", note)
    with pytest.raises(FetchError, match="actor on another host"):
        await fetch_object(settings, note["id"])
    masto.json("/objects/2", {**note, "id": f"{masto.base}/objects/2", "attributedTo": None})
    assert (await fetch_object(settings, f"{masto.base}/objects/2"))["content"] == "forged"


async def test_a_page_url_leads_to_one_strict_fetch_of_its_id(settings, masto):
    bob = masto.actor(masto_actor(masto))
    masto.json("/@bob", bob)  # Mastodon serves the actor under its profile URL
    with pytest.raises(FetchError, match="says its id is"):
        await fetch_object(settings, f"{masto.base}/@bob")
    masto.seen.clear()
    assert await fetch_object(settings, f"{masto.base}/@bob", canonical=False) == bob
    assert masto.paths_seen() == ["/@bob", "/users/bob"]


# --- WebFinger -------------------------------------------------------------------------------


def test_handles_parse_with_ports_and_lower_cased_hosts(settings):
    assert parse_handle("@Bob@Social.Example") == ("Bob", "social.example")
    assert parse_handle("bob@127.0.0.2:8080") == ("bob", "127.0.0.2:8080")
    for bad in ("bob", "@bob", "bob@", "bob@host/x", "a b@host", "bob@host@x", "https://x/y"):
        assert parse_handle(bad) is None, bad
    assert scheme_for(settings, "127.0.0.2:8080") == "http"
    assert scheme_for(settings, "localhost") == "http"
    assert scheme_for(settings, "social.example") == "https"
    guarded = dataclasses.replace(settings, allow_private_fetch=False)
    assert scheme_for(guarded, "127.0.0.2:8080") == "https"


async def test_webfinger_gives_the_actor_id(settings, masto):
    bob = masto.actor(masto_actor(masto))
    assert await resolve_handle(settings, f"@bob@{masto.authority}") == bob["id"]
    assert await resolve_handle(settings, f"bob@{masto.authority}") == bob["id"]
    wanted = f"/.well-known/webfinger?resource=acct:bob@{masto.authority}"
    assert masto.seen[0].path_qs == wanted
    masto.webfinger("ld", bob["id"], link_type=LD_TYPE)
    assert await resolve_handle(settings, f"ld@{masto.authority}") == bob["id"]


async def test_webfinger_failures(settings, masto, gts):
    masto.webfinger("html", f"{masto.base}/users/html", link_type="text/html")
    with pytest.raises(FetchError, match="names no ActivityPub actor"):
        await resolve_handle(settings, f"html@{masto.authority}")
    with pytest.raises(FetchError, match="is gone"):
        await resolve_handle(settings, f"nobody@{masto.authority}")
    with pytest.raises(FetchError, match="not a nick@host handle"):
        await resolve_handle(settings, "no handle")
    masto.raw("/.well-known/webfinger", b"<html></html>", "text/html")
    with pytest.raises(FetchError, match="not JSON"):
        await resolve_handle(settings, f"bob@{masto.authority}")
    masto.raw("/.well-known/webfinger", b"5", "application/json")
    with pytest.raises(FetchError, match="not answer a JSON object"):
        await resolve_handle(settings, f"bob@{masto.authority}")


async def test_webfinger_links_elsewhere_need_a_subject_on_the_asked_host(settings, masto, gts):
    erin = gts.actor(gts_actor(gts))
    # masto says its bob lives on gts, for a subject on gts: not masto's to say.
    masto.webfinger("bob", erin["id"], subject=f"acct:erin@{gts.authority}")
    with pytest.raises(FetchError, match="not trusted"):
        await resolve_handle(settings, f"bob@{masto.authority}")
    # Mastodon's LOCAL_DOMAIN / WEB_DOMAIN split: the asked host redirects its WebFinger to
    # the web host, which answers for a subject on the asked host.
    masto.redirect("/.well-known/webfinger", f"{gts.base}/.well-known/webfinger?resource=x")
    gts.webfingers["x"] = {
        "subject": f"acct:erin@{masto.authority}",
        "links": [{"rel": "self", "type": AS_TYPE, "href": erin["id"]}],
    }
    assert await resolve_handle(settings, f"erin@{masto.authority}") == erin["id"]


# --- storing actors --------------------------------------------------------------------------


async def resolve(db, settings, text: str) -> Account | None:
    async with db() as session:
        account = await actors.resolve_account(session, settings, text)
        await session.commit()
        return account


async def fetch_actor(db, settings, actor_id: str, *, refresh: bool = False) -> Account:
    async with db() as session:
        account = await actors.get_or_fetch_actor(session, settings, actor_id, refresh=refresh)
        await session.commit()
        return account


async def test_a_resolved_mastodon_actor_is_stored_field_by_field(db, settings, masto):
    doc = masto.actor(masto_actor(masto))
    before = utcnow()
    account = await resolve(db, settings, f"@bob@{masto.authority}")
    [row] = await stored(db, ap_id=doc["id"])
    assert row.id == account.id
    base = masto.base
    assert row.nickname == f"bob@{masto.authority}"
    assert row.nickname_key == row.nickname.lower()
    assert row.domain == masto.authority
    assert row.local is False
    assert (row.inbox, row.shared_inbox, row.outbox) == (
        f"{base}/users/bob/inbox",
        f"{base}/inbox",
        f"{base}/users/bob/outbox",
    )
    assert (row.followers_url, row.following_url, row.featured_url) == (
        f"{base}/users/bob/followers",
        f"{base}/users/bob/following",
        f"{base}/users/bob/collections/featured",
    )
    assert row.url == f"{base}/@bob"
    assert row.key_id == f"{base}/users/bob#main-key"
    assert row.public_key == doc["publicKey"]["publicKeyPem"]
    assert row.display_name == "Alice Fernsby :blobfern:"
    assert row.note_html == sanitize_html(doc["summary"])
    assert row.note_html.startswith("<p>Grows ferns") and "<a href=" in row.note_html
    assert row.fields == [
        {"name": "Pronouns", "value": "she/her"},
        {"name": "Garden log", "value": sanitize_links_only(doc["attachment"][1]["value"])},
    ]
    assert 'href="https://ferns.example/log"' in row.fields[1]["value"]
    assert row.avatar_path == doc["icon"]["url"] and row.avatar_path.startswith(base)
    assert row.header_path == doc["image"]["url"]
    assert row.emojis == {"blobfern": doc["tag"][0]["icon"]["url"]}
    assert row.also_known_as == ["https://gts.example/users/bob_old"]
    assert (row.locked, row.discoverable, row.actor_type) == (False, True, "Person")
    assert row.indexable is doc["indexable"] is True  # consent to full-text search
    assert row.is_active and row.is_approved and row.is_confirmed
    assert before <= row.last_fetched_at <= utcnow()
    async with db() as session:
        instance = (await session.execute(select(Instance))).scalar_one()
    assert instance.host == masto.authority and instance.last_seen_at is not None
    assert masto.paths_seen() == [
        f"/.well-known/webfinger?resource=acct:bob@{masto.authority}",
        "/users/bob",
    ]


async def test_a_gotosocial_actor_is_stored_with_its_key_url(db, settings, gts):
    doc = gts.actor(gts_actor(gts))
    account = await resolve(db, settings, doc["id"])
    assert account.nickname == f"erin@{gts.authority}"
    assert account.key_id == f"{gts.base}/users/erin/main-key"
    assert account.locked is True
    assert account.emojis == {"catbread": doc["tag"]["icon"]["url"]}
    assert [f["name"] for f in account.fields] == ["Bakes", "Oven"]
    assert account.url == f"{gts.base}/@erin"


async def test_resolving_twice_makes_one_row_and_one_fetch(db, settings, masto):
    masto.actor(masto_actor(masto))
    first = await resolve(db, settings, f"bob@{masto.authority}")
    second = await resolve(db, settings, f"@BOB@{masto.authority}")
    third = await resolve(db, settings, first.ap_id)
    assert first.id == second.id == third.id
    assert len(await stored(db, domain=masto.authority)) == 1
    assert masto.paths_seen().count("/users/bob") == 1


async def test_concurrent_fetches_of_one_actor_make_one_row(db, settings, masto):
    bob = masto.actor(masto_actor(masto))

    async def one() -> int:
        async with db() as session:
            account = await actors.get_or_fetch_actor(session, settings, bob["id"])
            await session.commit()
            return account.id

    ids = await asyncio.gather(one(), one(), one())
    assert len(set(ids)) == 1
    assert len(await stored(db, ap_id=bob["id"])) == 1


async def test_a_stale_actor_is_refetched(db, settings, masto):
    doc = masto.actor(masto_actor(masto))
    account = await resolve(db, settings, doc["id"])
    masto.actor({**doc, "name": "Bob Renamed"})
    assert (await resolve(db, settings, doc["id"])).display_name == "Alice Fernsby :blobfern:"
    async with db() as session:
        two_days_ago = utcnow() - dt.timedelta(days=2)
        await session.execute(
            update(Account).where(Account.id == account.id).values(last_fetched_at=two_days_ago)
        )
        await session.commit()
    refreshed = await resolve(db, settings, f"bob@{masto.authority}")
    assert refreshed.id == account.id
    assert refreshed.display_name == "Bob Renamed"
    assert refreshed.last_fetched_at > two_days_ago + dt.timedelta(days=1)
    assert masto.paths_seen().count("/users/bob") == 2


async def test_a_stale_actor_survives_a_failing_server_but_not_a_gone_one(db, settings, masto):
    doc = masto.actor(masto_actor(masto))
    account = await resolve(db, settings, doc["id"])
    async with db() as session:
        await session.execute(
            update(Account)
            .where(Account.id == account.id)
            .values(last_fetched_at=utcnow() - dt.timedelta(days=2))
        )
        await session.commit()
    masto.status("/users/bob", 503)
    async with db() as session:
        kept = await actors.get_or_fetch_actor(session, settings, doc["id"])
        assert kept.id == account.id
        with pytest.raises(FetchError):
            await actors.get_or_fetch_actor(session, settings, doc["id"], refresh=True)
    masto.status("/users/bob", 410)
    async with db() as session:
        with pytest.raises(FetchError) as caught:
            await actors.get_or_fetch_actor(session, settings, doc["id"])
    assert caught.value.gone


async def test_a_nickname_taken_by_another_actor_is_freed(db, settings, masto):
    old = await remote_account(
        db, "bob", masto.authority, ap_id=f"{masto.base}/users/bob-before-the-reinstall"
    )
    doc = masto.actor(masto_actor(masto))
    account = await resolve(db, settings, doc["id"])
    assert account.id != old.id and account.nickname == f"bob@{masto.authority}"
    [renamed] = await stored(db, id=old.id)
    assert renamed.nickname == f"{old.id}.bob@{masto.authority}"
    assert renamed.nickname_key == renamed.nickname.lower()


async def test_actors_that_cannot_be_trusted_are_not_stored(db, settings, masto, gts):
    doc = masto_actor(masto)
    # Served under another id's URL (a page URL typed in a search could lead on to the id;
    # an actor id must be the document's own).
    masto.json("/users/carol", doc)
    with pytest.raises(FetchError, match="says its id is"):
        await fetch_actor(db, settings, f"{masto.base}/users/carol")
    # A key that belongs to someone else, or lives on another host.
    masto.json("/users/mallory", {**doc, "id": f"{masto.base}/users/mallory"})
    with pytest.raises(InvalidActor, match="names another owner"):
        await fetch_actor(db, settings, f"{masto.base}/users/mallory")
    foreign_key = {**doc["publicKey"], "id": f"{gts.base}/keys/1", "owner": None}
    masto.json("/users/trent", {**doc, "id": f"{masto.base}/users/trent", "publicKey": foreign_key})
    with pytest.raises(InvalidActor, match="on another host"):
        await fetch_actor(db, settings, f"{masto.base}/users/trent")
    # No username, or one that cannot be a handle.
    for name, username in (("nameless", None), ("spaced", "a b"), ("at", "a@b")):
        masto.json(
            f"/users/{name}",
            {**doc, "id": f"{masto.base}/users/{name}", "preferredUsername": username},
        )
        with pytest.raises(InvalidActor, match="preferredUsername"):
            await fetch_actor(db, settings, f"{masto.base}/users/{name}")
    assert await stored(db, local=False) == []


async def test_local_actor_ids_are_read_not_fetched(db, settings, factory, masto):
    alice = await factory.account("alice")
    async with db() as session:
        found = await actors.get_or_fetch_actor(session, settings, alice.ap_id)
        assert found.id == alice.id
        with pytest.raises(InvalidActor, match="on this instance"):
            await actors.get_or_fetch_actor(session, settings, f"{settings.base_url}/users/x")
        normalized = normalize_actor({**masto_actor(masto), "id": f"{settings.base_url}/users/x"})
        with pytest.raises(InvalidActor, match="on this instance"):
            await actors.upsert_actor(session, settings, normalized, fetched=True)
    assert (await resolve(db, settings, alice.ap_id)).id == alice.id
    assert (await resolve(db, settings, f"{settings.base_url}/@alice")).id == alice.id
    assert (await resolve(db, settings, "alice@pyleroma.test")).id == alice.id
    assert await resolve(db, settings, "nobody@pyleroma.test") is None


async def test_an_update_without_a_fetch_keeps_the_key(db, settings, masto):
    doc = masto.actor(masto_actor(masto))
    account = await resolve(db, settings, doc["id"])
    other_key = {**doc["publicKey"], "id": f"{doc['id']}#other", "publicKeyPem": "forged"}
    normalized = normalize_actor({**doc, "name": "Updated", "publicKey": other_key})
    async with db() as session:
        updated = await actors.upsert_actor(session, settings, normalized, fetched=False)
        await session.commit()
    assert updated.id == account.id and updated.display_name == "Updated"
    assert updated.key_id == account.key_id and updated.public_key == account.public_key
    assert updated.last_fetched_at == account.last_fetched_at


async def test_profile_urls_resolve_and_posts_do_not(db, settings, masto):
    bob = masto.actor(masto_actor(masto))
    masto.json("/@bob", bob)
    account = await resolve(db, settings, f"{masto.base}/@bob")
    assert account.ap_id == bob["id"]
    note = {"id": f"{masto.base}/objects/1", "type": "Note", "attributedTo": bob["id"]}
    masto.json("/objects/1", note)
    assert await resolve(db, settings, note["id"]) is None
    assert await resolve(db, settings, "just words") is None


# --- key ids ---------------------------------------------------------------------------------


async def by_key(db, settings, key_id, **kwargs) -> Account:
    async with db() as session:
        account = await actors.get_or_fetch_by_key_id(session, settings, key_id, **kwargs)
        await session.commit()
        return account


async def test_a_fragment_key_id_leads_to_its_actor(db, settings, masto):
    bob = masto.actor(masto_actor(masto))
    key_id = bob["publicKey"]["id"]
    account = await by_key(db, settings, key_id)
    assert account.ap_id == bob["id"] and account.key_id == key_id
    assert (await by_key(db, settings, key_id)).id == account.id
    assert masto.paths_seen() == ["/users/bob"]  # the second time from the database
    with pytest.raises(InvalidActor, match="is not the key of"):
        await by_key(db, settings, f"{bob['id']}#another-key")


@pytest.mark.parametrize("shape", ["gotosocial stub", "key object"])
async def test_a_key_url_of_its_own_names_its_owner(db, settings, gts, shape):
    erin = gts.actor(gts_actor(gts))
    key = erin["publicKey"]
    if shape == "gotosocial stub":  # what GoToSocial serves at its key URLs
        served = {
            "@context": erin["@context"],
            "id": erin["id"],
            "type": "Person",
            "preferredUsername": "erin",
            "publicKey": key,
        }
    else:
        served = {"id": key["id"], "type": "CryptographicKey", **key}
    gts.json("/users/erin/main-key", served)
    account = await by_key(db, settings, key["id"])
    assert account.ap_id == erin["id"] and account.key_id == key["id"]
    assert gts.paths_seen() == ["/users/erin/main-key", "/users/erin"]
    assert account.display_name == "Erin bakes :catbread:"


async def test_a_key_url_naming_an_owner_elsewhere_is_refused(db, settings, masto, gts):
    erin = gts.actor(gts_actor(gts))
    key_url = f"{masto.base}/keys/1"
    masto.json("/keys/1", {**erin["publicKey"], "id": key_url, "type": "CryptographicKey"})
    with pytest.raises(InvalidActor, match="owner on another host"):
        await by_key(db, settings, key_url)
    # The owner is on the key's host but publishes another key.
    bob = masto.actor(masto_actor(masto))
    masto.json("/keys/2", {"id": f"{masto.base}/keys/2", "type": "Key", "owner": bob["id"]})
    with pytest.raises(InvalidActor, match="is not the key of"):
        await by_key(db, settings, f"{masto.base}/keys/2")
    assert gts.seen == []


# --- the client API --------------------------------------------------------------------------


async def test_search_resolves_a_remote_handle_for_a_logged_in_viewer(client, factory, db, masto):
    alice = await factory.user("alice")
    bob = masto.actor(masto_actor(masto))
    handle = f"bob@{masto.authority}"
    params = {"q": f"@{handle}", "resolve": "true"}
    response = await client.get("/api/v2/search", params=params, headers=alice.headers)
    assert response.status_code == 200, response.text
    [found] = response.json()["accounts"]
    assert found["acct"] == handle and found["username"] == "bob"
    assert found["display_name"] == "Alice Fernsby :blobfern:"
    assert found["pleroma"]["ap_id"] == bob["id"]
    assert found["avatar"] == bob["icon"]["url"]
    assert found["locked"] is False and found["fields"][0]["name"] == "Pronouns"
    assert found["emojis"][0]["shortcode"] == "blobfern"
    [row] = await stored(db, ap_id=bob["id"])
    assert found["id"] == str(row.id)

    # By URL (the profile page), the same account.
    masto.json("/@bob", bob)
    params = {"q": f"{masto.base}/@bob", "resolve": "true", "type": "accounts"}
    response = await client.get("/api/v2/search", params=params, headers=alice.headers)
    assert [a["id"] for a in response.json()["accounts"]] == [str(row.id)]


def masto_note(server: RemoteServer) -> dict:
    """Mastodon's public Note (by alice, renamed bob) as ``server`` serves it alone."""
    create = fixture(
        "mastodon/create_note_public.json",
        {"https://mastodon.example": server.base, "alice": "bob"},
    )
    return {"@context": create["@context"], **create["object"]}


async def test_search_resolves_a_post_by_its_id_and_by_its_web_page(client, factory, masto):
    alice = await factory.user("alice")
    masto.actor(masto_actor(masto))
    note = masto_note(masto)
    path = note["id"].removeprefix(masto.base)
    masto.json(path, note)
    page = f"{masto.base}/@bob/113500000000000001"
    masto.json("/@bob/113500000000000001", note)  # Mastodon answers its page URL with AS2

    params = {"q": page, "resolve": "true", "type": "statuses"}
    response = await client.get("/api/v2/search", params=params, headers=alice.headers)
    assert response.status_code == 200, response.text
    [found] = response.json()["statuses"]
    assert found["uri"] == note["id"]
    assert found["url"] == note["url"]
    assert found["account"]["acct"] == f"bob@{masto.authority}"
    assert "/@bob/113500000000000001" in masto.paths_seen() and path in masto.paths_seen()

    # Stored now: by its id it is found without fetching the post again.
    masto.seen.clear()
    params = {"q": note["id"], "resolve": "true", "type": "statuses"}
    response = await client.get("/api/v2/search", params=params, headers=alice.headers)
    assert [s["id"] for s in response.json()["statuses"]] == [found["id"]]
    assert path not in masto.paths_seen()
    # Without resolve, a remote page URL (not indexed) finds nothing; the id does.
    response = await client.get(
        "/api/v2/search", params={"q": page, "type": "statuses"}, headers=alice.headers
    )
    assert response.json()["statuses"] == []


async def test_a_page_speaking_for_another_hosts_post_is_refused(client, factory, db, masto, gts):
    """Containment: a page on one host cannot bring in a post of another host's actor."""
    alice = await factory.user("alice")
    masto.actor(masto_actor(masto))
    note = masto_note(masto)
    masto.json(note["id"].removeprefix(masto.base), note)
    gts.json("/page", {**note, "content": "<p>forged</p>"})
    params = {"q": f"{gts.base}/page", "resolve": "true", "type": "statuses"}
    response = await client.get("/api/v2/search", params=params, headers=alice.headers)
    assert response.status_code == 200 and response.json()["statuses"] == []
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Status)) == 0


async def test_accounts_search_resolves_for_a_logged_in_viewer(client, factory, db, masto):
    alice = await factory.user("alice")
    bob = masto.actor(masto_actor(masto))
    handle = f"bob@{masto.authority}"
    params = {"q": f"@{handle}", "resolve": "true"}
    anonymous = await client.get("/api/v1/accounts/search", params=params)
    assert anonymous.status_code == 200 and anonymous.json() == []
    assert masto.seen == []
    response = await client.get("/api/v1/accounts/search", params=params, headers=alice.headers)
    assert response.status_code == 200, response.text
    [found] = response.json()
    assert found["acct"] == handle
    [row] = await stored(db, ap_id=bob["id"])
    assert found["id"] == str(row.id)
    bad = await client.get(
        "/api/v1/accounts/search", params={"q": "x", "resolve": "maybe"}, headers=alice.headers
    )
    assert bad.status_code in (400, 422) and "error" in bad.json()


async def test_search_does_not_resolve_without_resolve_or_login(client, factory, masto):
    alice = await factory.user("alice")
    masto.actor(masto_actor(masto))
    q = f"@bob@{masto.authority}"
    response = await client.get("/api/v2/search", params={"q": q}, headers=alice.headers)
    assert response.json()["accounts"] == []
    response = await client.get("/api/v2/search", params={"q": q, "resolve": "true"})
    assert response.status_code == 200 and response.json()["accounts"] == []
    assert masto.seen == []


async def test_search_resolution_failures_find_nothing(client, factory, masto):
    alice = await factory.user("alice")
    note = {"id": f"{masto.base}/objects/1", "type": "Note", "attributedTo": "x"}
    masto.json("/objects/1", note)
    masto.status("/users/broken", 500)
    for q in (
        f"@nobody@{masto.authority}",
        f"{masto.base}/users/broken",
        note["id"],  # a post whose author cannot be had
        "@bob@127.0.0.9:1",  # nobody listens there
    ):
        response = await client.get(
            "/api/v2/search", params={"q": q, "resolve": "true"}, headers=alice.headers
        )
        assert response.status_code == 200, q
        assert response.json() == {"accounts": [], "statuses": [], "hashtags": []}, q


async def test_lookup_resolves_remote_accounts_for_logged_in_viewers(client, factory, db, masto):
    alice = await factory.user("alice")
    bob = masto.actor(masto_actor(masto))
    acct = f"bob@{masto.authority}"
    response = await client.get("/api/v1/accounts/lookup", params={"acct": acct})
    assert response.status_code == 404  # anonymous: nothing is fetched
    assert masto.seen == []
    response = await client.get(
        "/api/v1/accounts/lookup", params={"acct": acct}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["acct"] == acct
    [row] = await stored(db, ap_id=bob["id"])
    assert response.json()["id"] == str(row.id)
    # Known now: anonymous viewers find it too, without another fetch.
    response = await client.get("/api/v1/accounts/lookup", params={"acct": f"@{acct}"})
    assert response.json()["id"] == str(row.id)
    assert masto.paths_seen().count("/users/bob") == 1


async def test_lookup_failures_are_not_found(client, factory, db, masto):
    alice = await factory.user("alice")
    masto.webfinger("ghost", f"{masto.base}/users/ghost")
    masto.status("/users/ghost", 410)
    for acct in (f"nobody@{masto.authority}", f"ghost@{masto.authority}"):
        response = await client.get(
            "/api/v1/accounts/lookup", params={"acct": acct}, headers=alice.headers
        )
        assert response.status_code == 404, acct
        assert response.json() == {"error": "Can't find user"}
    async with db() as session:
        assert await session.scalar(select(func.count()).where(Account.local.is_(False))) == 0


def test_federation_errors_are_not_domain_errors():
    from pyleroma.errors import DomainError

    assert issubclass(FetchError, FederationError) and issubclass(InvalidActor, FederationError)
    assert not issubclass(FederationError, DomainError)
