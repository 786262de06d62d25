"""Property: the entity caches never change a response, for any viewer, after any change.

Two apps share one database and one invalidation journal, as two processes of one instance
do: ``cached`` keeps entity caches, ``plain`` keeps none (``entity_cache_size = 0``). A
seeded random workload of writes (posts with mentions, hashtags, media, polls and links
whose preview cards a job makes ready, replies, edits, deletes, favourites, boosts, pins,
votes, blocks, mutes, follows, profile and media description changes, filters and their
keywords) goes through either app at random, so
each process must learn of the other's writes through the journal. After every write,
random reads (home, public, an account's statuses, a status, its context, notifications)
are answered by both apps for viewers (anonymous, and two of the users, the admin among
them, each time) and must be byte-identical.

More seeds: ``PYLEROMA_CACHE_SEEDS=5`` (default 1 seed on each database), longer runs:
``PYLEROMA_CACHE_STEPS`` (default 60).
"""

from __future__ import annotations

import os
import random
from contextlib import asynccontextmanager

import httpx
import pytest

from pyleroma.main import create_app
from tests.api.card_pages import PageServer, standard_pages
from tests.api.posting_helpers import media
from tests.api.status_action_helpers import drain
from tests.conftest import BASE_URL, make_test_settings

SEEDS = int(os.environ.get("PYLEROMA_CACHE_SEEDS", "1"))
STEPS = int(os.environ.get("PYLEROMA_CACHE_STEPS", "60"))
NAMES = ("ann", "ben", "cat", "dan", "eve")


