"""Remote posts through the activity handlers: Create, Update, Delete and poll votes in the
shapes Mastodon, Pleroma, Akkoma, Misskey and GoToSocial send (tests/fixtures/activitypub),
read back through the client API as a local user would see them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from pyleroma.activities import pipeline
from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.handlers.remote_posts import (
    HANDLERS,
    is_vote,
)
from pyleroma.activities.normalize import normalize_activity
from pyleroma.activities.normalize_objects import normalize_object
from pyleroma.activities.policies import Rejected
from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.federation.from_as_note import sanitize_remote_html, visibility_of
from pyleroma.models import (
    Account,
    Favourite,
    Follow,
    Job,
    MediaAttachment,
    Notification,
    Poll,
    PollVote,
    Status,
    StatusMention,
)
from pyleroma.services.media.media_cleanup import PURGE_JOB
from tests.api.relationship_helpers import remote_account
from tests.api.status_action_helpers import make_poll
from tests.api.status_read_helpers import follow
from tests.api.timeline_helpers import drain
from tests.conftest import BASE_URL

FIXTURES = Path(__file__).parent.parent / "fixtures" / "activitypub"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# The fixtures' servers, moved to test hosts; pyleroma.example is us.
HOSTS = {
    "https://pyleroma.example": BASE_URL,
    **{
        f"https://{name}.example": f"https://{name}.remote.test"
        for name in ("mastodon", "pleroma", "akkoma", "misskey", "gts", "lemmy", "writefreely")
    },
}
# software -> (nickname, host, actor path)
AUTHORS = {
    "mastodon": ("alice", "mastodon.remote.test", "/users/alice"),
    "pleroma": ("bob", "pleroma.remote.test", "/users/bob"),
    "akkoma": ("carol", "akkoma.remote.test", "/users/carol"),
    "misskey": ("yuki", "misskey.remote.test", "/users/9h4k2m3n5p"),
    "gotosocial": ("erin", "gts.remote.test", "/users/erin"),
    "writefreely": ("gardenjournal", "writefreely.remote.test", "/api/collections/gardenjournal"),
    "lemmy": ("fern_fan", "lemmy.remote.test", "/u/fern_fan"),
}
SERVERS = ("mastodon", "pleroma", "akkoma", "misskey", "gotosocial")
EVIL = (
    '<script>alert(1)</script><img src="x" onerror="alert(2)">'
    '<a href="javascript:alert(3)" onclick="steal()">bad</a><style>p{}</style>'
)


def load(software: str, name: str) -> dict:
    text = (FIXTURES / software / f"{name}.json").read_text()
    for old, new in HOSTS.items():
        text = text.replace(old, new)
    return json.loads(text)


async def author_of(db, software: str) -> Account:
    nickname, host, path = AUTHORS[software]
    ap_id = f"https://{host}{path}"
    return await remote_account(
        db, nickname, host, ap_id=ap_id, followers_url=f"{ap_id}/followers", url=ap_id
    )


def activity_of(actor: Account, raw: dict) -> Activity:
    """The Activity the receive job builds: normalised, the actor resolved."""
    data = normalize_activity(raw)
    return Activity(
        type=data["type"], actor=actor, object=data["object"], id=data["id"], local=False, raw=raw
    )


async def run(app, activity: Activity):
    """What ``pipeline.run`` does, calling the remote handler of the activity's type
    directly: for activities built by hand, past receive.py's own checks."""
    async with app.state.sessionmaker() as session:
        ctx = PipelineContext(session, app.state.settings)
        if activity.row_id is None:
            activity.row_id = new_id()
        effects = await HANDLERS[activity.type](ctx, activity)
        await pipeline.release_in_transaction(ctx, activity, effects)
        await session.commit()
        return effects.result


async def receive(app, actor: Account, raw: dict):
    """The receive job's path (federation/receive.py): normalise, check containment,
    resolve, and run through the pipeline, as an inbox delivery is."""
    from pyleroma.federation.receive import receive as receive_activity

    async with app.state.sessionmaker() as session:
        ctx = PipelineContext(session, app.state.settings)
        return await receive_activity(ctx, actor, raw)


async def count(db, model, *where) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def notifications_of(db, account_id) -> list[tuple[str, int | None]]:
    async with db() as session:
        rows = await session.execute(
            select(Notification.type, Notification.status_id)
            .where(Notification.account_id == account_id)
            .order_by(Notification.id)
        )
        return [tuple(row) for row in rows]


async def drain_local(app, db) -> None:
    """Run the due jobs; deliveries to the made-up remote hosts are dropped first."""
    async with db() as session:
        for job in (await session.execute(select(Job).where(Job.kind == DELIVER_JOB))).scalars():
            await session.delete(job)
        await session.commit()
    await drain(app)


async def get_status(client, status_id, user=None):
    headers = user.headers if user is not None else {}
    return await client.get(f"/api/v1/statuses/{status_id}", headers=headers)


