"""Emoji reactions in the shapes Pleroma, Akkoma and Misskey send them (EmojiReact, Misskey's
reacting Like) and their Undo, through the receive path; and our own reactions through the
service (services/statuses/reactions.py): what is stored, notified and delivered."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.activities.activity import Activity
from pyleroma.activities.build import build_emoji_react, build_undo_emoji_react
from pyleroma.errors import BadRequest, NotFound
from pyleroma.federation.activity_to_as import activity_json
from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.federation.receive import Refused
from pyleroma.models import Favourite, Job, Notification, StatusReaction
from pyleroma.services.statuses import reactions
from pyleroma.services.text.reaction_emoji import unicode_emoji
from tests.activities.test_remote_posts import author_of, count, load, notifications_of, receive
from tests.api.emoji_helpers import install_packs
from tests.api.relationship_helpers import remote_account
from tests.api.status_read_helpers import follow
from tests.conftest import BASE_URL

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
AKKOMA_BLOBCAT = "https://akkoma.remote.test/emoji/custom/blobcatheart.png"
MISSKEY_BLOBCAT = "https://misskey.remote.test/files/blobcatheart-3c9e1a7b.png"
PLEROMAGIC = "https://pleroma.remote.test/emoji/custom/pleromagic.png"


def _at(raw: dict, status) -> dict:
    """The fixture reacting to ``status`` (the fixtures name a made-up post of zoe's)."""
    raw["object"] = status.uri
    if isinstance(raw.get("object"), dict):
        raw["object"]["object"] = status.uri
    return raw


async def _reactions(db) -> list[tuple]:
    async with db() as session:
        rows = await session.execute(
            select(
                StatusReaction.account_id,
                StatusReaction.status_id,
                StatusReaction.emoji,
                StatusReaction.emoji_url,
                StatusReaction.activity_id,
            ).order_by(StatusReaction.id)
        )
        return [tuple(row) for row in rows]


async def _notifications_json(client, user) -> list[dict]:
    response = await client.get("/api/v1/notifications", headers=user.headers)
    assert response.status_code == 200, response.text
    return [n for n in response.json() if n["type"] == "pleroma:emoji_reaction"]


# --- incoming ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("software", "name", "emoji", "url"),
    [
        ("pleroma", "emoji_react", "🐌", None),
        ("pleroma", "emoji_react_custom", "pleromagic", PLEROMAGIC),
        ("akkoma", "emoji_react_custom", "blobcatheart", AKKOMA_BLOBCAT),
        ("misskey", "like_reaction_unicode", "👍", None),
        ("misskey", "like_reaction_custom", "blobcatheart", MISSKEY_BLOBCAT),
        ("misskey", "like_legacy_reaction", "🍮", None),
    ],
)
async def test_a_reaction_is_stored_and_notified(
    app, client, factory, db, software, name, emoji, url
):
    zoe = await factory.user("zoe")
    post = await factory.status(zoe.account, "react to me")
    actor = await author_of(db, software)
    raw = _at(load(software, name), post)

    result = await receive(app, actor, raw)
    assert isinstance(result, StatusReaction)
    assert await _reactions(db) == [(actor.id, post.id, emoji, url, raw["id"])]
    assert await count(db, Favourite) == 0  # a reacting Like is no favourite
    assert await notifications_of(db, zoe.account.id) == [("pleroma:emoji_reaction", post.id)]
    assert await count(db, Job, Job.kind == DELIVER_JOB) == 0  # a remote one is not sent on

    [rendered] = await _notifications_json(client, zoe)
    assert rendered["account"]["id"] == str(actor.id)
    assert rendered["status"]["id"] == str(post.id)
    assert rendered["emoji"] == (f":{emoji}:" if url else emoji)
    assert rendered["emoji_url"] == url

    # Delivered again: still one reaction and one notification.
    assert await receive(app, actor, raw) is None
    assert len(await _reactions(db)) == 1
    assert await count(db, Notification) == 1


