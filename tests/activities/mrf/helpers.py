"""What the MRF policy tests share: the fixtures of tests/fixtures/activitypub normalised as
the receive job normalises them, settings and contexts for unit tests, and, for the tests
going through federation/receive.py, remote authors, a fake fetcher that serves a reply's
parent (so a test sees whether the parent was fetched) and counts of what was stored."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select

from pyleroma.activities.context import PipelineContext
from pyleroma.activities.mrf.base import MrfContext
from pyleroma.activities.normalize import normalize_activity
from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.federation.errors import FetchError
from pyleroma.models import Account, Notification, Status
from pyleroma.settings import Settings
from tests.conftest import BASE_URL

FIXTURES = Path(__file__).parent.parent.parent / "fixtures" / "activitypub"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
HOSTS = {
    "https://pyleroma.example": BASE_URL,
    **{
        f"https://{name}.example": f"https://{name}.remote.test"
        for name in ("mastodon", "pleroma", "akkoma", "misskey", "gts")
    },
}
ALICE = "https://mastodon.remote.test/users/alice"
ALICE_FOLLOWERS = f"{ALICE}/followers"
BOB = "https://pleroma.remote.test/users/bob"
BOB_FOLLOWERS = f"{BOB}/followers"
ZOE = f"{BASE_URL}/users/zoe"
# The post the Mastodon reply fixture answers (Pleroma's bob wrote it).
PARENT_URI = "https://pleroma.remote.test/objects/4c0f5b8e-2d1a-4e7f-9b36-8a2c1d0e5f71"
# 2025-03-14T09:26:53Z, the fixtures' date, plus a day.
FIXTURE_NOW = dt.datetime(2025, 3, 15, 9, 26, 53)


def load(software: str, name: str) -> dict[str, Any]:
    """A fixture as a remote server sends it, its hosts moved to the test hosts."""
    text = (FIXTURES / software / f"{name}.json").read_text()
    for old, new in HOSTS.items():
        text = text.replace(old, new)
    return json.loads(text)


def normalized(software: str, name: str) -> dict[str, Any]:
    return normalize_activity(load(software, name))


def settings(**overrides: Any) -> Settings:
    """Settings for a unit test (policies are built straight from them)."""
    built = Settings(base_url=BASE_URL, secret_key="test-secret-key")
    for key, value in overrides.items():
        setattr(built, key, value)
    return built


def sender(
    ap_id: str = ALICE,
    *,
    followers_url: str | None = "",
    actor_type: str = "Person",
    nickname: str = "alice@mastodon.remote.test",
) -> SimpleNamespace:
    """What a policy reads of the sender's Account row."""
    followers = f"{ap_id}/followers" if followers_url == "" else followers_url
    return SimpleNamespace(
        ap_id=ap_id, followers_url=followers, actor_type=actor_type, nickname=nickname
    )


def context(actor: Any = None, now: dt.datetime = FIXTURE_NOW, **overrides: Any) -> MrfContext:
    return MrfContext(settings(**overrides), None, actor, now)


def mastodon_note(content: str | None = None, **object_fields: Any) -> dict[str, Any]:
    """Mastodon's public Note (to Public, cc followers and @zoe), normalised."""
    raw = load("mastodon", "create_note_public")
    if content is not None:
        raw["object"]["content"] = content
        raw["object"]["contentMap"] = {"en": content}
    raw["object"].update(object_fields)
    return normalize_activity(raw)


def addressing(activity: dict[str, Any]) -> tuple[list, list, list, list]:
    """(activity to, activity cc, post to, post cc)."""
    post = activity["object"]
    return activity["to"], activity["cc"], post["to"], post["cc"]


# --- through federation/receive.py --------------------------------------------------------


async def remote_author(
    db, software: str = "mastodon", *, actor_type: str = "Person", nickname: str | None = None
) -> Account:
    """The fixture's author, stored fresh (no refetch) with its followers collection."""
    nick, host, path = {
        "mastodon": ("alice", "mastodon.remote.test", "/users/alice"),
        "pleroma": ("bob", "pleroma.remote.test", "/users/bob"),
        "misskey": ("yuki", "misskey.remote.test", "/users/9h4k2m3n5p"),
    }[software]
    ap_id = f"https://{host}{path}"
    nickname = f"{nickname or nick}@{host}"
    async with db() as session:
        account = Account(
            id=new_id(),
            nickname=nickname,
            nickname_key=nickname.lower(),
            domain=host,
            local=False,
            fields=[],
            also_known_as=[],
            tags=[],
            settings_store={},
            ap_id=ap_id,
            url=ap_id,
            inbox=f"{ap_id}/inbox",
            followers_url=f"{ap_id}/followers",
            actor_type=actor_type,
            last_fetched_at=utcnow(),
        )
        session.add(account)
        await session.commit()
        return account


async def receive(app, actor: Account, raw: dict[str, Any]):
    """An inbox delivery's path: normalise, MRF, resolve (fetching what is missing), run."""
    from pyleroma.federation.receive import receive as receive_activity

    async with app.state.sessionmaker() as session:
        ctx = PipelineContext(session, app.state.settings)
        return await receive_activity(ctx, actor, raw)


def parent_document() -> dict[str, Any]:
    """The post the Mastodon reply answers, as Pleroma serves it (it mentions @zoe)."""
    note = copy.deepcopy(load("pleroma", "create_note_public")["object"])
    note["@context"] = "https://www.w3.org/ns/activitystreams"
    note["id"] = PARENT_URI
    return note


def serve_parent(monkeypatch) -> list[str]:
    """Make fetches answer the reply fixture's parent (and fail for anything else); the
    returned list records every URL fetched."""
    import pyleroma.federation.fetch as fetch_module

    fetched: list[str] = []

    async def fake_fetch_object(settings, url, **kwargs):
        fetched.append(url)
        if url == PARENT_URI:
            return parent_document()
        raise FetchError("not served in this test", url=url, gone=True)

    monkeypatch.setattr(fetch_module, "fetch_object", fake_fetch_object)
    return fetched


def mastodon_reply(content: str | None = None) -> dict[str, Any]:
    """Mastodon's public reply to bob's unknown post, also mentioning @zoe."""
    raw = load("mastodon", "create_note_reply")
    note = raw["object"]
    if content is not None:
        note["content"] = content
        note.pop("contentMap", None)
    note["tag"] = [*note.get("tag", []), {"type": "Mention", "href": ZOE, "name": "@zoe"}]
    for item in (raw, note):
        item["cc"] = [*item["cc"], ZOE]
    return raw


async def count(db, model, *where) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def stored_status(db, uri: str) -> Status | None:
    async with db() as session:
        return (await session.execute(select(Status).where(Status.uri == uri))).scalar_one_or_none()


async def assert_nothing_behind(db, fetched: list[str] | None = None) -> None:
    """A refused activity left no status (nor a fetched parent), no notification, and
    fetched nothing."""
    assert await count(db, Status) == 0
    assert await count(db, Notification) == 0
    if fetched is not None:
        assert fetched == []