async def timeline_ids(client, path, user) -> list[str]:
    response = await client.get(path, headers=user.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


def _list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# --- public notes from each server ---------------------------------------------------------


@pytest.mark.parametrize("software", SERVERS)
async def test_a_public_note_reads_like_a_local_post(app, client, factory, db, software):
    zoe = await factory.user("zoe")
    fred = await factory.user("fred")
    sub = await factory.user("sub")
    author = await author_of(db, software)
    await follow(db, fred.account, author)
    await follow(db, sub.account, author)
    async with db() as session:
        await session.execute(
            update(Follow).where(Follow.follower_id == sub.account.id).values(notify=True)
        )
        await session.commit()
    raw = load(software, "create_note_public")
    note = raw["object"]
    note["content"] += EVIL
    if software == "mastodon":
        note["content"] += (
            '<a href="https://ferns.example/log"><span class="invisible">https://</span>'
            '<span class="ellipsis">ferns.example/lo</span></a>'
        )

    status = await receive(app, author, raw)
    assert isinstance(status, Status) and status.local is False

    response = await get_status(client, status.id)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["account"]["acct"] == f"{author.nickname}"
    assert data["account"]["acct"] == f"{AUTHORS[software][0]}@{AUTHORS[software][1]}"
    assert data["uri"] == note["id"]
    assert data["url"] == note.get("url", note["id"])
    assert data["visibility"] == "public"
    assert data["pleroma"]["local"] is False
    content = data["content"]
    for bad in ("<script", "alert(1)", "onerror", "javascript:", "onclick", "<style", "<img"):
        assert bad not in content
    assert 'class="h-card"' in content or "mention" in content
    if software == "mastodon":
        assert 'class="mention hashtag"' in content
        assert '<span class="invisible">https://</span>' in content
        assert '<span class="ellipsis">' in content
    assert [m["acct"] for m in data["mentions"]] == ["zoe"]
    expected_tags = [
        t["name"].lstrip("#").lower() for t in _list(note["tag"]) if t["type"] == "Hashtag"
    ]
    assert [t["name"] for t in data["tags"]] == expected_tags
    emoji_tags = [t for t in _list(note["tag"]) if t["type"] == "Emoji"]
    assert [(e["shortcode"], e["url"]) for e in data["emojis"]] == [
        (t["name"].strip(":"), t["icon"]["url"]) for t in emoji_tags
    ]
    attachments = [a for a in _list(note.get("attachment")) if a["type"] != "Link"]
    assert len(data["media_attachments"]) == len(attachments) > 0
    for media, attachment in zip(data["media_attachments"], attachments, strict=True):
        assert media["url"] == media["remote_url"] == media["preview_url"] == attachment["url"]
        assert media["type"] == "image"
        assert media["description"] == (attachment.get("name") or attachment.get("summary"))
        assert media["blurhash"] == attachment.get("blurhash")
        if "focalPoint" in attachment:
            x, y = attachment["focalPoint"]
            assert media["meta"]["focus"] == {"x": x, "y": y}
        if "width" in attachment:
            assert media["meta"]["original"]["width"] == attachment["width"]
    published = dt.datetime.fromisoformat(note["published"]).astimezone(dt.UTC)
    assert data["created_at"][:19] == published.strftime("%Y-%m-%dT%H:%M:%S")

    assert await notifications_of(db, zoe.account.id) == [("mention", status.id)]
    async with db() as session:
        stored = await session.get(Account, author.id)
        assert stored.statuses_count == 1 and stored.last_status_at is not None
    await drain_local(app, db)
    assert data["id"] in await timeline_ids(client, "/api/v1/timelines/home", fred)
    assert data["id"] in await timeline_ids(client, "/api/v1/timelines/home", zoe)
    assert data["id"] in await timeline_ids(client, "/api/v1/timelines/public?remote=true", fred)
    assert data["id"] not in await timeline_ids(client, "/api/v1/timelines/public?local=true", fred)
    # Followers who asked to be told of new posts are, through the fan-out job.
    assert await notifications_of(db, sub.account.id) == [("status", status.id)]
    assert await notifications_of(db, fred.account.id) == []


async def test_a_duplicate_create_is_idempotent(app, client, factory, db):
    zoe = await factory.user("zoe")
    author = await author_of(db, "mastodon")
    raw = load("mastodon", "create_note_public")
    first = await receive(app, author, raw)
    second = await receive(app, author, load("mastodon", "create_note_public"))
    assert second.id == first.id
    assert await count(db, Status) == 1
    assert await count(db, MediaAttachment) == 1
    assert await count(db, Job, Job.kind == "timeline.fanout") == 1
    assert await notifications_of(db, zoe.account.id) == [("mention", first.id)]
    async with db() as session:
        assert (await session.get(Account, author.id)).statuses_count == 1


async def test_content_warning_video_and_language(app, client, db):
    author = await author_of(db, "mastodon")
    status = await receive(app, author, load("mastodon", "create_note_sensitive_cw"))
    data = (await get_status(client, status.id)).json()
    assert data["spoiler_text"] == "Spoiler: Kapitel 12"
    assert data["sensitive"] is True
    assert data["language"] == "de"
    [video] = data["media_attachments"]
    assert video["type"] == "video" and video["pleroma"]["mime_type"] == "video/mp4"
    assert video["description"] is None


async def test_misskey_home_posts_are_unlisted_and_misskey_cws_kept(app, client, factory, db):
    fred = await factory.user("fred")
    author = await author_of(db, "misskey")
    home = await receive(app, author, load("misskey", "create_note_home"))
    cw = await receive(app, author, load("misskey", "create_note_cw"))
    assert (await get_status(client, home.id)).json()["visibility"] == "unlisted"
    data = (await get_status(client, cw.id)).json()
    assert data["spoiler_text"] == "yarn saga spoilers" and data["sensitive"] is True
    public = await timeline_ids(client, "/api/v1/timelines/public", fred)
    assert str(cw.id) in public and str(home.id) not in public


async def test_a_future_published_date_is_clamped(app, client, db):
    author = await author_of(db, "mastodon")
    raw = load("mastodon", "create_note_public")
    raw["object"]["published"] = "2999-01-01T00:00:00Z"
    status = await receive(app, author, raw)
    assert abs(status.created_at - utcnow()) < dt.timedelta(minutes=1)
    raw = load("mastodon", "create_note_reply")
    raw["object"]["published"] = "not a date"
    status = await receive(app, author, raw)
    assert abs(status.created_at - utcnow()) < dt.timedelta(minutes=1)


# --- addressing ----------------------------------------------------------------------------


@pytest.mark.parametrize("software", SERVERS)
async def test_followers_only_notes_reach_followers_only(app, client, factory, db, software):
    fred = await factory.user("fred")
    stranger = await factory.user("stranger")
    author = await author_of(db, software)
    await follow(db, fred.account, author)
    status = await receive(app, author, load(software, "create_note_followers_only"))

    response = await get_status(client, status.id, fred)
    assert response.status_code == 200
    assert response.json()["visibility"] == "private"
    assert (await get_status(client, status.id)).status_code == 404
    assert (await get_status(client, status.id, stranger)).status_code == 404
    await drain_local(app, db)
    assert str(status.id) in await timeline_ids(client, "/api/v1/timelines/home", fred)
    assert str(status.id) not in await timeline_ids(client, "/api/v1/timelines/home", stranger)
    assert str(status.id) not in await timeline_ids(
        client, "/api/v1/timelines/public?remote=true", fred
    )


@pytest.mark.parametrize("software", SERVERS)
async def test_direct_messages_reach_only_their_recipient(app, client, factory, db, software):
    zoe = await factory.user("zoe")
    fred = await factory.user("fred")
    author = await author_of(db, software)
    await follow(db, fred.account, author)
    status = await receive(app, author, load(software, "create_note_direct"))

    response = await get_status(client, status.id, zoe)
    assert response.status_code == 200
    data = response.json()
    assert data["visibility"] == "direct"
    assert [m["acct"] for m in data["mentions"]] == ["zoe"]
    assert (await get_status(client, status.id, fred)).status_code == 404
    assert (await get_status(client, status.id)).status_code == 404
    assert await notifications_of(db, zoe.account.id) == [("mention", status.id)]
    await drain_local(app, db)
    assert str(status.id) in await timeline_ids(client, "/api/v1/timelines/home", zoe)
    assert str(status.id) not in await timeline_ids(client, "/api/v1/timelines/home", fred)
    conversations = (await client.get("/api/v1/conversations", headers=zoe.headers)).json()
    assert [c["last_status"]["id"] for c in conversations] == [str(status.id)]
    assert conversations[0]["unread"] is True
    assert await notifications_of(db, fred.account.id) == []


def test_visibility_follows_the_addressing():
    author = Account(ap_id="https://r.test/users/a", followers_url="https://r.test/users/a/f")
    followers = author.followers_url
    assert visibility_of(author, [PUBLIC], [followers]) == "public"
    assert visibility_of(author, [followers], [PUBLIC]) == "unlisted"
    assert visibility_of(author, [], [followers]) == "private"
    assert visibility_of(author, ["https://r.test/users/b"], []) == "direct"
    assert visibility_of(author, [], []) == "direct"


def test_remote_html_keeps_mastodon_markup_and_drops_the_rest():
    html = (
        '<p data-x="1"><span class="h-card" translate="no"><a href="https://m.test/@a" '
        'class="u-url mention" data-user="1">@<span>a</span></a></span> '
        '<a href="https://m.test/tags/x" class="mention hashtag evil" rel="tag nofollow me2">'
        '#<span>x</span></a><span class="invisible">https://</span>'
        '<span class="big">y</span><iframe src="https://e.test"></iframe></p>'
    )
    clean = sanitize_remote_html(html)
    assert '<span class="h-card">' in clean
    assert 'class="u-url mention"' in clean and "data-user" not in clean
    assert 'class="mention hashtag"' in clean and 'rel="tag nofollow"' in clean
    assert '<span class="invisible">https://</span>' in clean
    assert "big" not in clean and "iframe" not in clean and "data-x" not in clean


# --- threads -------------------------------------------------------------------------------


async def _context(client, status_id, user=None):
    headers = user.headers if user is not None else {}
    response = await client.get(f"/api/v1/statuses/{status_id}/context", headers=headers)
    assert response.status_code == 200, response.text
    data = response.json()
    return [s["id"] for s in data["ancestors"]], [s["id"] for s in data["descendants"]]


@pytest.mark.parametrize("software", ["pleroma", "akkoma", "gotosocial"])
async def test_a_reply_to_a_known_post_joins_its_thread(app, client, db, software):
    alice = await author_of(db, "mastodon")
    replier = await author_of(db, software)
    parent = await receive(app, alice, load("mastodon", "create_note_public"))
    reply = await receive(app, replier, load(software, "create_note_reply"))

    data = (await get_status(client, reply.id)).json()
    assert data["in_reply_to_id"] == str(parent.id)
    assert data["in_reply_to_account_id"] == str(alice.id)
    assert data["pleroma"]["conversation_id"] == parent.conversation_id
    assert (await get_status(client, parent.id)).json()["replies_count"] == 1
    assert await _context(client, parent.id) == ([], [str(reply.id)])
    assert await _context(client, reply.id) == ([str(parent.id)], [])


@pytest.mark.parametrize("software", ["pleroma", "gotosocial"])
async def test_a_parent_arriving_after_its_reply_adopts_it(app, client, db, software):
    # GoToSocial sends no context: the orphan starts a thread of its own, which the parent
    # takes over; Pleroma's reply shares the parent's context.
    alice = await author_of(db, "mastodon")
    replier = await author_of(db, software)
    reply = await receive(app, replier, load(software, "create_note_reply"))
    orphan = (await get_status(client, reply.id)).json()
    assert orphan["in_reply_to_id"] is None

    parent = await receive(app, alice, load("mastodon", "create_note_public"))
    data = (await get_status(client, reply.id)).json()
    assert data["in_reply_to_id"] == str(parent.id)
    assert data["in_reply_to_account_id"] == str(alice.id)
    parent_data = (await get_status(client, parent.id)).json()
    assert parent_data["replies_count"] == 1
    assert data["pleroma"]["conversation_id"] == parent_data["pleroma"]["conversation_id"]
    assert await _context(client, parent.id) == ([], [str(reply.id)])
    assert await _context(client, reply.id) == ([str(parent.id)], [])


async def test_a_reply_to_a_local_post_notifies_and_counts(app, client, factory, db):
    zoe = await factory.user("zoe")
    local = await factory.status(zoe.account, "ferns?")
    author = await author_of(db, "mastodon")
    raw = load("mastodon", "create_note_reply")
    raw["object"]["inReplyTo"] = local.uri
    raw["object"]["context"] = f"{BASE_URL}/contexts/{local.conversation_id}"
    raw["object"]["tag"] = [{"type": "Mention", "href": zoe.account.ap_id, "name": "@zoe"}]
    reply = await receive(app, author, raw)
    data = (await get_status(client, reply.id)).json()
    assert data["in_reply_to_id"] == str(local.id)
    assert data["pleroma"]["conversation_id"] == local.conversation_id
    assert (await get_status(client, local.id)).json()["replies_count"] == 1
    assert await notifications_of(db, zoe.account.id) == [("mention", reply.id)]
    assert await _context(client, local.id) == ([], [str(reply.id)])


async def test_an_unknown_parent_leaves_only_its_uri(app, client, db):
    author = await author_of(db, "mastodon")
    reply = await receive(app, author, load("mastodon", "create_note_reply"))
    data = (await get_status(client, reply.id)).json()
    assert data["in_reply_to_id"] is None
    async with db() as session:
        stored = await session.get(Status, reply.id)
    assert (
        stored.in_reply_to_uri
        == "https://pleroma.remote.test/objects/4c0f5b8e-2d1a-4e7f-9b36-8a2c1d0e5f71"
    )
    assert stored.conversation_id == stored.id


# --- quotes, polls, articles -----------------------------------------------------------------


@pytest.mark.parametrize("software", ["akkoma", "misskey"])
async def test_a_quote_of_a_known_post_embeds_it(app, client, db, software):
    alice = await author_of(db, "mastodon")
    quoter = await author_of(db, software)
    quoted = await receive(app, alice, load("mastodon", "create_note_public"))
    status = await receive(app, quoter, load(software, "create_note_quote"))
    data = (await get_status(client, status.id)).json()
    assert data["quote_id"] == str(quoted.id)
    assert data["quote"]["id"] == str(quoted.id)
    assert data["pleroma"]["quote_visible"] is True
    assert (await get_status(client, quoted.id)).json()["pleroma"]["quotes_count"] == 1


async def test_a_quote_of_an_unknown_post_has_no_quote(app, client, db):
    author = await author_of(db, "mastodon")
    status = await receive(app, author, load("mastodon", "create_note_quote"))
    data = (await get_status(client, status.id)).json()
    assert data["quote_id"] is None and data["quote"] is None
    assert "quote-inline" in data["content"]


@pytest.mark.parametrize(
    ("software", "name", "multiple", "votes", "voters", "expired"),
    [
        ("mastodon", "create_question", False, [4, 3, 0], 7, False),
        ("pleroma", "create_question", True, [3, 2, 0], 4, True),
        ("akkoma", "create_question", False, [3, 2, 0], 4, False),
        ("misskey", "create_question", True, [5, 9, 1], 9, True),
        ("gotosocial", "create_question", False, [4, 2], 6, False),
    ],
)
async def test_remote_polls_show_their_counts(
    app, client, factory, db, software, name, multiple, votes, voters, expired
):
    fred = await factory.user("fred")
    author = await author_of(db, software)
    raw = load(software, name)
    status = await receive(app, author, raw)
    data = (await get_status(client, status.id, fred)).json()
    poll = data["poll"]
    choices = raw["object"].get("oneOf") or raw["object"]["anyOf"]
    assert [o["title"] for o in poll["options"]] == [c["name"] for c in choices]
    assert [o["votes_count"] for o in poll["options"]] == votes
    assert poll["votes_count"] == sum(votes)
    assert poll["multiple"] is multiple
    assert poll["expired"] is expired
    if multiple:
        assert poll["voters_count"] == voters
    assert poll["voted"] is False and poll["own_votes"] == []
    response = await client.get(f"/api/v1/polls/{poll['id']}", headers=fred.headers)
    assert response.status_code == 200 and response.json()["options"] == poll["options"]


async def test_hidden_counts_stay_hidden_until_the_end(app, client, factory, db):
    fred = await factory.user("fred")
    author = await author_of(db, "gotosocial")
    status = await receive(app, author, load("gotosocial", "create_question_hidden_counts"))
    poll = (await get_status(client, status.id, fred)).json()["poll"]
    assert poll["multiple"] is True and poll["expired"] is False
    assert [o["votes_count"] for o in poll["options"]] == [None, None]


@pytest.mark.parametrize(
    ("software", "name"), [("writefreely", "create_article"), ("lemmy", "create_page")]
)
async def test_articles_and_pages_show_their_title(app, client, db, software, name):
    author = await author_of(db, software)
    raw = load(software, name)
    status = await receive(app, author, raw)
    data = (await get_status(client, status.id)).json()
    title, link = raw["object"]["name"], raw["object"].get("url", raw["object"]["id"])
    assert data["content"].startswith(f'<p><a href="{link}">{title}</a></p>')
    assert data["media_attachments"] == []
    assert data["visibility"] == "public"
    assert [t["name"] for t in data["tags"]] == [
        t["name"].lstrip("#").lower() for t in raw["object"]["tag"]
    ]


# --- refusals ------------------------------------------------------------------------------


async def _nothing_stored(db) -> None:
    assert await count(db, Status) == 0
    assert await count(db, MediaAttachment) == 0
    assert await count(db, StatusMention) == 0
    assert await count(db, Notification) == 0
    assert await count(db, Job) == 0


async def test_a_note_by_someone_else_is_refused(app, factory, db):
    await factory.user("zoe")
    alice = await author_of(db, "mastodon")
    bob = await author_of(db, "pleroma")
    # Bob's server relays a note attributed to Alice: it is not Bob's to create.
    raw = load("mastodon", "create_note_public")
    raw["actor"] = bob.ap_id
    with pytest.raises(Rejected, match="attributed to"):
        await receive(app, bob, raw)
    await _nothing_stored(db)
    # Alice's own actor cannot create a note living on another host either.
    raw = load("mastodon", "create_note_public")
    raw["object"]["id"] = "https://elsewhere.test/notes/1"
    with pytest.raises(Rejected, match="not on the host"):
        await receive(app, alice, raw)
    await _nothing_stored(db)


async def test_a_deactivated_actor_cannot_post(app, db):
    alice = await author_of(db, "mastodon")
    alice.is_active = False
    with pytest.raises(Rejected):
        await receive(app, alice, load("mastodon", "create_note_public"))
    await _nothing_stored(db)


# --- updates -------------------------------------------------------------------------------


@pytest.mark.parametrize("software", ["mastodon", "pleroma", "akkoma", "gotosocial"])
async def test_an_edit_keeps_the_history_and_tells_boosters(app, client, factory, db, software):
    zoe = await factory.user("zoe")
    author = await author_of(db, software)
    status = await receive(app, author, load(software, "create_note_public"))
    before = (await get_status(client, status.id)).json()
    response = await client.post(f"/api/v1/statuses/{status.id}/reblog", headers=zoe.headers)
    assert response.status_code == 200, response.text

    raw = load(software, "update_note")
    raw["object"]["content"] += EVIL
    result = await receive(app, author, raw)
    assert result.id == status.id
    data = (await get_status(client, status.id)).json()
    new_content = data["content"]
    assert new_content != before["content"] and "<script" not in new_content
    updated = dt.datetime.fromisoformat(raw["object"]["updated"]).astimezone(dt.UTC)
    assert data["edited_at"][:19] == updated.strftime("%Y-%m-%dT%H:%M:%S")
    history = (await client.get(f"/api/v1/statuses/{status.id}/history")).json()
    assert [v["content"] for v in history] == [before["content"], new_content]
    assert len(history[0]["media_attachments"]) == len(before["media_attachments"])
    after_urls = [a["url"] for a in _list(raw["object"].get("attachment")) if a["type"] != "Link"]
    assert [m["remote_url"] for m in data["media_attachments"]] == after_urls
    assert [m["acct"] for m in data["mentions"]] == ["zoe"]
    assert ("update", status.id) in await notifications_of(db, zoe.account.id)
    tags = [
        t["name"].lstrip("#").lower()
        for t in _list(raw["object"].get("tag"))
        if t["type"] == "Hashtag"
    ]
    assert [t["name"] for t in data["tags"]] == tags

    # The same edit again, and an older one delivered late, change nothing.
    again = load(software, "update_note")
    again["object"]["content"] += EVIL
    await receive(app, author, again)
    stale = load(software, "create_note_public")
    stale_raw = load(software, "update_note")
    stale_raw["object"] = {**stale["object"], "updated": "2025-03-14T10:00:00Z"}
    stale_raw["object"]["content"] = "<p>stale</p>"
    await receive(app, author, stale_raw)
    assert (await get_status(client, status.id)).json()["content"] == new_content
    history = (await client.get(f"/api/v1/statuses/{status.id}/history")).json()
    assert len(history) == 2


async def test_only_the_author_may_update(app, client, db):
    alice = await author_of(db, "mastodon")
    await author_of(db, "pleroma")
    status = await receive(app, alice, load("mastodon", "create_note_public"))
    # Someone on Alice's host, but not Alice.
    mallory = await remote_account(
        db, "mallory", "mastodon.remote.test", followers_url="https://x.test/f"
    )
    raw = load("mastodon", "update_note")
    raw["actor"] = mallory.ap_id
    raw["object"]["attributedTo"] = mallory.ap_id
    with pytest.raises(Rejected, match="not .* to update"):
        await receive(app, mallory, raw)
    data = (await get_status(client, status.id)).json()
    assert data["edited_at"] is None
    assert await count(db, Job, Job.kind == "timeline.fanout") == 1


async def test_an_update_of_an_unknown_note_does_nothing(app, db):
    alice = await author_of(db, "mastodon")
    assert await receive(app, alice, load("mastodon", "update_note")) is None
    await _nothing_stored(db)


async def test_new_vote_counts_refresh_a_poll_without_an_edit(app, client, factory, db):
    fred = await factory.user("fred")
    alice = await author_of(db, "mastodon")
    status = await receive(app, alice, load("mastodon", "create_question"))
    raw = load("mastodon", "create_question")
    raw["type"] = "Update"
    raw["id"] += "#updates/1"
    raw["object"]["oneOf"][0]["replies"]["totalItems"] = 10
    raw["object"]["votersCount"] = 13
    await receive(app, alice, raw)
    data = (await get_status(client, status.id, fred)).json()
    assert [o["votes_count"] for o in data["poll"]["options"]] == [10, 3, 0]
    assert data["poll"]["votes_count"] == 13
    assert data["edited_at"] is None
    assert len((await client.get(f"/api/v1/statuses/{status.id}/history")).json()) == 1

    # New choices are an edit, and the old votes go.
    raw = load("mastodon", "create_question")
    raw["type"] = "Update"
    raw["id"] += "#updates/2"
    raw["object"]["oneOf"] = [
        {"type": "Note", "name": "Ferns", "replies": {"type": "Collection", "totalItems": 0}},
        {"type": "Note", "name": "Moss", "replies": {"type": "Collection", "totalItems": 0}},
    ]
    raw["object"]["updated"] = "2025-03-15T09:00:00Z"
    await receive(app, alice, raw)
    data = (await get_status(client, status.id, fred)).json()
    assert [o["title"] for o in data["poll"]["options"]] == ["Ferns", "Moss"]
    history = (await client.get(f"/api/v1/statuses/{status.id}/history")).json()
    assert len(history) == 2
    assert [o["title"] for o in history[0]["poll"]["options"]] == [
        "The Fern Garden",
        "Moss and Time",
        "Neither",
    ]


# --- deletes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("software", "created"),
    [
        ("mastodon", "create_note_followers_only"),
        ("pleroma", "create_note_followers_only"),
        ("akkoma", "create_note_followers_only"),
        ("misskey", "create_note_followers_only"),
        ("gotosocial", "create_note_reply"),
    ],
)
async def test_a_delete_removes_the_post_everywhere(app, client, factory, db, software, created):
    fred = await factory.user("fred")
    author = await author_of(db, software)
    await follow(db, fred.account, author)
    status = await receive(app, author, load(software, created))
    await drain_local(app, db)
    assert str(status.id) in await timeline_ids(client, "/api/v1/timelines/home", fred)
    public = status.visibility == "public"
    if public:
        assert str(status.id) in await timeline_ids(
            client, "/api/v1/timelines/public?remote=true", fred
        )

    raw = load(software, "delete_note")
    assert await receive(app, author, raw) is True
    assert (await get_status(client, status.id, fred)).status_code == 404
    assert str(status.id) not in await timeline_ids(client, "/api/v1/timelines/home", fred)
    assert str(status.id) not in await timeline_ids(
        client, "/api/v1/timelines/public?remote=true", fred
    )
    async with db() as session:
        assert (await session.get(Account, author.id)).statuses_count == 0
    # Delivered again: nothing left to do.
    assert await receive(app, author, load(software, "delete_note")) is None