async def test_several_emoji_from_one_account_are_several_reactions(app, client, factory, db):
    zoe = await factory.user("zoe")
    post = await factory.status(zoe.account, "react to me")
    bob = await author_of(db, "pleroma")
    await receive(app, bob, _at(load("pleroma", "emoji_react"), post))
    await receive(app, bob, _at(load("pleroma", "emoji_react_custom"), post))
    assert [row[2] for row in await _reactions(db)] == ["🐌", "pleromagic"]
    rendered = await _notifications_json(client, zoe)
    assert [n["emoji"] for n in rendered] == [":pleromagic:", "🐌"]  # newest first

    # Undoing the first takes its notification only.
    await receive(app, bob, load("pleroma", "undo_emoji_react"))
    assert [row[2] for row in await _reactions(db)] == ["pleromagic"]
    assert [n["emoji"] for n in await _notifications_json(client, zoe)] == [":pleromagic:"]


async def test_a_misskey_like_with_an_unqualified_heart_is_stored_qualified(app, factory, db):
    zoe = await factory.user("zoe")
    post = await factory.status(zoe.account, "x")
    yuki = await author_of(db, "misskey")
    raw = _at(load("misskey", "like_reaction_unicode"), post)
    raw["content"] = raw["_misskey_reaction"] = "❤"
    await receive(app, yuki, raw)
    assert [row[2] for row in await _reactions(db)] == ["❤️"]


async def test_undo_by_id_removes_the_reaction_and_its_notification(app, client, factory, db):
    zoe = await factory.user("zoe")
    post = await factory.status(zoe.account, "x")
    bob = await author_of(db, "pleroma")
    await receive(app, bob, _at(load("pleroma", "emoji_react"), post))
    undo = load("pleroma", "undo_emoji_react")
    assert undo["object"] == (await _reactions(db))[0][4]  # named by its id only

    await receive(app, bob, undo)
    assert await _reactions(db) == []
    assert await notifications_of(db, zoe.account.id) == []
    assert await _notifications_json(client, zoe) == []
    # Delivered again: nothing left to undo.
    assert await receive(app, bob, undo) is None


async def test_misskey_undo_of_a_reacting_like(app, factory, db):
    zoe = await factory.user("zoe")
    post = await factory.status(zoe.account, "x")
    yuki = await author_of(db, "misskey")
    await receive(app, yuki, _at(load("misskey", "like_reaction_unicode"), post))
    assert len(await _reactions(db)) == 1

    undo = load("misskey", "undo_like")
    undo["object"]["object"] = post.uri
    undo["object"]["id"] = "https://misskey.remote.test/likes/not-the-stored-id"
    await receive(app, yuki, undo)  # matched by its status and emoji when the id is unknown
    assert await _reactions(db) == []
    assert await notifications_of(db, zoe.account.id) == []


async def test_undo_of_an_embedded_reaction_leaves_a_favourite_alone(app, factory, db):
    zoe = await factory.user("zoe")
    post = await factory.status(zoe.account, "x")
    bob = await author_of(db, "pleroma")
    like = _at(load("pleroma", "like"), post)
    await receive(app, bob, like)
    await receive(app, bob, _at(load("pleroma", "emoji_react"), post))
    assert await count(db, Favourite) == 1

    embedded = {
        "type": "Undo",
        "id": "https://pleroma.remote.test/activities/undo-embedded",
        "actor": bob.ap_id,
        "object": {
            "type": "EmojiReact",
            "id": "https://pleroma.remote.test/activities/unknown",
            "actor": bob.ap_id,
            "object": post.uri,
            "content": "🐌",
        },
    }
    await receive(app, bob, embedded)
    assert await _reactions(db) == []
    assert await count(db, Favourite) == 1  # an EmojiReact's Undo is not a favourite's
    # And the favourite's own Undo leaves reactions alone.
    await receive(app, bob, _at(load("pleroma", "emoji_react"), post))
    undo_like = load("pleroma", "undo_like")
    undo_like["object"] = like["id"]
    await receive(app, bob, undo_like)
    assert await count(db, Favourite) == 0
    assert len(await _reactions(db)) == 1


