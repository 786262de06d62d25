"""Objects in every shape other servers send, through the real receive path (issue 11,
robustness): each fixture under tests/fixtures/activitypub/ that other tests do not already
run through receive (Friendica, WordPress, Bridgy Fed, bird.makeup, PeerTube, Lemmy, and
hostile shapes in other/) is received by its actor and either stored and read back
through the Mastodon API as a client sees it (content sanitised, attachments usable), or
taken as nothing, or refused, and then nothing of it is stored. Then the limits on remote
input (settings.py, "Limits on remote input") and the fetch budget of one activity.

No test reaches the network: ``fetch._get`` (below the guards and the budget) fails, or
serves the documents a test sets up.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from pyleroma.activities.context import PipelineContext
from pyleroma.activities.normalize import InvalidActivity
from pyleroma.activities.policies import Rejected
from pyleroma.db.base import utcnow
from pyleroma.federation import fetch as fetch_module
from pyleroma.federation.errors import FetchError
from pyleroma.federation.fetch import Reply
from pyleroma.federation.fetch_budget import FetchBudgetSpent, charge, fetch_budget
from pyleroma.federation.receive import receive as receive_activity
from pyleroma.models import Account, MediaAttachment, Notification, Poll, Status, StatusMention
from tests.api.relationship_helpers import remote_account
from tests.conftest import BASE_URL

FIXTURES = Path(__file__).parent.parent / "fixtures" / "activitypub"
OUTCOMES: dict[str, Any] = {
    # fixture -> media kept when stored; None: taken as nothing; an exception: refused.
    "birdmakeup/create_note_tweet.json": ["image", "video"],
    "bridgyfed/create_note_bluesky.json": ["image"],
    "bridgyfed/create_note_web_title_only.json": [],
    "friendica/create_event.json": [],
    "friendica/create_note_public.json": ["image"],
    "lemmy/announce_like.json": None,
    "lemmy/create_note_comment.json": [],
    "lemmy/create_page_image_link.json": ["image"],
    "other/create_note_attachment_links.json": ["image", "video"],
    "other/create_note_content_as_map.json": [],
    "other/create_note_content_map_only.json": [],
    "other/create_note_deep_nesting.json": InvalidActivity,
    "other/create_note_many_attachments.json": ["image"] * 20,
    "other/create_note_many_mentions.json": [],
    "other/create_note_object_without_id.json": InvalidActivity,
    "other/create_note_odd_html.json": [],
    "other/create_note_without_id.json": InvalidActivity,
    "other/create_question_many_options.json": [],
    "other/create_unknown_type.json": None,
    "other/undo_embedded_too_deep.json": InvalidActivity,
    "peertube/create_cache_file.json": InvalidActivity,
    "peertube/create_note_comment.json": [],
    "peertube/create_video_name_only.json": [],
    "wordpress/create_article.json": ["image", "audio"],
    "wordpress/create_note_comment.json": [],
}
UNSAFE = (
    "<script", "alert(", "onerror", "onload", "javascript:", "data:", "<iframe", "<svg",
    "<form", "<input", "<object", "<style", "style=", "<marquee", "<img", "target=",
)  # fmt: skip


def load(name: str) -> dict[str, Any]:
    """A fixture, with the local account it names (zoe) on this test instance."""
    return json.loads((FIXTURES / name).read_text().replace("https://pyleroma.example", BASE_URL))


def actor_id(raw: dict[str, Any]) -> str:
    actor = raw["actor"]
    return actor if isinstance(actor, str) else actor["id"]


async def signer_of(db, raw: dict[str, Any]):
    """The remote account that signed ``raw``: its actor, stored as fresh (never fetched)."""
    ap_id = actor_id(raw)
    async with db() as session:
        found = await session.scalar(select(Account).where(Account.ap_id == ap_id))
    if found is not None:
        return found
    host = ap_id.split("/")[2]
    username = re.sub(r"[^A-Za-z0-9_]", "_", ap_id.rstrip("/").rsplit("/", 1)[-1])[:30]
    return await remote_account(
        db,
        username or "someone",
        host,
        ap_id=ap_id,
        followers_url=f"{ap_id}/followers",
        url=ap_id,
        last_fetched_at=utcnow(),
    )


async def receive(app, actor, raw: dict[str, Any]):
    async with app.state.sessionmaker() as session:
        return await receive_activity(PipelineContext(session, app.state.settings), actor, raw)


async def count(db, model) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def counts(db) -> dict[str, int]:
    models = (Status, MediaAttachment, StatusMention, Poll, Notification)
    return {model.__name__: await count(db, model) for model in models}


@pytest.fixture(autouse=True)
def offline(monkeypatch) -> list[str]:
    """Every fetch fails as an unreachable server does (after its guards and its budget);
    the list records what was asked for."""
    asked: list[str] = []

    async def unreachable(settings, url, *args, **kwargs):
        asked.append(url)
        raise FetchError(f"could not fetch {url}: offline in tests", url=url)

    monkeypatch.setattr(fetch_module, "_get", unreachable)
    return asked


def test_every_new_shape_goes_through_the_receive_path():
    """The fixtures of this part of the suite are all listed above (a new one must be)."""
    known = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.json")}
    assert set(OUTCOMES) <= known
    for software in ("friendica", "wordpress", "bridgyfed", "birdmakeup"):
        assert {n for n in known if n.startswith(f"{software}/")} <= set(OUTCOMES)


@pytest.mark.parametrize("name", sorted(OUTCOMES))
async def test_each_shape_is_stored_sanely_or_leaves_nothing(app, client, factory, db, name):
    zoe = await factory.user("zoe")
    raw = load(name)
    expected = OUTCOMES[name]
    author = await signer_of(db, raw)
    before = await counts(db)
    if isinstance(expected, type):
        with pytest.raises(expected):
            await receive(app, author, raw)
        assert await counts(db) == before
        return
    status = await receive(app, author, raw)
    if expected is None:
        assert status is None
        assert await counts(db) == before
        return
    assert isinstance(status, Status), status
    response = await client.get(f"/api/v1/statuses/{status.id}", headers=zoe.headers)
    assert response.status_code == 200, response.text
    data = response.json()
    content = data["content"]
    for bad in UNSAFE:
        assert bad not in content.lower(), (bad, content)
    assert content.strip(), "a stored post shows something"
    assert "<" not in data["spoiler_text"]
    assert [m["type"] for m in data["media_attachments"]] == expected
    for media in data["media_attachments"]:
        assert media["url"].startswith("https://") and media["remote_url"] == media["url"]
    obj = raw["object"]
    if obj.get("name") and not obj.get("content") and not obj.get("contentMap"):
        assert "Fiddleheads" in content or "frond" in content or obj["name"][:5] in content
    assert data["uri"] == obj["id"]


async def test_odd_html_keeps_its_text_and_drops_the_rest(app, client, factory, db):
    zoe = await factory.user("zoe")
    raw = load("other/create_note_odd_html.json")
    status = await receive(app, await signer_of(db, raw), raw)
    data = (await client.get(f"/api/v1/statuses/{status.id}", headers=zoe.headers)).json()
    for kept in ("hello", "there", "cell", "data link", "ok link", "unclosed"):
        assert kept in data["content"]
    assert 'href="https://ok.example/"' in data["content"]
    assert data["spoiler_text"] == "spoiler bold"


async def test_name_without_content_is_shown_as_text(app, client, factory, db):
    zoe = await factory.user("zoe")
    raw = load("bridgyfed/create_note_web_title_only.json")
    status = await receive(app, await signer_of(db, raw), raw)
    data = (await client.get(f"/api/v1/statuses/{status.id}", headers=zoe.headers)).json()
    assert data["content"] == "<p>Fiddleheads &amp; frost &lt;3</p>"
    assert data["url"] == "https://ferngarden.example/2025/03/fiddleheads"


async def test_mentions_of_local_accounts_notify_from_every_shape(app, factory, db):
    zoe = await factory.user("zoe")
    for name in (
        "friendica/create_note_public.json",
        "lemmy/create_note_comment.json",
        "peertube/create_note_comment.json",
        "wordpress/create_note_comment.json",
    ):
        raw = load(name)
        status = await receive(app, await signer_of(db, raw), raw)
        async with db() as session:
            notified = await session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.account_id == zoe.account.id)
                .where(Notification.status_id == status.id)
            )
        assert notified == 1, name


async def test_missing_parents_and_quotes_cost_a_fetch_each_and_nothing_else(app, db, offline):
    raw = load("bridgyfed/create_note_bluesky.json")
    status = await receive(app, await signer_of(db, raw), raw)
    assert status.quote_id is None
    assert offline == [raw["object"]["quoteUrl"]]
    offline.clear()
    raw = load("lemmy/create_note_comment.json")
    status = await receive(app, await signer_of(db, raw), raw)
    assert status.in_reply_to_uri == raw["object"]["inReplyTo"] and status.in_reply_to_id is None
    assert offline == [raw["object"]["inReplyTo"]]


# --- limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings_overrides",
    [{"max_remote_attachments": 3, "max_remote_mentions": 2, "max_remote_poll_options": 4}],
)
async def test_lists_past_their_limits_are_cut_and_logged(app, client, factory, db, caplog):
    zoe = await factory.user("zoe")
    caplog.set_level(logging.INFO, logger="pyleroma.federation.normalize")
    raw = load("other/create_note_many_attachments.json")
    status = await receive(app, await signer_of(db, raw), raw)
    data = (await client.get(f"/api/v1/statuses/{status.id}", headers=zoe.headers)).json()
    assert [m["description"] for m in data["media_attachments"]] == [
        "picture 0",
        "picture 1",
        "picture 2",
    ]
    assert "30 attachments sent, the first 3 kept" in caplog.text

    raw = load("other/create_question_many_options.json")
    status = await receive(app, await signer_of(db, raw), raw)
    poll = (await client.get(f"/api/v1/statuses/{status.id}", headers=zoe.headers)).json()["poll"]
    assert [o["title"] for o in poll["options"]] == [f"option {i}" for i in range(4)]
    assert "120 poll options sent, the first 4 kept" in caplog.text

    raw = load("friendica/create_note_public.json")
    raw["object"]["tag"][1:1] = [
        {"type": "Mention", "href": f"https://friendica.example/profile/u{i}"} for i in range(3)
    ]
    await receive(app, await signer_of(db, raw), raw)
    # zoe's mention came first; the extra ones past 2 were dropped.
    assert "4 mentions sent, the first 2 kept" in caplog.text


@pytest.mark.parametrize("settings_overrides", [{"remote_limit": 40}])
async def test_content_past_remote_limit_is_refused_whole(app, factory, db, offline):
    await factory.user("zoe")
    raw = load("peertube/create_note_comment.json")
    before = await counts(db)
    with pytest.raises(InvalidActivity, match="longer than 40 characters"):
        await receive(app, await signer_of(db, raw), raw)
    assert await counts(db) == before
    short = load("bridgyfed/create_note_web_title_only.json")
    assert isinstance(await receive(app, await signer_of(db, short), short), Status)


@pytest.mark.parametrize(
    "settings_overrides", [{"max_remote_json_depth": 6, "max_remote_embedded_activities": 1}]
)
async def test_depth_limits_refuse(app, db):
    raw = load("friendica/create_note_public.json")
    author = await signer_of(db, raw)
    raw["object"]["extension"] = {"a": [{"b": [{"c": 1}]}]}
    with pytest.raises(InvalidActivity, match="nested more than 6 levels"):
        await receive(app, author, raw)
    undo = {
        "id": "https://friendica.example/activities/undo-accept",
        "type": "Undo",
        "actor": author.ap_id,
        "object": {
            "type": "Accept",
            "actor": author.ap_id,
            "object": {"type": "Follow", "actor": author.ap_id, "object": author.ap_id},
        },
    }
    with pytest.raises(InvalidActivity, match="embedded more than 1 levels deep"):
        await receive(app, author, undo)
    assert await count(db, Status) == 0


@pytest.mark.parametrize("settings_overrides", [{"inbox_max_body_bytes": 2000}])
async def test_the_inbox_body_cap_is_a_setting(client):
    response = await client.post(
        "/inbox",
        content=b"{" + b" " * 2100 + b"}",
        headers={"Content-Type": "application/activity+json"},
    )
    assert response.status_code == 413
    assert "larger than 2000 bytes" in response.json()["error"]


# --- the fetch budget of one activity --------------------------------------------------------

AUTHOR = "https://friendica.example/profile/heike"


def chain_post(n: int) -> dict[str, Any]:
    """Post ``n`` of a thread: each answers the one before."""
    post = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"https://friendica.example/objects/chain-{n}",
        "type": "Note",
        "attributedTo": AUTHOR,
        "content": f"<p>post {n}</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "published": "2025-03-15T09:12:44Z",
    }
    if n > 0:
        post["inReplyTo"] = f"https://friendica.example/objects/chain-{n - 1}"
    return post


@pytest.fixture
def serve_chain(monkeypatch) -> list[str]:
    """Fetches answer the posts of a 50-post thread (as Friendica serves them)."""
    asked: list[str] = []

    async def serve(settings, url, *args, **kwargs):
        asked.append(url)
        n = int(url.rsplit("-", 1)[1])
        body = orjson.dumps(chain_post(n))
        return Reply(url, 200, "application/activity+json", {}, body)

    monkeypatch.setattr(fetch_module, "_get", serve)
    return asked


def reply_to_chain() -> dict[str, Any]:
    raw = load("friendica/create_note_public.json")
    raw["object"]["inReplyTo"] = "https://friendica.example/objects/chain-49"
    return raw


@pytest.mark.parametrize("settings_overrides", [{"federation_max_fetches_per_activity": 4}])
async def test_a_long_thread_costs_at_most_the_budget(app, db, serve_chain, caplog):
    caplog.set_level(logging.INFO, logger="pyleroma.federation")
    raw = reply_to_chain()
    status = await receive(app, await signer_of(db, raw), raw)
    assert serve_chain == [f"https://friendica.example/objects/chain-{n}" for n in (49, 48, 47, 46)]
    assert isinstance(status, Status) and status.in_reply_to_id is not None
    assert await count(db, Status) == 5  # the reply and four ancestors; the rest left out
    assert "fetches are spent" in caplog.text
    # A second activity has a budget of its own.
    serve_chain.clear()
    again = load("wordpress/create_note_comment.json")
    again["object"]["inReplyTo"] = "https://friendica.example/objects/chain-45"
    await receive(app, await signer_of(db, again), again)
    assert len(serve_chain) == 4


@pytest.mark.parametrize("settings_overrides", [{"federation_incoming_replies_max_depth": 2}])
async def test_the_thread_depth_is_a_setting(app, db, serve_chain):
    raw = reply_to_chain()
    await receive(app, await signer_of(db, raw), raw)
    assert serve_chain == [
        "https://friendica.example/objects/chain-49",
        "https://friendica.example/objects/chain-48",
    ]


def test_a_budget_counts_and_nests():
    charge("https://a.example/outside")  # no budget open: nothing counted, nothing raised
    with fetch_budget(2) as budget:
        charge("https://a.example/1")
        with fetch_budget(50) as inner:  # joins the outer budget
            assert inner is budget
            charge("https://a.example/2")
        with pytest.raises(FetchBudgetSpent, match="may cause 2 fetches"):
            charge("https://a.example/3")
        assert budget.spent == 2
    charge("https://a.example/after")
    assert issubclass(FetchBudgetSpent, FetchError)


async def test_a_spent_budget_discards_the_receive_job(app, db, monkeypatch):
    from pyleroma.jobs import receive_jobs
    from pyleroma.jobs.registry import DiscardJob

    async def spent(*args, **kwargs):
        raise FetchBudgetSpent("no fetches left", url="https://a.example/x")

    monkeypatch.setattr(receive_jobs, "receive", spent)
    raw = load("friendica/create_note_public.json")
    author = await signer_of(db, raw)

    class Ctx:
        args = {"actor_id": str(author.id), "activity": raw}
        settings = app.state.settings

    async with db() as session:
        Ctx.session = session
        with pytest.raises(DiscardJob, match="no fetches left"):
            await receive_jobs.receive_activity(Ctx)


async def test_refusals_are_rejections_or_invalid(app, db):
    """What the receive job gives up on without retrying (jobs/receive_jobs.py)."""
    assert issubclass(InvalidActivity, ValueError)
    raw = load("friendica/create_note_public.json")
    raw["object"]["attributedTo"] = "https://elsewhere.example/users/x"
    with pytest.raises(Rejected):
        await receive(app, await signer_of(db, raw), raw)