async def test_deleting_a_parent_keeps_its_replies(app, client, db):
    alice = await author_of(db, "mastodon")
    erin = await author_of(db, "gotosocial")
    parent = await receive(app, alice, load("mastodon", "create_note_public"))
    reply = await receive(app, erin, load("gotosocial", "create_note_reply"))
    raw = load("mastodon", "delete_note")
    raw["object"]["id"] = parent.uri
    assert await receive(app, alice, raw) is True
    data = (await get_status(client, reply.id)).json()
    assert data["in_reply_to_id"] == str(parent.id)
    async with db() as session:
        assert (await session.get(Status, reply.id)).in_reply_to_uri == parent.uri
        # Its media are detached and left to the purge job, as local deletion leaves them.
        media = (await session.execute(select(MediaAttachment))).scalars().all()
        assert [m.status_id for m in media] == [None]
        purge = await session.scalar(select(Job).where(Job.kind == PURGE_JOB))
        assert purge is not None and purge.args == {"media_id": media[0].id}


async def test_only_the_author_may_delete(app, client, factory, db):
    zoe = await factory.user("zoe")
    local = await factory.status(zoe.account, "mine")
    alice = await author_of(db, "mastodon")
    mallory = await remote_account(
        db, "mallory", "mastodon.remote.test", followers_url="https://x.test/f"
    )
    status = await receive(app, alice, load("mastodon", "create_note_followers_only"))
    raw = load("mastodon", "delete_note")
    raw["actor"] = mallory.ap_id
    with pytest.raises(Rejected, match="not .* to delete"):
        await receive(app, mallory, raw)
    raw = load("mastodon", "delete_note")
    raw["object"] = local.uri
    with pytest.raises(Rejected, match="another host"):
        await receive(app, alice, raw)
    assert await count(db, Status) == 2
    assert (await get_status(client, local.id, zoe)).status_code == 200
    assert (await get_status(client, status.id, zoe)).status_code == 404  # private, still there


