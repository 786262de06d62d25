"""POST/GET /api/v1/pleroma/history_import (and /api/pleroma/...): an account's old posts
imported from its Mastodon or Pleroma archive, silently, with their dates and old URLs."""

from __future__ import annotations

import zipfile

import pytest
from sqlalchemy import func, select

from pyleroma.db.ids import new_id
from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.models import Account, Follow, HomeTimelineEntry, Job, Notification, Status
from pyleroma.services.accounts import history_archive
from pyleroma.services.accounts.history_import import HISTORY_IMPORT_JOB
from tests.api.history_archives import (
    ACTOR,
    OLD,
    actor_json,
    announce,
    make_zip,
    mastodon_archive,
    mastodon_create,
    mastodon_items,
    mastodon_media,
    outbox,
    pleroma_archive,
    pleroma_create,
)
from tests.api.relationship_helpers import remote_account
from tests.api.timeline_helpers import drain

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")


async def _upload(client, user, data: bytes, prefix="/api/v1/pleroma", name="archive.zip"):
    files = {"file": (name, data, "application/zip")}
    return await client.post(f"{prefix}/history_import", files=files, headers=user.headers)


async def _progress(client, user, prefix="/api/v1/pleroma"):
    return await client.get(f"{prefix}/history_import", headers=user.headers)


async def _statuses(client, user) -> list[dict]:
    response = await client.get(
        f"/api/v1/accounts/{user.account.id}/statuses", params={"limit": 40}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _count(db, statement) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(statement.subquery()))