@asynccontextmanager
async def second_app(app, **overrides):
    """Another app on ``app``'s database, journal and data dir (another process of the same
    instance, as far as the caches can tell), with an HTTP client."""
    base = app.state.settings
    other = create_app(make_test_settings(base.data_dir, base.database_url, **overrides))
    transport = httpx.ASGITransport(app=other, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            yield other, http
    finally:
        await other.state.engine.dispose()
        other.state.entity_cache.journal.close()


@pytest.fixture
async def plain(app):
    """A second app without caches."""
    async with second_app(app, entity_cache_size=0) as (other, _):
        yield other


@pytest.fixture
async def card_site(app, plain):
    """Pages for the link previews of ``World.link``, fetched by both apps."""
    for application in (app, plain):
        application.state.settings.rich_media_enabled = True
    server = await PageServer().start()
    standard_pages(server)
    yield server
    await server.stop()


class World:
    def __init__(self, rng, app, plain, cached_http, plain_http, users, admin):
        self.rng = rng
        self.app = app
        self.plain = plain
        self.http = {"cached": cached_http, "plain": plain_http}
        self.users = users
        self.admin = admin
        self.statuses: list[tuple[str, object]] = []  # (id, author)
        self.media: list[tuple[str, object]] = []
        self.polls: list[str] = []
        self.events: list[tuple[str, object]] = []
        self.filters: dict[str, list[str]] = {}
        self.reads = 0

    def pick_http(self) -> httpx.AsyncClient:
        return self.http[self.rng.choice(("cached", "plain"))]

    def someone(self):
        return self.rng.choice(self.users)

    async def write(self, method, path, user, **kwargs) -> httpx.Response:
        response = await self.pick_http().request(method, path, headers=user.headers, **kwargs)
        assert response.status_code < 500, response.text
        await drain(self.rng.choice((self.app, self.plain)))
        return response

    # -- writes ---------------------------------------------------------------------------

    async def post(self):
        author = self.someone()
        rng = self.rng
        words = ["note", f"#tag{rng.randrange(3)}"]
        words += [f"@{self.someone().nickname}" for _ in range(rng.randrange(3))]
        body: dict = {
            "status": " ".join(words),
            "visibility": rng.choice(("public", "public", "unlisted", "private", "direct")),
        }
        if self.statuses and rng.random() < 0.4:
            body["in_reply_to_id"] = rng.choice(self.statuses)[0]
        if rng.random() < 0.25:
            body["media_ids"] = [str(await media(self.app.state.sessionmaker, author.account))]
        elif rng.random() < 0.2:
            body["poll"] = {"options": ["yes", "no"], "expires_in": 3600}
        response = await self.write("POST", "/api/v1/statuses", author, json=body)
        if response.status_code == 200:
            data = response.json()
            self.statuses.append((data["id"], author))
            if data["media_attachments"]:
                self.media.append((data["media_attachments"][0]["id"], author))
            if data["poll"]:
                self.polls.append(data["poll"]["id"])

    async def act_on_status(self):
        if not self.statuses:
            return await self.post()
        status_id, author = self.rng.choice(self.statuses)
        user = self.someone()
        action = self.rng.choice(
            ("favourite", "unfavourite", "reblog", "unreblog", "bookmark", "pin", "unpin")
        )
        if action in ("pin", "unpin"):
            user = author
        await self.write("POST", f"/api/v1/statuses/{status_id}/{action}", user)

    async def react(self):
        """Emoji reactions: the status bundles hold who reacted with what."""
        if not self.statuses:
            return await self.post()
        status_id, _ = self.rng.choice(self.statuses)
        emoji = self.rng.choice(("\U0001f40c", "\u2764", "\U0001f44d\U0001f3fd"))
        method = self.rng.choice(("PUT", "PUT", "DELETE"))
        path = f"/api/v1/pleroma/statuses/{status_id}/reactions/{emoji}"
        await self.write(method, path, self.someone())

    async def event(self):
        """Events: the status bundles hold the event row (its counts change with every
        join and leave); the viewer's join state is read per request."""
        events = [(i, a) for i, a in self.statuses if (i, a) in self.events]
        if not events or self.rng.random() < 0.3:
            author = self.someone()
            body = {
                "name": f"event {self.rng.randrange(9)}",
                "start_time": "2030-06-01T18:00:00Z",
                "join_mode": self.rng.choice(("free", "restricted")),
            }
            response = await self.write("POST", "/api/v1/pleroma/events", author, json=body)
            if response.status_code == 200:
                self.statuses.append((response.json()["id"], author))
                self.events.append(self.statuses[-1])
            return
        status_id, author = self.rng.choice(events)
        action = self.rng.choice(("join", "join", "leave", "authorize", "edit"))
        base = f"/api/v1/pleroma/events/{status_id}"
        if action == "authorize":
            joiner = self.someone()
            path = f"{base}/participation_requests/{joiner.id}/authorize"
            await self.write("POST", path, author)
        elif action == "edit":
            await self.write("PUT", base, author, json={"name": f"moved {self.rng.random()}"})
        else:
            await self.write("POST", f"{base}/{action}", self.someone())

    async def link(self):
        """Link previews: posts linking a new page are read while its card is pending,
        then the job makes the card ready, which must drop exactly the cached bundles of
        the statuses linking it (each post gets a URL of its own, or shares one)."""
        page = self.rng.choice(("/article", "/video", "/other", "/title-only"))
        url = self.site.url(f"{page}?v={self.rng.randrange(4)}")
        for _ in range(self.rng.randrange(1, 3)):
            author = self.someone()
            response = await self.pick_http().post(
                "/api/v1/statuses", headers=author.headers, json={"status": f"see {url}"}
            )
            assert response.status_code == 200, response.text
            self.statuses.append((response.json()["id"], author))
        await self.compare()
        await drain(self.rng.choice((self.app, self.plain)))

    async def edit(self):
        if not self.statuses:
            return await self.post()
        status_id, author = self.rng.choice(self.statuses)
        text = f"edited #tag{self.rng.randrange(3)} @{self.someone().nickname}"
        await self.write("PUT", f"/api/v1/statuses/{status_id}", author, json={"status": text})

    async def delete(self):
        if not self.statuses:
            return await self.post()
        entry = self.rng.choice(self.statuses)
        response = await self.write("DELETE", f"/api/v1/statuses/{entry[0]}", entry[1])
        if response.status_code == 200:
            self.statuses.remove(entry)

    async def relate(self):
        user, other = self.rng.sample(self.users, 2)
        actions = ("follow", "unfollow", "block", "unblock", "mute", "unmute", "pin", "unpin")
        action = self.rng.choice((*actions, "note", "timed mute"))
        path = f"/api/v1/accounts/{other.id}"
        if action == "note":
            body = {"comment": f"met {self.rng.randrange(5)}"}
            await self.write("POST", f"{path}/note", user, json=body)
        elif action == "timed mute":
            await self.write("POST", f"{path}/mute", user, json={"duration": 3600})
        else:
            await self.write("POST", f"{path}/{action}", user)

    async def profile(self):
        user = self.someone()
        fields = {
            "display_name": f"{user.nickname} {self.rng.randrange(100)}",
            "note": f"about #tag{self.rng.randrange(3)}",
            # Shown to everyone, or to the account itself only (pleroma.birthday).
            "birthday": self.rng.choice(("", "1990-05-17", "2001-12-31")),
            "show_birthday": self.rng.choice(("true", "false")),
        }
        await self.write("PATCH", "/api/v1/accounts/update_credentials", user, data=fields)

    async def describe_media(self):
        if not self.media:
            return await self.post()
        media_id, owner = self.rng.choice(self.media)
        description = f"picture {self.rng.randrange(100)}"
        await self.write(
            "PUT", f"/api/v1/media/{media_id}", owner, json={"description": description}
        )

    async def vote(self):
        if not self.polls:
            return await self.post()
        poll_id = self.rng.choice(self.polls)
        choices = [self.rng.randrange(2)]
        await self.write(
            "POST", f"/api/v1/polls/{poll_id}/votes", self.someone(), json={"choices": choices}
        )

    async def filter(self):
        """Filters change what a viewer's pages hold (hide) or how statuses read (warn)."""
        rng, user = self.rng, self.someone()
        word = rng.choice(("note", "note", "edited", "tag1"))
        mine = self.filters.setdefault(user.nickname, [])
        choice = rng.random()
        if mine and choice < 0.3:
            filter_id = mine.pop(rng.randrange(len(mine)))
            await self.write("DELETE", f"/api/v2/filters/{filter_id}", user)
        elif mine and choice < 0.6:
            filter_id = rng.choice(mine)
            body = {"keyword": word, "whole_word": rng.random() < 0.5}
            await self.write("POST", f"/api/v2/filters/{filter_id}/keywords", user, json=body)
        else:
            body = {
                "title": f"no {word}",
                "context": rng.sample(["home", "public", "thread", "account", "notifications"], 3),
                "filter_action": rng.choice(("warn", "hide")),
                "keywords_attributes": [{"keyword": word}],
            }
            response = await self.write("POST", "/api/v2/filters", user, json=body)
            if response.status_code == 200:
                mine.append(response.json()["id"])

    # -- reads ----------------------------------------------------------------------------

    def read_paths(self) -> list[str]:
        paths = ["/api/v1/timelines/public", "/api/v1/timelines/public?local=true"]
        account = self.someone()
        paths.append(f"/api/v1/accounts/{account.id}/statuses")
        paths.append(f"/api/v1/accounts/{account.id}")
        if self.statuses:
            status_id = self.rng.choice(self.statuses)[0]
            paths += [f"/api/v1/statuses/{status_id}", f"/api/v1/statuses/{status_id}/context"]
        return paths

    async def compare(self):
        paths = self.rng.sample(self.read_paths(), 3)
        viewers = [None, *self.rng.sample(self.users, 2)]
        for viewer in viewers:
            headers = viewer.headers if viewer else {}
            mine = ["/api/v1/timelines/home", "/api/v1/notifications"] if viewer else []
            if viewer:
                others = "&".join(f"id[]={u.id}" for u in self.rng.sample(self.users, 3))
                mine.append(f"/api/v1/accounts/relationships?{others}")
            for path in [*paths, *mine]:
                # The cached app answers twice: the second answer comes from warm caches.
                first = await self.http["cached"].get(path, headers=headers)
                again = await self.http["cached"].get(path, headers=headers)
                expected = await self.http["plain"].get(path, headers=headers)
                assert first.status_code == expected.status_code, (path, first.text)
                assert first.content == expected.content, (path, viewer and viewer.nickname)
                assert again.content == expected.content, (path, viewer and viewer.nickname)
                self.reads += 1


@pytest.mark.parametrize("seed", range(SEEDS))
async def test_cached_and_uncached_answers_are_byte_identical(app, plain, factory, card_site, seed):
    rng = random.Random(seed)
    users = [await factory.user(name) for name in NAMES]
    admin = await factory.user("boss", is_admin=True)
    transports = [httpx.ASGITransport(app=a, raise_app_exceptions=False) for a in (app, plain)]
    async with (
        httpx.AsyncClient(transport=transports[0], base_url=BASE_URL) as cached_http,
        httpx.AsyncClient(transport=transports[1], base_url=BASE_URL) as plain_http,
    ):
        world = World(rng, app, plain, cached_http, plain_http, [*users, admin], admin)
        world.site = card_site
        actions = [
            (world.post, 5),
            (world.act_on_status, 5),
            (world.link, 2),
            (world.react, 3),
            (world.event, 2),
            (world.edit, 2),
            (world.delete, 1),
            (world.relate, 3),
            (world.profile, 2),
            (world.describe_media, 1),
            (world.vote, 1),
            (world.filter, 3),
        ]
        for _ in range(STEPS):
            action = rng.choices([a for a, _ in actions], [w for _, w in actions])[0]
            await action()
            await world.compare()
    cache = app.state.entity_cache
    assert world.reads > STEPS
    # The caches were really used (and the plain app really kept none).
    assert cache.hits > 100 and cache.accounts and cache.statuses
    assert plain.state.entity_cache.hits == 0 and not plain.state.entity_cache.statuses