async def test_an_account_deleting_itself_takes_its_posts(app, client, factory, db):
    fred = await factory.user("fred")
    zoe = await factory.user("zoe")
    alice = await author_of(db, "mastodon")
    await follow(db, fred.account, alice)
    async with db() as session:
        await session.execute(
            update(Account).where(Account.id == fred.account.id).values(following_count=1)
        )
        await session.execute(
            update(Account).where(Account.id == alice.id).values(followers_count=1)
        )
        await session.commit()
    first = await receive(app, alice, load("mastodon", "create_note_public"))
    second = await receive(app, alice, load("mastodon", "create_note_sensitive_cw"))
    mine = await factory.status(zoe.account, "hello")
    response = await client.post(f"/api/v1/statuses/{first.id}/reblog", headers=zoe.headers)
    assert response.status_code == 200
    async with db() as session:
        session.add(Favourite(id=new_id(), account_id=alice.id, status_id=mine.id))
        await session.execute(update(Status).where(Status.id == mine.id).values(favourites_count=1))
        await session.commit()
    await drain_local(app, db)

    result = await receive(app, alice, load("mastodon", "delete_actor"))
    assert isinstance(result, Account) and result.is_active is False
    for status in (first, second):
        assert (await get_status(client, status.id, fred)).status_code == 404
    assert await count(db, Status, Status.account_id == alice.id) == 0
    assert await count(db, Status, Status.reblog_of_id == first.id) == 0
    assert await count(db, Follow) == 0
    assert await timeline_ids(client, "/api/v1/timelines/home", fred) == []
    mine_data = (await get_status(client, mine.id, zoe)).json()
    assert mine_data["favourites_count"] == 0
    async with db() as session:
        assert (await session.get(Account, fred.account.id)).following_count == 0
        assert (await session.get(Account, alice.id)).is_active is False
    # Deleted accounts post no more.
    with pytest.raises(Rejected):
        await receive(app, result, load("mastodon", "create_note_reply"))


