"""PUT /api/v1/statuses/:id (with /history and /source) and DELETE /api/v1/statuses/:id."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from pyleroma.db.ids import new_id
from pyleroma.models import (
    Account,
    Bookmark,
    ConversationParticipation,
    Favourite,
    Hashtag,
    HomeTimelineEntry,
    Job,
    MediaAttachment,
    Notification,
    Poll,
    PollVote,
    Status,
    StatusEdit,
    StatusMention,
    StatusTag,
)
from pyleroma.services.statuses.status_delete import delete_status
from pyleroma.urls import masto_datetime
from tests.api.relationship_helpers import set_fields
from tests.api.status_read_helpers import (
    add_rows,
    favourite,
    get_row,
    png_media,
    reblog,
    stored,
)

BAD_TOKEN = {"Authorization": "Bearer not-a-token"}


async def _edit(client, user, target, /, **body):
    return await client.put(f"/api/v1/statuses/{target.id}", headers=user.headers, json=body)


async def _mentions(db, status) -> dict[int, bool]:
    return {
        row.account_id: row.silent for row in await stored(db, StatusMention, status_id=status.id)
    }


async def _tags(db, status) -> list[str]:
    async with db() as session:
        rows = await session.execute(
            select(Hashtag.name)
            .join(StatusTag, StatusTag.hashtag_id == Hashtag.id)
            .where(StatusTag.status_id == status.id)
        )
        return sorted(rows.scalars())


# --- PUT -------------------------------------------------------------------------------------


async def test_edit_rewrites_text_mentions_tags_and_keeps_history(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    status = await factory.status(
        alice.account, "hello @bob #one", visibility="direct", spoiler_text="cw1"
    )

    response = await _edit(
        client, alice, status, status="hi @carol #two", spoiler_text="cw2", language="en"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == str(status.id)
    assert "@<span>carol</span>" in body["content"] and "bob" not in body["content"]
    assert body["spoiler_text"] == "cw2" and body["language"] == "en"
    assert body["visibility"] == "direct"  # visibility never changes
    assert body["edited_at"] is not None
    assert [m["acct"] for m in body["mentions"]] == ["carol"]
    assert [t["name"] for t in body["tags"]] == ["two"]

    # bob was addressed and stays so (silently): he keeps access to what he was sent.
    assert await _mentions(db, status) == {bob.account.id: True, carol.account.id: False}
    assert await _tags(db, status) == ["two"]
    assert (
        await client.get(f"/api/v1/statuses/{status.id}", headers=bob.headers)
    ).status_code == 200
    notes = await stored(db, Notification, status_id=status.id)
    assert sorted((n.type, n.account_id) for n in notes) == sorted(
        [("mention", bob.account.id), ("mention", carol.account.id)]
    )
    (edit,) = await stored(db, StatusEdit, status_id=status.id)
    assert (edit.source, edit.spoiler_text, edit.content_type) == (
        "hello @bob #one",
        "cw1",
        "text/plain",
    )
    assert edit.created_at == status.created_at

    await _edit(client, alice, status, status="third @carol", spoiler_text="cw3")
    history = await client.get(f"/api/v1/statuses/{status.id}/history", headers=alice.headers)
    assert history.status_code == 200
    versions = history.json()
    assert [v["spoiler_text"] for v in versions] == ["cw1", "cw2", "cw3"]
    assert "hello" in versions[0]["content"] and "third" in versions[2]["content"]
    assert versions[0]["created_at"] == masto_datetime(status.created_at)
    assert (
        versions[2]["created_at"]
        == (await client.get(f"/api/v1/statuses/{status.id}", headers=alice.headers)).json()[
            "edited_at"
        ]
    )
    assert versions[1]["created_at"] == body["edited_at"]
    assert {v["account"]["id"] for v in versions} == {alice.id}
    assert all(
        v["emojis"] == [] and v["poll"] is None and v["media_attachments"] == [] for v in versions
    )

    source = await client.get(f"/api/v1/statuses/{status.id}/source", headers=alice.headers)
    assert source.json()["text"] == "third @carol" and source.json()["spoiler_text"] == "cw3"


async def test_unedited_and_unchanged_statuses_have_one_version(client, factory, db):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "same", spoiler_text="cw")
    history = await client.get(f"/api/v1/statuses/{status.id}/history")
    assert history.status_code == 200 and len(history.json()) == 1

    response = await _edit(client, alice, status, status="same", spoiler_text="cw")
    assert response.status_code == 200 and response.json()["edited_at"] is None
    assert await stored(db, StatusEdit, status_id=status.id) == []
    assert len((await client.get(f"/api/v1/statuses/{status.id}/history")).json()) == 1


async def test_fields_left_out_keep_their_values(client, factory):
    alice = await factory.user("alice")
    status = await factory.status(
        alice.account,
        "*old*",
        spoiler_text="cw",
        sensitive=True,
        content_type="text/markdown",
        language="fr",
    )
    body = (await _edit(client, alice, status, status="**new**")).json()
    assert "<strong>new</strong>" in body["content"]
    assert (body["spoiler_text"], body["sensitive"], body["language"]) == ("cw", True, "fr")
    cleared = (await _edit(client, alice, status, spoiler_text="", sensitive=False)).json()
    assert (cleared["spoiler_text"], cleared["sensitive"]) == ("", False)
    assert "<strong>new</strong>" in cleared["content"]
    nsfw = (await _edit(client, alice, status, status="now #nsfw")).json()
    assert nsfw["sensitive"] is True


async def test_edit_tells_those_who_reblogged(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    status = await factory.status(alice.account, "boost this")
    await reblog(db, bob.account, status)
    await reblog(db, carol.account, status)
    await reblog(db, alice.account, status)  # boosting oneself notifies no one

    assert (await _edit(client, alice, status, status="boost this, fixed")).status_code == 200
    updates = await stored(db, Notification, type="update")
    assert sorted(n.account_id for n in updates) == sorted([bob.account.id, carol.account.id])
    assert {(n.from_account_id, n.status_id) for n in updates} == {(alice.account.id, status.id)}


async def test_edit_media_order_descriptions_and_removal(client, factory, db, app):
    settings = app.state.settings
    alice = await factory.user("alice")
    first = await png_media(db, settings, alice.account, "first")
    second = await png_media(db, settings, alice.account, "second")
    status = await factory.status(alice.account, "pictures", media_ids=[first.id])

    response = await _edit(
        client,
        alice,
        status,
        media_ids=[str(second.id), str(first.id)],
        media_attributes=[{"id": str(second.id), "description": "a red dot", "focus": "0.5,-0.5"}],
    )
    assert response.status_code == 200, response.text
    media = response.json()["media_attachments"]
    assert [m["id"] for m in media] == [str(second.id), str(first.id)]
    assert media[0]["description"] == "a red dot"
    assert media[0]["meta"]["focus"] == {"x": 0.5, "y": -0.5}

    response = await _edit(client, alice, status, status="no pictures now", media_ids=[])
    assert response.json()["media_attachments"] == []
    assert (await get_row(db, Status, status.id)).has_media is False
    assert (await get_row(db, MediaAttachment, first.id)).status_id is None

    versions = (await client.get(f"/api/v1/statuses/{status.id}/history")).json()
    assert [[m["id"] for m in v["media_attachments"]] for v in versions] == [
        [str(first.id)],
        [str(second.id), str(first.id)],
        [],
    ]


async def test_edit_poll_resets_votes_only_when_choices_change(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    status = await factory.status(
        alice.account, "vote", poll={"options": ["a", "b"], "expires_in": 3600}
    )
    (poll,) = await stored(db, Poll, status_id=status.id)
    await add_rows(db, PollVote(id=new_id(), poll_id=poll.id, account_id=bob.account.id, choice=0))
    async with db() as session:
        row = await session.get(Poll, poll.id)
        row.options = [{"title": "a", "votes_count": 1}, {"title": "b", "votes_count": 0}]
        row.votes_count = row.voters_count = 1
        await session.commit()

    kept = (await _edit(client, alice, status, status="vote!")).json()
    assert kept["poll"]["votes_count"] == 1
    same = await _edit(
        client, alice, status, poll={"options": ["a", "b"], "expires_in": 60}, status="vote!!"
    )
    assert same.json()["poll"]["votes_count"] == 1
    assert len(await stored(db, PollVote, poll_id=poll.id)) == 1

    changed = await _edit(client, alice, status, poll={"options": ["a", "c"], "expires_in": 600})
    assert changed.status_code == 200
    data = changed.json()["poll"]
    assert data["id"] == str(poll.id)
    assert [(o["title"], o["votes_count"]) for o in data["options"]] == [("a", 0), ("c", 0)]
    assert data["votes_count"] == 0
    assert await stored(db, PollVote, poll_id=poll.id) == []
    jobs = [j for j in await stored(db, Job, kind="poll.end") if j.args == {"poll_id": poll.id}]
    assert len(jobs) == 2  # the first end, and the new one

    versions = (await client.get(f"/api/v1/statuses/{status.id}/history")).json()
    assert versions[-2]["poll"] == {"options": [{"title": "a"}, {"title": "b"}]}
    assert versions[-1]["poll"] == {"options": [{"title": "a"}, {"title": "c"}]}

    removed = await _edit(client, alice, status, poll=None)
    assert removed.json()["poll"] is None
    assert await stored(db, Poll, status_id=status.id) == []
    assert (await get_row(db, Status, status.id)).has_poll is False

    added = await _edit(client, alice, status, poll={"options": ["x", "y"], "expires_in": 300})
    assert [o["title"] for o in added.json()["poll"]["options"]] == ["x", "y"]


async def test_edit_errors_change_nothing(client, factory, db, app):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    status = await factory.status(alice.account, "original")
    private = await factory.status(bob.account, "bob only", visibility="private")
    public_bob = await factory.status(bob.account, "bob public")
    url = f"/api/v1/statuses/{status.id}"

    assert (await client.put(url, json={"status": "x"})).status_code == 401
    assert (await client.put(url, json={"status": "x"}, headers=BAD_TOKEN)).status_code == 401
    reader = await factory.user("reader", scopes=["read"])
    assert (await client.put(url, json={"status": "x"}, headers=reader.headers)).status_code == 403
    assert (
        await client.put("/api/v1/statuses/42", json={"status": "x"}, headers=alice.headers)
    ).status_code == 404
    assert (
        await client.put("/api/v1/statuses/nope", json={"status": "x"}, headers=alice.headers)
    ).status_code == 404
    hidden = await _edit(client, alice, private, status="x")
    assert hidden.status_code == 404 and hidden.json() == {"error": "Record not found"}
    others = await _edit(client, alice, public_bob, status="x")
    assert others.status_code == 403 and others.json() == {"error": "Access denied"}
    boost = await reblog(db, alice.account, public_bob)
    assert (await _edit(client, alice, boost, status="x")).status_code == 404

    foreign = await png_media(db, app.state.settings, bob.account, "foreign")
    elsewhere = await png_media(db, app.state.settings, alice.account, "elsewhere")
    await factory.status(alice.account, "holds media", media_ids=[elsewhere.id])
    unprocessable = [
        {"status": "x" * 5001},
        {"status": "", "spoiler_text": ""},
        {"content_type": "text/bbcode"},
        {"media_ids": ["not-an-id"]},
        {"media_ids": [str(foreign.id)]},
        {"media_ids": [str(elsewhere.id)]},
        {"media_ids": ["123"]},
        {"poll": {"options": ["only one"], "expires_in": 600}},
        {"poll": {"options": ["a", "b"]}},
        {"poll": "yes"},
        {"language": "klingon!"},
        {"sensitive": "maybe"},
        {"media_ids": [str(status.id)], "media_attributes": [{"id": "x"}]},
    ]
    for body in unprocessable:
        response = await _edit(client, alice, status, **body)
        assert response.status_code == 422, (body, response.text)
        assert "error" in response.json()
    malformed = await client.put(
        url, content=b"{nope", headers={**alice.headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400

    stored_status = await get_row(db, Status, status.id)
    assert (stored_status.source, stored_status.edited_at) == ("original", None)
    assert await stored(db, StatusEdit) == []
    assert (await get_row(db, MediaAttachment, foreign.id)).status_id is None


async def test_history_and_source_errors(client, factory):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "hello")
    writer = await factory.user("writer", scopes=["write"])
    for route in ("history", "source"):
        url = f"/api/v1/statuses/{status.id}/{route}"
        assert (await client.get(url, headers=writer.headers)).status_code == 403
        assert (await client.get(url, headers=BAD_TOKEN)).status_code == 401
        assert (await client.get(f"/api/v1/statuses/1/{route}")).status_code == 404


# --- DELETE ----------------------------------------------------------------------------------


async def test_delete_returns_the_source_and_removes_everything(client, factory, db, app):
    settings = app.state.settings
    uploads = Path(settings.uploads_dir)
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    parent = await factory.status(bob.account, "parent")
    quoted = await factory.status(carol.account, "quote me")
    shown = await png_media(db, settings, alice.account, "shown")
    earlier = await png_media(db, settings, alice.account, "earlier")
    unrelated = await png_media(db, settings, alice.account, "unrelated")
    status = await factory.status(
        alice.account,
        "@bob my *reply* #tag",
        in_reply_to_id=parent.id,
        quote_id=quoted.id,
        media_ids=[earlier.id],
    )
    # An edit swaps the picture: the old one is only named by the history now.
    await _edit(client, alice, status, media_ids=[str(shown.id)])
    await favourite(db, carol.account, status)
    boost = await reblog(db, carol.account, status)
    await add_rows(
        db,
        Bookmark(id=new_id(), account_id=carol.account.id, status_id=status.id),
        HomeTimelineEntry(
            account_id=carol.account.id, status_id=status.id, author_id=alice.account.id
        ),
        HomeTimelineEntry(
            account_id=bob.account.id,
            status_id=boost.id,
            author_id=carol.account.id,
            reblog_of_author_id=alice.account.id,
        ),
    )
    assert (await get_row(db, Account, alice.account.id)).statuses_count == 1
    assert (await get_row(db, Status, parent.id)).replies_count == 1
    assert (await get_row(db, Status, quoted.id)).quotes_count == 1
    assert await stored(db, Notification, status_id=status.id)  # bob's mention

    response = await client.delete(f"/api/v1/statuses/{status.id}", headers=alice.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == str(status.id)
    assert body["text"] == "@bob my *reply* #tag"  # the source, for delete-and-redraft
    assert "reply" in body["content"]
    assert [m["id"] for m in body["media_attachments"]] == [str(shown.id)]

    for model, column in [
        (Status, "id"),
        (Favourite, "status_id"),
        (Bookmark, "status_id"),
        (StatusMention, "status_id"),
        (StatusTag, "status_id"),
        (StatusEdit, "status_id"),
        (Notification, "status_id"),
        (HomeTimelineEntry, "status_id"),
    ]:
        assert await stored(db, model, **{column: status.id}) == [], model
    assert await get_row(db, Status, boost.id) is None
    assert await stored(db, HomeTimelineEntry, status_id=boost.id) == []
    # Media are detached, not deleted: "delete & redraft" posts them again by id.
    for media in (shown, earlier):
        assert (await get_row(db, MediaAttachment, media.id)).status_id is None
    assert (uploads / "attachments" / "test" / "shown.png").exists()
    redraft = await client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        data={"status": body["text"], "media_ids[]": [str(shown.id)]},
    )
    assert redraft.status_code == 200, redraft.text
    assert [m["id"] for m in redraft.json()["media_attachments"]] == [str(shown.id)]
    # A day later the purge job removes what is still unattached, and only that.
    assert await run_due_purges(app) == 2
    assert (await get_row(db, MediaAttachment, shown.id)).status_id is not None
    assert await get_row(db, MediaAttachment, earlier.id) is None
    assert not (uploads / "attachments" / "test" / "earlier.png").exists()
    assert not (uploads / "attachments" / "test" / "earlier_thumb.png").exists()
    assert (uploads / "attachments" / "test" / "shown.png").exists()
    assert (uploads / "attachments" / "test" / "unrelated.png").exists()
    assert await get_row(db, MediaAttachment, unrelated.id) is not None

    # The deleted status no longer counts; the redraft does.
    assert (await get_row(db, Account, alice.account.id)).statuses_count == 1
    assert (await get_row(db, Status, parent.id)).replies_count == 0
    assert (await get_row(db, Status, quoted.id)).quotes_count == 0
    assert (await client.get(f"/api/v1/statuses/{status.id}")).status_code == 404
    again = await client.delete(f"/api/v1/statuses/{status.id}", headers=alice.headers)
    assert again.status_code == 404


async def run_due_purges(app) -> int:
    """Make the media purge jobs due now (as if a day had passed), run the due jobs, and
    return how many purge jobs there were."""
    from sqlalchemy import func, update

    from pyleroma.db.base import utcnow
    from pyleroma.jobs.runner import JobRunner
    from pyleroma.models import Job
    from pyleroma.services.media.media_cleanup import PURGE_JOB

    pending = (Job.kind == PURGE_JOB) & (Job.state == "available")
    async with app.state.sessionmaker() as session:
        count = await session.scalar(select(func.count()).select_from(Job).where(pending))
        await session.execute(update(Job).where(pending).values(scheduled_at=utcnow()))
        await session.commit()
    await JobRunner(app.state.sessionmaker, app.state.settings).drain()
    return count


async def test_files_go_only_when_the_delete_commits(factory, db, app):
    settings = app.state.settings
    alice = await factory.user("alice")
    picture = await png_media(db, settings, alice.account, "kept")
    status = await factory.status(alice.account, "with a picture", media_ids=[picture.id])
    path = Path(settings.uploads_dir) / "attachments" / "test" / "kept.png"

    async with db() as session:
        await delete_status(session, settings, await session.get(Status, status.id))
        assert path.exists()  # not before the commit
        await session.rollback()
    assert path.exists()
    assert await get_row(db, Status, status.id) is not None
    assert await get_row(db, MediaAttachment, picture.id) is not None

    assert await run_due_purges(app) == 0  # the rolled-back delete scheduled nothing

    async with db() as session:
        await delete_status(session, settings, await session.get(Status, status.id))
        await session.commit()
    assert await get_row(db, Status, status.id) is None
    assert path.exists()  # detached, kept for a redraft
    assert await run_due_purges(app) == 1
    assert not path.exists()
    assert await get_row(db, MediaAttachment, picture.id) is None


async def test_delete_permissions(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    status = await factory.status(alice.account, "mine")
    url = f"/api/v1/statuses/{status.id}"

    assert (await client.delete(url)).status_code == 401
    assert (await client.delete(url, headers=BAD_TOKEN)).status_code == 401
    reader = await factory.user("reader", scopes=["read"])
    assert (await client.delete(url, headers=reader.headers)).status_code == 403
    # Someone else's status is "not found", as Pleroma answers.
    refused = await client.delete(url, headers=bob.headers)
    assert refused.status_code == 404 and refused.json() == {"error": "Record not found"}
    assert (await client.delete("/api/v1/statuses/31337", headers=alice.headers)).status_code == 404
    assert (await client.delete("/api/v1/statuses/x1", headers=alice.headers)).status_code == 404
    boost = await reblog(db, alice.account, await factory.status(bob.account, "bob's"))
    assert (
        await client.delete(f"/api/v1/statuses/{boost.id}", headers=alice.headers)
    ).status_code == 404
    assert await get_row(db, Status, status.id) is not None
    assert await get_row(db, Status, boost.id) is not None

    admin = await factory.user("boss", is_admin=True)
    assert (await client.delete(url, headers=admin.headers)).status_code == 200
    assert await get_row(db, Status, status.id) is None

    # A moderator may remove a deactivated account's status, which nobody else can see.
    banned = await factory.user("banned")
    leftover = await factory.status(banned.account, "spam")
    await set_fields(db, banned.id, is_active=False)
    moderator = await factory.user("mod", is_moderator=True)
    response = await client.delete(f"/api/v1/statuses/{leftover.id}", headers=moderator.headers)
    assert response.status_code == 200 and response.json()["text"] == "spam"
    assert await get_row(db, Status, leftover.id) is None
    assert (await get_row(db, Account, banned.account.id)).statuses_count == 0


async def test_deleting_the_last_direct_status_rewinds_its_conversation(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    first = await factory.status(alice.account, "@bob psst", visibility="direct")
    answer = await factory.status(
        bob.account, "@alice what", visibility="direct", in_reply_to_id=first.id
    )
    participations = await stored(db, ConversationParticipation)
    assert {p.last_status_id for p in participations} == {answer.id}

    response = await client.delete(f"/api/v1/statuses/{answer.id}", headers=bob.headers)
    assert response.status_code == 200
    participations = await stored(db, ConversationParticipation)
    assert len(participations) == 2
    assert {p.last_status_id for p in participations} == {first.id}
