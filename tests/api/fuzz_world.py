"""The data the OpenAPI fuzz test (test_openapi_fuzz.py) runs against, and its real ids.

One instance is seeded through the API itself: alice (the viewer: an admin, locked, with
every scope) with posts, polls, media, a list, filters, a scheduled post, conversations, a
push subscription, notifications and pending follow requests (carol's and erin's); bob,
whom she follows and who follows her; dave, at whom destructive account actions (block,
mute, unfollow...) are aimed. ``World.ids_for`` gives the real values a case may put in a
parameter; destructive operations (DELETE, dismiss, block...) spend spare ones, and
operations that wipe a whole collection or a token's state run as dave or with a spare
token of alice's (``World.token_for``), so that no case spoils the ones after it.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from pyleroma.db.base import Base
from pyleroma.db.ids import new_id
from pyleroma.main import create_app
from pyleroma.models import Announcement, InstanceRule, OAuthToken
from tests.conftest import BASE_URL, _empty_pg, make_test_settings
from tests.factories import Factory, User
from tests.media_samples import png_bytes

ALL_SCOPES = ["read", "write", "follow", "push", "admin"]
SPARE = 8  # of each kind of thing the DELETE operations may destroy


# Operations that destroy what they are given: they spend spare ids (path and body).
DESTRUCTIVE_SUFFIXES = ("/dismiss", "/block", "/mute", "/unfollow", "/remove_from_followers")
# Operations that wipe the viewer's whole collection run as dave, so alice keeps hers.
AS_DAVE = {"POST /api/v1/notifications/clear"}
# ... and those that end the token's own state run with a spare token of alice's.
AS_SPARE_TOKEN = {"DELETE /api/v1/push/subscription"}


@dataclass
class World:
    app: object
    alice: User
    app_token: str  # a client_credentials token (registration)
    dave_token: str
    push_token: str  # another token of alice's, with its own push subscription
    pools: dict[str, list[str]] = field(default_factory=dict)
    spare: dict[str, list[str]] = field(default_factory=dict)
    # Set by the test: the Params names asked (params_recorder); cases sent per operation
    # (each operation's turns do not depend on which others ran before it on this worker).
    asked: list[str] = field(default_factory=list)
    turns: dict[str, Iterator[int]] = field(
        default_factory=lambda: collections.defaultdict(itertools.count)
    )

    def destructive(self, method: str, path: str) -> bool:
        return method == "DELETE" or path.endswith(DESTRUCTIVE_SUFFIXES)

    def ids_for(self, path: str, name: str, method: str, *, in_path: bool = True) -> list[str]:
        """Real values for the parameter ``name`` of ``method path``. Spare ones are
        spent from the front by path parameters, from the back by body fields."""
        key = _pool_key(path, name)
        if self.destructive(method, path) and key in self.spare:
            return self.spare[key] if in_path else self.spare[key][::-1]
        return self.pools.get(key, [])

    def token_for(self, method: str, path: str, app_only: bool) -> str:
        label = f"{method} {path}"
        if label in AS_DAVE:
            return self.dave_token
        if label in AS_SPARE_TOKEN:
            return self.push_token
        return self.app_token if app_only else self.alice.token


def _pool_key(path: str, name: str) -> str:
    if name == "token_id":
        return "token"
    if path.startswith("/api/v1/follow_requests/"):
        return "requester:" + path.rsplit("/", 1)[-1]  # carol to authorize, erin to reject
    if name == "filter_id":
        return "filter_v1" if path.startswith("/api/v1/") else "filter_v2"
    if path == "/oauth/authorize" and name in ("name", "password"):
        return f"login:{name}"  # alice's nickname and password
    if name == "name":
        return "reaction" if "/reactions/" in path else "tag"
    if name == "id":
        if "/notifications" in path:
            return "notification_id"
        return "status_id" if path == "/api/v1/statuses" else "account_id"
    return {
        "ident": "account_id",
        "hashtag": "tag",
        "in_reply_to_id": "status_id",
        "quote_id": "status_id",
        "max_id": "status_id",
        "status_ids": "status_id",
        "media_ids": "media_id",
        "account_ids": "account_id",
        "recipients": "account_id",
        "uri": "acct",
    }.get(name, name)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _direct(recipient: User, n: int) -> dict:
    """A direct post starting a conversation of its own."""
    return {"status": f"@{recipient.nickname} secret {n}", "visibility": "direct"}


def _subscription() -> dict:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {
        "subscription": {
            "endpoint": "https://push.example/wpush/fuzz",
            "keys": {"p256dh": _b64url(point), "auth": _b64url(os.urandom(16))},
        },
        "data": {"alerts": {"mention": True}},
    }


class _Api:
    """Requests as one user, failing loudly: the seed must be what the test expects."""

    def __init__(self, http: httpx.AsyncClient):
        self.http = http

    async def __call__(self, user: User, method: str, path: str, **kwargs) -> dict | list:
        response = await self.http.request(method, path, headers=user.headers, **kwargs)
        assert response.status_code == 200, (method, path, response.text)
        return response.json()


async def _variety(api: _Api, alice: User, bob: User, carol: User, mine, poll, media) -> None:
    """Shapes the answers must match with their optional parts present: an edited post, a
    quote, a boost of alice's post, a voted and a hidden-totals poll, a post her filter
    matches, a timed mute, an endorsement, profile fields and an avatar, a focal point."""
    post = "POST"
    await api(alice, "PUT", f"/api/v1/statuses/{mine['id']}", json={"status": "hello again #cats"})
    await api(alice, post, "/api/v1/statuses", json={"status": "look", "quote_id": poll["id"]})
    await api(bob, post, f"/api/v1/statuses/{mine['id']}/reblog")
    voted = await api(
        bob,
        post,
        "/api/v1/statuses",
        json={
            "status": "pick",
            "poll": {"options": ["a", "b", "c"], "expires_in": 600, "multiple": True},
        },
    )
    await api(alice, post, f"/api/v1/polls/{voted['poll']['id']}/votes", json={"choices": [0, 2]})
    hidden = {"options": ["x", "y"], "expires_in": 600, "hide_totals": True}
    await api(bob, post, "/api/v1/statuses", json={"status": "secret ballot", "poll": hidden})
    await api(bob, post, "/api/v1/statuses", json={"status": "a spoiler for you"})
    await api(alice, post, f"/api/v1/accounts/{carol.id}/mute", json={"duration": 3600})
    await api(alice, post, f"/api/v1/accounts/{bob.id}/pin")
    await api(
        alice,
        "PATCH",
        "/api/v1/accounts/update_credentials",
        data={
            "note": "Hi, I am #alice",
            "fields_attributes[0][name]": "Site",
            "fields_attributes[0][value]": "https://alice.example",
        },
        files={"avatar": ("me.png", png_bytes(), "image/png")},
    )
    await api(alice, "PUT", f"/api/v1/media/{media['id']}", json={"focus": "0.5,-0.25"})


async def _seed(app) -> World:
    factory = Factory(app)
    alice = await factory.user("alice", scopes=ALL_SCOPES, locked=True, is_admin=True)
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    dave = await factory.user("dave")
    erin = await factory.user("erin")
    client_app = await factory.oauth_app()
    app_token = await factory.token(None, ["read", "write", "follow", "push"], client_app)
    push = User(alice.account, await factory.token(alice.account, ALL_SCOPES))
    for _ in range(SPARE):
        await factory.token(alice.account, ALL_SCOPES)

    announcement = Announcement(id=new_id(), content="<p>Welcome</p>")
    async with app.state.sessionmaker() as session:
        session.add_all([announcement, InstanceRule(id=new_id(), text="Be kind", hint="")])
        await session.commit()

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        api = _Api(http)
        post = "POST"
        await api(alice, post, f"/api/v1/accounts/{bob.id}/follow")
        await api(bob, post, f"/api/v1/accounts/{alice.id}/follow")
        await api(carol, post, f"/api/v1/accounts/{alice.id}/follow")  # pending requests
        await api(erin, post, f"/api/v1/accounts/{alice.id}/follow")
        await api(alice, post, f"/api/v1/follow_requests/{bob.id}/authorize")
        await api(alice, post, f"/api/v1/accounts/{dave.id}/follow")

        media = await api(
            alice,
            post,
            "/api/v1/media",
            files={"file": ("a.png", png_bytes(), "image/png")},
            data={"description": "a picture"},
        )
        attached = await api(
            alice, post, "/api/v1/media", files={"file": ("b.png", png_bytes(), "image/png")}
        )
        mine = await api(
            alice,
            post,
            "/api/v1/statuses",
            json={"status": "hello #cats @bob", "media_ids": [attached["id"]]},
        )
        reply = await api(
            bob,
            post,
            "/api/v1/statuses",
            json={"status": "@alice hi", "in_reply_to_id": mine["id"]},
        )
        poll = await api(
            bob,
            post,
            "/api/v1/statuses",
            json={"status": "vote", "poll": {"options": ["a", "b"], "expires_in": 86400}},
        )
        own_poll = await api(
            alice,
            post,
            "/api/v1/statuses",
            json={"status": "mine", "poll": {"options": ["x", "y"], "expires_in": 86400}},
        )
        direct = await api(
            alice, post, "/api/v1/statuses", json={"status": "@bob psst", "visibility": "direct"}
        )
        private = await api(
            alice, post, "/api/v1/statuses", json={"status": "friends", "visibility": "private"}
        )
        for action in ("favourite", "bookmark", "reblog"):
            await api(alice, post, f"/api/v1/statuses/{reply['id']}/{action}")
        await api(bob, post, f"/api/v1/statuses/{mine['id']}/favourite")
        await api(alice, post, f"/api/v1/statuses/{mine['id']}/pin")
        await _variety(api, alice, bob, carol, mine, poll, media)
        await api(bob, "PUT", f"/api/v1/announcements/{announcement.id}/reactions/👍")
        scheduled = await api(
            alice,
            post,
            "/api/v1/statuses",
            json={"status": "later", "scheduled_at": "2099-01-01T00:00:00.000Z"},
        )
        a_list = await api(alice, post, "/api/v1/lists", json={"title": "friends"})
        await api(
            alice, post, f"/api/v1/lists/{a_list['id']}/accounts", json={"account_ids": [bob.id]}
        )
        v1_filter = await api(
            alice, post, "/api/v1/filters", json={"phrase": "spoiler", "context": ["home"]}
        )
        v2_filter = await api(
            alice,
            post,
            "/api/v2/filters",
            json={
                "title": "words",
                "context": ["home", "public"],
                "keywords_attributes": [{"keyword": "politics"}],
            },
        )
        filter_status = await api(
            alice,
            post,
            f"/api/v2/filters/{v2_filter['id']}/statuses",
            json={"status_id": poll["id"]},
        )
        await api(alice, post, "/api/v1/tags/cats/follow")
        await api(alice, post, "/api/v1/push/subscription", json=_subscription())
        await api(push, post, "/api/v1/push/subscription", json=_subscription())
        await api(alice, post, "/api/v1/markers", json={"home": {"last_read_id": mine["id"]}})
        notifications = await api(alice, "GET", "/api/v1/notifications")
        conversations = await api(alice, "GET", "/api/v1/conversations")

        spare: dict[str, list[str]] = {}

        async def keep(key: str, method: str, path: str, **kwargs) -> dict:
            data = await api(alice, method, path, **kwargs)
            spare.setdefault(key, []).append(data["id"])
            return data

        for n in range(SPARE):
            status = await keep("status_id", post, "/api/v1/statuses", json={"status": f"#{n}"})
            await api(bob, post, f"/api/v1/statuses/{status['id']}/favourite")
            await api(alice, post, "/api/v1/statuses", json=_direct(carol, n))
            later = {"status": f"later {n}", "scheduled_at": "2099-01-01T00:00:00Z"}
            await keep("scheduled_id", post, "/api/v1/statuses", json=later)
            await keep("list_id", post, "/api/v1/lists", json={"title": f"spare {n}"})
            v1 = {"phrase": f"spare{n}", "context": ["home"]}
            await keep("filter_v1", post, "/api/v1/filters", json=v1)
            v2 = {
                "title": f"spare {n}",
                "context": ["home"],
                "keywords_attributes": [{"keyword": f"kw{n}"}, {"keyword": f"other{n}"}],
            }
            created = await keep("filter_v2", post, "/api/v2/filters", json=v2)
            spare.setdefault("keyword_id", []).append(created["keywords"][0]["id"])
            await keep(
                "filter_status_id",
                post,
                f"/api/v2/filters/{created['id']}/statuses",
                json={"status_id": mine["id"]},
            )
        kept = {n["id"] for n in notifications}
        spare["notification_id"] = [
            n["id"] for n in await api(alice, "GET", "/api/v1/notifications") if n["id"] not in kept
        ]
        kept = {c["id"] for c in conversations}
        spare["participation_id"] = [
            c["id"] for c in await api(alice, "GET", "/api/v1/conversations") if c["id"] not in kept
        ]

    async with app.state.sessionmaker() as session:
        token_ids = [
            str(token.id)
            for token in await session.scalars(
                select(OAuthToken).where(OAuthToken.account_id == alice.account.id)
            )
        ]
        await session.commit()
    kept_tokens = {await _token_id(app, alice.token), await _token_id(app, push.token)}
    spare["token"] = [t for t in token_ids if t not in kept_tokens]
    assert len(spare["token"]) == SPARE

    return World(
        app=app,
        alice=alice,
        app_token=app_token,
        dave_token=dave.token,
        push_token=push.token,
        pools={
            "account_id": [bob.id, carol.id, alice.id, "bob"],
            "requester:authorize": [carol.id],
            "requester:reject": [erin.id],
            "acct": ["bob", f"alice@{app.state.settings.domain}", "carol"],
            "resource": [f"acct:alice@{app.state.settings.domain}", alice.account.ap_id],
            "client_id": [client_app.client_id],
            "client_secret": [client_app.client_secret],
            "domain": ["spam.example", "xn--bcher-kva.example"],
            "login:name": [alice.nickname],
            "login:password": [alice.password],
            "status_id": [mine["id"], reply["id"], poll["id"], direct["id"], private["id"]],
            "poll_id": [poll["poll"]["id"], own_poll["poll"]["id"]],
            "media_id": [media["id"], attached["id"]],
            "scheduled_id": [scheduled["id"]],
            "list_id": [a_list["id"]],
            "filter_v1": [v1_filter["id"]],
            "filter_v2": [v2_filter["id"]],
            "keyword_id": [v2_filter["keywords"][0]["id"]],
            "filter_status_id": [filter_status["id"]],
            "notification_id": [n["id"] for n in notifications],
            "participation_id": [c["id"] for c in conversations],
            "announcement_id": [str(announcement.id)],
            "tag": ["cats", "Cats"],
            "reaction": ["👍", "blobcat"],
            "version": ["2.0", "2.1"],
        },
        spare={
            **spare,
            "account_id": [dave.id],
            "announcement_id": [str(announcement.id)],
            "reaction": ["👍"],
        },
    )


async def _token_id(app, secret: str) -> str:
    from pyleroma.services.oauth.secrets import digest

    async with app.state.sessionmaker() as session:
        token = await session.scalar(
            select(OAuthToken).where(OAuthToken.token_digest == digest(secret))
        )
        return str(token.id)


def build_world(data_dir, pg_url: str | None) -> World:
    """A fresh instance (its own SQLite file, or the worker's emptied PostgreSQL database)
    seeded in a throw-away event loop; its pool is emptied afterwards, so the requests of
    the test (served on schemathesis' own loop) open connections of their own."""
    overrides = {
        # The fuzzer logs in and registers far more often than a person could.
        "login_rate_limit": 1_000_000,
        "registration_rate_limit": 1_000_000,
        # Background jobs would run beside the cases; none is needed to answer them.
        "jobs_in_process": False,
    }
    settings = make_test_settings(data_dir, pg_url or "", **overrides)
    app = create_app(settings)

    async def prepare() -> World:
        if pg_url:
            await _empty_pg(pg_url)
        else:
            async with app.state.engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
        world = await _seed(app)
        await app.state.engine.dispose()
        return world

    return asyncio.run(prepare())