async def test_an_undo_of_someone_elses_reaction_is_refused(app, factory, db):
    zoe = await factory.user("zoe")
    post = await factory.status(zoe.account, "x")
    bob = await author_of(db, "pleroma")
    carol = await author_of(db, "akkoma")
    await receive(app, bob, _at(load("pleroma", "emoji_react"), post))
    undo = load("pleroma", "undo_emoji_react")
    undo["actor"] = carol.ap_id
    undo["id"] = "https://akkoma.remote.test/activities/sneaky"
    assert await receive(app, carol, undo) is None  # carol has no reaction of that id
    assert len(await _reactions(db)) == 1


@pytest.mark.parametrize(
    "content",
    ["hello", "👍👍", "a", ":nope:", "", "🏻", "<b>x</b>", ":blobcatheart@misskey.remote.test:"],
)
async def test_a_bad_emoji_is_refused_with_nothing_stored(app, factory, db, content):
    zoe = await factory.user("zoe")
    post = await factory.status(zoe.account, "x")
    bob = await author_of(db, "pleroma")
    raw = _at(load("pleroma", "emoji_react"), post)
    raw["content"] = content
    if content == "":
        raw.pop("content")
    with pytest.raises(Refused):
        await receive(app, bob, raw)
    assert await _reactions(db) == []
    assert await count(db, Notification) == 0


async def test_a_custom_emoji_without_an_http_image_is_refused(app, factory, db):
    zoe = await factory.user("zoe")
    post = await factory.status(zoe.account, "x")
    carol = await author_of(db, "akkoma")
    raw = _at(load("akkoma", "emoji_react_custom"), post)
    raw["tag"][0]["icon"]["url"] = "javascript:alert(1)"
    with pytest.raises(Refused):
        await receive(app, carol, raw)
    raw = _at(load("akkoma", "emoji_react_custom"), post)
    raw["tag"][0]["name"] = ":someother:"  # the tag is not the emoji reacted with
    with pytest.raises(Refused):
        await receive(app, carol, raw)
    assert await _reactions(db) == []


async def test_a_misskey_like_with_a_bad_reaction_is_refused(app, factory, db):
    zoe = await factory.user("zoe")
    post = await factory.status(zoe.account, "x")
    yuki = await author_of(db, "misskey")
    raw = _at(load("misskey", "like_reaction_unicode"), post)
    raw["content"] = raw["_misskey_reaction"] = "not an emoji"
    with pytest.raises(Refused):
        await receive(app, yuki, raw)
    assert await _reactions(db) == [] and await count(db, Favourite) == 0


async def test_a_like_with_a_non_emoji_content_stays_a_favourite(app, factory, db):
    zoe = await factory.user("zoe")
    post = await factory.status(zoe.account, "x")
    bob = await author_of(db, "pleroma")
    raw = _at(load("pleroma", "like"), post)
    raw["content"] = "nice"
    await receive(app, bob, raw)
    assert await count(db, Favourite) == 1
    assert await _reactions(db) == []


async def test_a_reaction_to_a_status_the_actor_cannot_see_is_refused(app, factory, db):
    zoe = await factory.user("zoe")
    private = await factory.status(zoe.account, "followers only", visibility="private")
    bob = await author_of(db, "pleroma")
    raw = _at(load("pleroma", "emoji_react"), private)
    with pytest.raises(Refused):
        await receive(app, bob, raw)
    assert await _reactions(db) == []
    assert await count(db, Notification) == 0

    await follow(db, bob, zoe.account)  # a follower may see it, and react
    assert isinstance(await receive(app, bob, raw), StatusReaction)


async def test_a_reaction_to_a_status_we_lack_is_dropped(app, factory, db):
    await factory.user("zoe")
    bob = await author_of(db, "pleroma")
    raw = load("pleroma", "emoji_react")
    raw["object"] = f"{BASE_URL}/objects/123456789"
    assert await receive(app, bob, raw) is None
    assert await _reactions(db) == []