# --- votes in our polls --------------------------------------------------------------------


async def _local_poll(factory, db, options=("Ferns", "Moss"), **kwargs):
    zoe = await factory.user("zoe")
    status, poll = await make_poll(factory, db, zoe.account, options, **kwargs)
    return zoe, status, poll


def _vote(software: str, name: str, status: Status, option: str | None = None) -> dict:
    raw = load(software, name)
    raw["object"]["inReplyTo"] = status.uri
    if option is not None:
        raw["object"]["name"] = option
    return raw


async def _poll_view(client, user, poll_id):
    response = await client.get(f"/api/v1/polls/{poll_id}", headers=user.headers)
    assert response.status_code == 200
    return response.json()


async def test_remote_votes_are_counted_in_our_polls(app, client, factory, db):
    zoe, status, poll = await _local_poll(factory, db)
    voters = {s: await author_of(db, s) for s in SERVERS}
    assert (await receive(app, voters["mastodon"], _vote("mastodon", "vote", status))).id == poll.id
    await receive(app, voters["pleroma"], _vote("pleroma", "vote_answer", status))
    await receive(app, voters["akkoma"], _vote("akkoma", "vote", status))
    await receive(app, voters["misskey"], _vote("misskey", "vote", status))
    await receive(app, voters["gotosocial"], _vote("gotosocial", "vote", status))
    data = await _poll_view(client, zoe, poll.id)
    assert [(o["title"], o["votes_count"]) for o in data["options"]] == [("Ferns", 3), ("Moss", 2)]
    assert data["votes_count"] == 5
    # Votes are not statuses, and nobody is notified of them.
    assert await count(db, Status) == 1
    assert await notifications_of(db, zoe.account.id) == []

    # The same vote again changes nothing; another choice in a single-choice poll is refused.
    await receive(app, voters["mastodon"], _vote("mastodon", "vote", status))
    with pytest.raises(Rejected, match="Already voted"):
        await receive(app, voters["mastodon"], _vote("mastodon", "vote", status, "Moss"))
    with pytest.raises(Rejected, match="no option"):
        await receive(app, voters["mastodon"], _vote("mastodon", "vote", status, "Cacti"))
    data = await _poll_view(client, zoe, poll.id)
    assert data["votes_count"] == 5
    assert await count(db, PollVote, PollVote.account_id == voters["mastodon"].id) == 1