async def _remote_follower(db, alice) -> Account:
    bob = await remote_account(
        db, "bob", "remote.example", inbox="https://remote.example/users/bob/inbox",
        shared_inbox="https://remote.example/inbox",
    )  # fmt: skip
    async with db() as session:
        session.add(Follow(id=new_id(), follower_id=bob.id, followed_id=alice.account.id))
        await session.commit()
    return bob


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_a_mastodon_archive_is_imported_as_silent_history(app, client, factory, db, prefix):
    alice = await factory.user("alice")
    carol = await factory.user("carol")
    await client.post(f"/api/v1/accounts/{alice.account.id}/follow", headers=carol.headers)
    await _remote_follower(db, alice)
    carol_href = f"{app.state.settings.base_url}/users/carol"
    archive = mastodon_archive(mastodon_items(carol_href), media=mastodon_media())

    response = await _upload(client, alice, archive, prefix)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["state"] == "pending"
    assert (body["total"], body["imported"], body["ignored"]) == (3, 0, 3)
    pending = await _progress(client, alice, prefix)
    assert (pending.status_code, pending.json()["state"]) == (200, "pending")
    assert await _count(db, select(Job).where(Job.kind == HISTORY_IMPORT_JOB)) == 1

    await drain(app)
    done = (await _progress(client, alice, prefix)).json()
    assert done["state"] == "done" and done["finished_at"]
    assert (done["total"], done["imported"], done["skipped"], done["media"]) == (3, 3, 0, 1)

    third, second, first = await _statuses(client, alice)
    assert [s["created_at"] for s in (third, second, first)] == [
        "2022-07-03T12:00:00.000Z",
        "2021-03-02T08:30:00.000Z",
        "2019-05-01T10:00:00.000Z",
    ]
    assert [s["url"] for s in (third, second, first)] == [f"{OLD}/@alice/{n}" for n in (3, 2, 1)]
    assert first["uri"].startswith(app.state.settings.base_url + "/objects/")
    assert (first["visibility"], second["visibility"]) == ("public", "unlisted")
    # Content sanitised as a remote post's: the hashtag link stays, the script goes.
    assert "<script" not in first["content"] and "alert(1)" not in first["content"]
    assert 'class="mention hashtag"' in first["content"]
    assert (first["spoiler_text"], first["sensitive"], first["language"]) == (
        "a content warning",
        True,
        "en",
    )
    assert [t["name"] for t in first["tags"]] == ["history"]
    # The archive's image is stored and served; the missing file is skipped.
    [media] = first["media_attachments"]
    assert (media["type"], media["description"]) == ("image", "a café")
    assert media["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    served = await client.get(media["url"].removeprefix(app.state.settings.base_url))
    assert served.status_code == 200 and served.content.startswith(b"\x89PNG")
    # The thread is kept; a reply to someone else keeps only the parent's URI.
    assert second["in_reply_to_id"] == first["id"]
    assert third["in_reply_to_id"] is None
    context = await client.get(f"/api/v1/statuses/{first['id']}/context")
    assert [s["id"] for s in context.json()["descendants"]] == [second["id"]]
    assert first["replies_count"] == 1
    # Mentions stay links: nobody is notified, nobody's home gets the posts, nothing is sent.
    assert "replying elsewhere" in third["content"] and third["mentions"] == []
    assert await _count(db, select(Notification).where(Notification.type == "mention")) == 0
    assert await _count(db, select(HomeTimelineEntry)) == 0
    assert await _count(db, select(Job).where(Job.kind == DELIVER_JOB)) == 0
    async with db() as session:
        stored = await session.get(Account, alice.account.id)
        assert stored.statuses_count == 3
        row = await session.get(Status, int(third["id"]))
        assert row.in_reply_to_uri == "https://elsewhere.example/notes/5" and row.local
    assert not any((app.state.settings.data_dir / "history_imports" / str(alice.account.id)).glob(
        "*/archive.zip"
    ))  # fmt: skip

    # A new post sorts above the history (and, unlike it, is delivered).
    posted = await client.post("/api/v1/statuses", json={"status": "now"}, headers=alice.headers)
    assert posted.status_code == 200
    assert [s["id"] for s in await _statuses(client, alice)][:2] == [
        posted.json()["id"],
        third["id"],
    ]
    await drain(app)
    assert await _count(db, select(Job).where(Job.kind == DELIVER_JOB)) == 1

    # The same archive again imports nothing twice.
    again = await _upload(client, alice, archive, prefix)
    assert again.status_code == 202
    await drain(app)
    repeated = (await _progress(client, alice)).json()
    assert (repeated["state"], repeated["imported"], repeated["skipped"]) == ("done", 0, 3)
    assert len(await _statuses(client, alice)) == 4
    async with db() as session:
        assert (await session.get(Account, alice.account.id)).statuses_count == 4


async def test_a_pleroma_archive_keeps_threads_and_links_its_media(app, client, factory, db):
    alice = await factory.user("alice")
    image = f"{OLD}/media/abc.png"
    items = [
        pleroma_create(
            "bbbb",
            "2023-02-01T09:00:00.000000Z",
            "reply to myself",
            inReplyTo=f"{OLD}/objects/aaaa",
            context=f"{OLD}/contexts/aaaa",
        ),
        pleroma_create(
            "aaaa",
            "2023-01-01T09:00:00.000000Z",
            "first <b>bold</b> <img src=x onerror=alert(1)>",
            attachment=[
                {
                    "type": "Document",
                    "mediaType": "image/png",
                    "name": "pic",
                    "url": [{"type": "Link", "href": image, "mediaType": "image/png"}],
                }
            ],
        ),  # fmt: skip
        {**pleroma_create("cccc", "2023-03-01T00:00:00Z", "a dm"), "directMessage": True},
    ]
    items[2]["object"]["to"] = [f"{OLD}/users/someone"]
    items[2]["object"]["cc"] = []
    response = await _upload(client, alice, pleroma_archive(items), "/api/pleroma")
    assert response.status_code == 202, response.text
    assert (response.json()["total"], response.json()["ignored"]) == (2, 1)
    await drain(app)

    reply, first = await _statuses(client, alice)
    assert (first["url"], reply["url"]) == (f"{OLD}/objects/aaaa", f"{OLD}/objects/bbbb")
    assert reply["in_reply_to_id"] == first["id"]
    assert first["created_at"] == "2023-01-01T09:00:00.000Z"
    assert "onerror" not in first["content"] and "<b>bold</b>" in first["content"]
    [media] = first["media_attachments"]
    assert (media["url"], media["remote_url"], media["description"]) == (image, image, "pic")
    progress = (await _progress(client, alice, "/api/pleroma")).json()
    assert (progress["state"], progress["imported"], progress["media"]) == ("done", 2, 1)


async def _refused(client, db, app, user, data, status, message_part):
    response = await _upload(client, user, data)
    assert response.status_code == status, response.text
    assert message_part in response.json()["error"]
    assert (await _progress(client, user)).status_code == 404
    assert await _count(db, select(Status)) == 0
    assert await _count(db, select(Job).where(Job.kind == HISTORY_IMPORT_JOB)) == 0
    base = app.state.settings.data_dir / "history_imports"
    assert not base.exists() or not any(base.rglob("*.zip"))


async def test_malformed_archives_are_refused_and_nothing_is_kept(app, client, factory, db):
    alice = await factory.user("alice")
    good = [mastodon_create(1, "2022-01-01T00:00:00Z", "<p>hi</p>")]
    await _refused(client, db, app, alice, b"not a zip at all", 422, "not a zip")
    await _refused(
        client, db, app, alice, make_zip({"actor.json": actor_json()}), 422, "no outbox.json"
    )
    await _refused(
        client, db, app, alice, make_zip({"outbox.json": outbox(good)}), 422, "no actor.json"
    )
    not_collection = make_zip({"actor.json": actor_json(), "outbox.json": {"type": "Note"}})
    await _refused(client, db, app, alice, not_collection, 422, "OrderedCollection")
    broken_json = make_zip({"actor.json": actor_json(), "outbox.json": b"{not json"})
    await _refused(client, db, app, alice, broken_json, 422, "not valid JSON")
    traversal = make_zip(
        {"actor.json": actor_json(), "outbox.json": outbox(good), "../../evil.png": b"x"}
    )
    await _refused(client, db, app, alice, traversal, 422, "unsafe entry name")
    absolute = make_zip(
        {"actor.json": actor_json(), "outbox.json": outbox(good), "/etc/evil": b"x"}
    )
    await _refused(client, db, app, alice, absolute, 422, "unsafe entry name")
    mallory = "https://evil.example/users/mallory"
    foreign = make_zip(
        {
            "actor.json": actor_json(),
            "outbox.json": outbox([*good, mastodon_create(2, "2022-01-02T00:00:00Z", "x",
                                                          actor=mallory)]),
        }
    )  # fmt: skip
    await _refused(client, db, app, alice, foreign, 422, "another actor")
    foreign_boost = make_zip(
        {"actor.json": actor_json(), "outbox.json": outbox([announce(3, "2022-01-01", mallory)])}
    )
    await _refused(client, db, app, alice, foreign_boost, 422, "another actor")
    attributed = mastodon_create(2, "2022-01-02T00:00:00Z", "x")
    attributed["object"]["attributedTo"] = mallory
    misattributed = make_zip({"actor.json": actor_json(), "outbox.json": outbox([attributed])})
    await _refused(client, db, app, alice, misattributed, 422, "another actor")
    deep: dict = {"type": "Note"}
    for _ in range(40):
        deep = {"x": deep}
    nested = make_zip({"actor.json": actor_json(), "outbox.json": outbox([deep])})
    await _refused(client, db, app, alice, nested, 422, "nested")
    missing = await client.post(
        "/api/v1/pleroma/history_import", data={"x": "1"}, headers=alice.headers
    )
    assert (missing.status_code, missing.json()) == (422, {"error": "file: is required"})


@pytest.mark.parametrize("settings_overrides", [{"history_import_max_size": 20_000}])
async def test_archives_over_the_caps_are_refused(app, client, factory, db, monkeypatch):
    alice = await factory.user("alice")
    good = [mastodon_create(1, "2022-01-01T00:00:00Z", "<p>hi</p>")]
    padding = bytes(range(256)) * 200
    big = make_zip(
        {"actor.json": actor_json(), "outbox.json": outbox(good), "pad.bin": padding},
        compression=zipfile.ZIP_STORED,
    )
    await _refused(client, db, app, alice, big, 413, "too large")
    # A zip bomb: a few kilobytes that inflate past four times the cap.
    bomb = make_zip(
        {"actor.json": actor_json(), "outbox.json": outbox(good), "zeros": bytes(2_000_000)}
    )
    assert len(bomb) < 20_000
    await _refused(client, db, app, alice, bomb, 413, "too large once uncompressed")
    # Too many entries, refused from the zip's end record before its directory is read.
    monkeypatch.setattr(history_archive, "MAX_ENTRIES", 3)
    many = make_zip({"actor.json": actor_json(), "outbox.json": outbox(good), "a": b"", "b": b""})
    await _refused(client, db, app, alice, many, 413, "more than 3 entries")
    monkeypatch.undo()
    # Under the caps it goes through.
    accepted = await _upload(client, alice, mastodon_archive(good))
    assert accepted.status_code == 202


async def test_auth_scopes_and_one_import_at_a_time(app, client, factory, db):
    alice = await factory.user("alice")
    reader = await factory.user("reader", scopes=["read:statuses"])
    archive = mastodon_archive([mastodon_create(1, "2022-01-01T00:00:00Z", "<p>hi</p>")])
    for prefix in PREFIXES:
        url = f"{prefix}/history_import"
        anonymous = await client.post(url, files={"file": ("a.zip", archive)})
        assert anonymous.status_code == 401 and "error" in anonymous.json()
        assert (await client.get(url)).status_code == 401
        wrong_scope = await _upload(client, reader, archive, prefix)
        assert wrong_scope.status_code == 403 and "error" in wrong_scope.json()
        none_yet = await _progress(client, reader, prefix)
        assert (none_yet.status_code, none_yet.json()) == (404, {"error": "No history import"})
    assert await _count(db, select(Job).where(Job.kind == HISTORY_IMPORT_JOB)) == 0

    assert (await _upload(client, alice, archive)).status_code == 202
    busy = await _upload(client, alice, archive, "/api/pleroma")
    assert (busy.status_code, busy.json()) == (
        409,
        {"error": "A history import is already running"},
    )
    assert await _count(db, select(Job).where(Job.kind == HISTORY_IMPORT_JOB)) == 1
    await drain(app)
    assert (await _progress(client, alice)).json()["imported"] == 1
    assert len(await _statuses(client, alice)) == 1


async def test_an_import_continues_across_chunks(app, client, factory, db, monkeypatch):
    from pyleroma.services.accounts import history_import

    monkeypatch.setattr(history_import, "CHUNK_SIZE", 2)
    alice = await factory.user("alice")
    items = [
        mastodon_create(n, f"2022-01-{n:02d}T00:00:00Z", f"<p>post {n}</p>") for n in range(1, 6)
    ]
    items[4]["object"]["inReplyTo"] = f"{ACTOR}/statuses/1"  # a parent from an earlier chunk
    response = await _upload(client, alice, mastodon_archive(items))
    assert response.status_code == 202
    await drain(app)
    statuses = await _statuses(client, alice)
    assert [s["content"] for s in statuses] == [f"<p>post {n}</p>" for n in (5, 4, 3, 2, 1)]
    assert statuses[0]["in_reply_to_id"] == statuses[-1]["id"]
    progress = (await _progress(client, alice)).json()
    assert (progress["state"], progress["imported"], progress["total"]) == ("done", 5, 5)
    # One job per chunk and one to finish.
    assert await _count(db, select(Job).where(Job.kind == HISTORY_IMPORT_JOB)) == 4


async def test_a_failed_chunk_is_retried_without_duplicates_or_stray_files(
    app, client, factory, db, monkeypatch
):
    from pyleroma.jobs import history_import_jobs

    real = history_import_jobs.import_items
    calls = []

    async def failing_once(*args):
        result = await real(*args)
        calls.append(result.imported)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return result

    monkeypatch.setattr(history_import_jobs, "import_items", failing_once)
    alice = await factory.user("alice")
    archive = mastodon_archive(
        mastodon_items("https://else.example/users/x"), media=mastodon_media()
    )
    assert (await _upload(client, alice, archive)).status_code == 202
    await drain(app)
    assert calls == [3] and await _count(db, select(Status)) == 0
    uploads = app.state.settings.uploads_dir
    assert not [p for p in uploads.rglob("*") if p.is_file()]  # the first try's image removed
    assert (await _progress(client, alice)).json()["state"] == "pending"

    async with db() as session:  # make the retry due now
        job = (await session.scalars(select(Job).where(Job.kind == HISTORY_IMPORT_JOB))).one()
        assert job.attempt == 1
        job.scheduled_at = job.created_at
        await session.commit()
    await drain(app)
    assert calls == [3, 3]
    assert len(await _statuses(client, alice)) == 3
    assert len([p for p in uploads.rglob("*") if p.is_file()]) == 1
    assert (await _progress(client, alice)).json()["imported"] == 3