# --- outgoing ------------------------------------------------------------------------------


async def _deliveries(db) -> list[dict]:
    async with db() as session:
        jobs = await session.scalars(select(Job).where(Job.kind == DELIVER_JOB).order_by(Job.id))
        return [job.args for job in jobs]


async def _clear_deliveries(db) -> None:
    async with db() as session:
        for job in await session.scalars(select(Job).where(Job.kind == DELIVER_JOB)):
            await session.delete(job)
        await session.commit()


async def test_reacting_to_a_remote_post_delivers_pleromas_shape(app, factory, db):
    zoe = await factory.user("zoe")
    bob = await author_of(db, "pleroma")
    follower = await remote_account(
        db, "fan", "fans.remote.test", inbox="https://fans.remote.test/inbox"
    )
    async with db() as session:
        bob = await session.merge(bob)
        bob.inbox = "https://pleroma.remote.test/users/bob/inbox"
        await session.commit()
    await follow(db, follower, zoe.account)
    remote_post = await receive(app, bob, load("pleroma", "create_note_public"))
    await _clear_deliveries(db)
    settings = app.state.settings

    async with db() as session:
        reaction = await reactions.react(
            session, app.state.settings, zoe.account, remote_post, "🐌"
        )
    assert (reaction.account_id, reaction.status_id, reaction.emoji) == (
        zoe.account.id,
        remote_post.id,
        "🐌",
    )
    assert reaction.activity_id == f"{BASE_URL}/activities/{reaction.id}"
    jobs = await _deliveries(db)
    assert sorted(job["inbox"] for job in jobs) == [
        "https://fans.remote.test/inbox",
        "https://pleroma.remote.test/users/bob/inbox",
    ]
    document = jobs[0]["activity"]
    assert document["type"] == "EmojiReact"
    assert document["id"] == reaction.activity_id
    assert document["actor"] == zoe.account.ap_id
    assert document["object"] == remote_post.uri
    assert document["content"] == "🐌"
    assert "tag" not in document
    assert document["to"] == [f"{zoe.account.ap_id}/followers", bob.ap_id]
    assert document["cc"] == [PUBLIC]
    assert document["context"] == remote_post.context

    # The same again: nothing new, nothing sent.
    await _clear_deliveries(db)
    async with db() as session:
        again = await reactions.react(session, settings, zoe.account, remote_post, "🐌")
    assert again.id == reaction.id and await _deliveries(db) == []

    async with db() as session:
        await reactions.unreact(session, app.state.settings, zoe.account, remote_post, "🐌")
    assert await _reactions(db) == []
    jobs = await _deliveries(db)
    assert len(jobs) == 2
    undo = jobs[0]["activity"]
    assert undo["type"] == "Undo" and undo["actor"] == zoe.account.ap_id
    assert undo["object"]["type"] == "EmojiReact"
    assert undo["object"]["id"] == reaction.activity_id
    assert undo["object"]["content"] == "🐌"
    assert undo["to"] == document["to"] and undo["cc"] == document["cc"]

    # Undoing again is a no-op that sends nothing.
    await _clear_deliveries(db)
    async with db() as session:
        await reactions.unreact(session, app.state.settings, zoe.account, remote_post, "🐌")
    assert await _deliveries(db) == []


async def test_a_local_custom_emoji_reaction_carries_its_tag(app, client, factory, db):
    install_packs(app)
    zoe = await factory.user("zoe")
    amy = await factory.user("amy")
    post = await factory.status(zoe.account, "x")
    async with db() as session:
        reaction = await reactions.react(
            session, app.state.settings, amy.account, post, ":blobcat:"
        )
    url = f"{BASE_URL}/emoji/blobs/blobcat.png"
    assert (reaction.emoji, reaction.emoji_url) == ("blobcat", url)
    [rendered] = await _notifications_json(client, zoe)
    assert (rendered["emoji"], rendered["emoji_url"]) == (":blobcat:", url)

    activity = build_emoji_react(app.state.settings, amy.account, post, "blobcat", url)
    document = activity_json(app.state.settings, activity, {zoe.account.id: zoe.account.ap_id})
    assert document["content"] == ":blobcat:"
    [tag] = document["tag"]
    assert tag["type"] == "Emoji" and tag["name"] == ":blobcat:"
    assert tag["id"] == url and tag["icon"]["url"] == url and tag["icon"]["type"] == "Image"

    async with db() as session:
        await reactions.unreact(session, app.state.settings, amy.account, post, "blobcat")
    assert await _reactions(db) == []
    assert await _notifications_json(client, zoe) == []