async def test_multiple_choice_votes_arrive_one_choice_at_a_time(app, client, factory, db):
    zoe, status, poll = await _local_poll(factory, db, ("Ferns", "Moss", "Lichen"), multiple=True)
    alice = await author_of(db, "mastodon")
    await receive(app, alice, _vote("mastodon", "vote", status, "Ferns"))
    second = _vote("mastodon", "vote", status, "Lichen")
    second["object"]["id"] += "b"
    second["id"] += "b"
    await receive(app, alice, second)
    async with db() as session:
        stored = await session.get(Poll, poll.id)
    assert [o["votes_count"] for o in stored.options] == [1, 0, 1]
    assert stored.votes_count == 2 and stored.voters_count == 1


async def test_votes_after_the_end_are_refused(app, client, factory, db):
    zoe, status, poll = await _local_poll(factory, db)
    async with db() as session:
        await session.execute(
            update(Poll)
            .where(Poll.id == poll.id)
            .values(expires_at=utcnow() - dt.timedelta(minutes=1))
        )
        await session.commit()
    alice = await author_of(db, "mastodon")
    with pytest.raises(Rejected, match="ended"):
        await receive(app, alice, _vote("mastodon", "vote", status))
    assert await count(db, PollVote) == 0


async def test_a_vote_in_a_private_poll_needs_to_see_it(app, client, factory, db):
    zoe, status, poll = await _local_poll(factory, db, visibility="private")
    alice = await author_of(db, "mastodon")
    with pytest.raises(Rejected, match="cannot see"):
        await receive(app, alice, _vote("mastodon", "vote", status))
    await follow(db, alice, zoe.account)
    await receive(app, alice, _vote("mastodon", "vote", status))
    assert await count(db, PollVote) == 1