async def test_joining_a_remote_custom_reaction_reuses_its_image(app, factory, db):
    zoe = await factory.user("zoe")
    amy = await factory.user("amy")
    post = await factory.status(zoe.account, "x")
    carol = await author_of(db, "akkoma")
    await receive(app, carol, _at(load("akkoma", "emoji_react_custom"), post))
    async with db() as session:
        reaction = await reactions.react(
            session, app.state.settings, amy.account, post, "blobcatheart@akkoma.remote.test"
        )
    assert (reaction.emoji, reaction.emoji_url) == ("blobcatheart", AKKOMA_BLOBCAT)
    async with db() as session:
        with pytest.raises(BadRequest):
            await reactions.react(
                session, app.state.settings, amy.account, post, "blobcatheart@elsewhere.test"
            )


@pytest.mark.parametrize("emoji", ["nope", ":nope:", "👍👍", "a b", "", "x@bad host"])
async def test_bad_local_reactions_are_refused(app, factory, db, emoji):
    install_packs(app)
    zoe = await factory.user("zoe")
    post = await factory.status(zoe.account, "x")
    async with db() as session:
        with pytest.raises(BadRequest):
            await reactions.react(session, app.state.settings, zoe.account, post, emoji)
    assert await _reactions(db) == []


async def test_reacting_needs_to_see_the_status(app, factory, db):
    zoe = await factory.user("zoe")
    amy = await factory.user("amy")
    direct = await factory.status(zoe.account, "secret", visibility="direct")
    async with db() as session:
        with pytest.raises(NotFound):
            await reactions.react(session, app.state.settings, amy.account, direct, "👍")
    assert await _reactions(db) == []


async def test_local_reactions_to_local_only_and_private_posts_are_addressed_narrowly(
    app, factory, db
):
    zoe = await factory.user("zoe")
    bob = await author_of(db, "pleroma")
    async with db() as session:
        bob = await session.merge(bob)
        bob.inbox = "https://pleroma.remote.test/users/bob/inbox"
        await session.commit()
    await follow(db, bob, zoe.account)
    own_local = await factory.status(zoe.account, "local only", visibility="local")
    async with db() as session:
        await reactions.react(session, app.state.settings, zoe.account, own_local, "👍")
    assert await _deliveries(db) == []  # never leaves the instance

    private = await factory.status(zoe.account, "followers", visibility="private")
    await _clear_deliveries(db)
    activity = build_emoji_react(app.state.settings, zoe.account, private, "👍")
    document = activity_json(app.state.settings, activity, {zoe.account.id: zoe.account.ap_id})
    assert document["to"] == [zoe.account.ap_id] and document["cc"] == []
    undo = build_undo_emoji_react(app.state.settings, zoe.account, private, "👍")
    assert isinstance(undo.inner, Activity) and undo.inner.options["emoji"] == "👍"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("🥺", "🥺"),
        ("❤️", "❤️"),
        ("❤", "❤️"),
        ("🏳️‍⚧️", "🏳️‍⚧️"),
        ("👍🏽", "👍🏽"),
        ("🇵", "🇵"),
        ("X", None),
        ("ね", None),
        ("1", None),
        ("🏻", None),
        ("👍👍", None),
        (":blobcat:", None),
        (None, None),
    ],
)
def test_unicode_emoji_as_pleroma_decides(text, expected):
    assert unicode_emoji(text) == expected