async def test_votes_are_told_apart_from_replies(app, client, factory, db):
    zoe, status, poll = await _local_poll(factory, db)
    vote = normalize_object(_vote("mastodon", "vote", status)["object"])
    assert is_vote(vote, await _stored(db, status.id))
    reply = dict(vote, content="<p>I pick ferns</p>")
    assert not is_vote(reply, await _stored(db, status.id))
    plain = await factory.status(zoe.account, "no poll here")
    assert not is_vote(dict(vote, in_reply_to=plain.uri), await _stored(db, plain.id))
    # A reply with content to the poll is an ordinary reply.
    alice = await author_of(db, "mastodon")
    raw = _vote("mastodon", "vote", status)
    raw["object"]["content"] = "<p>ferns, obviously</p>"
    raw["object"]["id"] = "https://mastodon.remote.test/users/alice/statuses/1"
    created = await receive(app, alice, raw)
    assert isinstance(created, Status) and created.in_reply_to_id == status.id
    # A vote in a remote poll is counted by its own server, not here.
    question = await receive(app, alice, load("mastodon", "create_question"))
    bob = await author_of(db, "pleroma")
    raw = load("pleroma", "vote_answer")
    raw["object"]["inReplyTo"] = question.uri
    assert await receive(app, bob, raw) is None
    assert await count(db, PollVote) == 0


async def _stored(db, status_id) -> Status:
    async with db() as session:
        return await session.get(Status, status_id)
