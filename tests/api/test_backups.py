"""Pleroma's account backups (under both prefixes): a POST queues a job that writes the zip
(actor, outbox, likes, bookmarks, followers, following and the media files), the list shows
its state and progress, the owner is mailed the link, the link downloads the archive, one
backup per backup_limit_days, retries start over, and old backups are purged."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import orjson
import pytest
from sqlalchemy import select, update

from pyleroma.db.base import utcnow
from pyleroma.models import Account, Backup, Job, MediaAttachment, Status
from pyleroma.services.accounts import backups
from tests.api.timeline_helpers import drain, follow
from tests.factories import DEFAULT_PASSWORD
from tests.mail_server import html_of, mailer_settings, text_of
from tests.media_samples import png_bytes

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
BASE = "http://pyleroma.test"
ENTITY_KEYS = {
    "id",
    "content_type",
    "url",
    "file_size",
    "processed",
    "state",
    "processed_number",
    "inserted_at",
}


@pytest.fixture
def settings_overrides(smtp_inbox):
    return mailer_settings(smtp_inbox)


async def _create(client, user, prefix="/api/v1/pleroma"):
    return await client.post(f"{prefix}/backups", headers=user.headers)


async def _list(client, user, prefix="/api/v1/pleroma") -> list[dict]:
    response = await client.get(f"{prefix}/backups", headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _rows(db, account_id=None) -> list[Backup]:
    async with db() as session:
        stmt = select(Backup).order_by(Backup.id)
        if account_id is not None:
            stmt = stmt.where(Backup.account_id == account_id)
        return list(await session.scalars(stmt))


async def _jobs(db, kind) -> list[Job]:
    async with db() as session:
        return list(await session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)))


async def _make_due(db, kind) -> None:
    async with db() as session:
        await session.execute(
            update(Job)
            .where(Job.kind == kind, Job.state == "available")
            .values(scheduled_at=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()


async def _age(db, backup_id, days) -> None:
    async with db() as session:
        await session.execute(
            update(Backup)
            .where(Backup.id == backup_id)
            .values(created_at=utcnow() - dt.timedelta(days=days))
        )
        await session.commit()


def _path(app, backup: Backup):
    return backups.archive_path(app.state.settings, backup.file_name)


def _read(archive: zipfile.ZipFile, name: str):
    return orjson.loads(archive.read(name))


async def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


async def _world(client, factory):
    """alice with posts of every visibility (one with an image), a reblog, a favourite, two
    bookmarks, an avatar, a follow of bob and carol following her."""
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    await follow(client, alice, bob)
    await follow(client, carol, alice)
    await _ok(
        await client.patch(
            "/api/v1/accounts/update_credentials",
            headers=alice.headers,
            files={"avatar": ("me.png", png_bytes((32, 32)), "image/png")},
        )
    )
    media = await _ok(
        await client.post(
            "/api/v1/media",
            headers=alice.headers,
            files={"file": ("pic.png", png_bytes((40, 30), noise=True), "image/png")},
            data={"description": "a picture"},
        )
    )
    posts = {}
    for text, visibility in (
        ("first public", "public"),
        ("for followers", "private"),
        ("quietly", "unlisted"),
        ("hi @bob", "direct"),
    ):
        posts[visibility] = await _ok(
            await client.post(
                "/api/v1/statuses",
                headers=alice.headers,
                json={"status": text, "visibility": visibility},
            )
        )
    posts["media"] = await _ok(
        await client.post(
            "/api/v1/statuses",
            headers=alice.headers,
            json={"status": "with a picture", "media_ids": [media["id"]]},
        )
    )
    bobs = await _ok(
        await client.post("/api/v1/statuses", headers=bob.headers, json={"status": "bob's"})
    )
    await _ok(await client.post(f"/api/v1/statuses/{bobs['id']}/reblog", headers=alice.headers))
    await _ok(await client.post(f"/api/v1/statuses/{bobs['id']}/favourite", headers=alice.headers))
    for status in (bobs, posts["public"]):
        url = f"/api/v1/statuses/{status['id']}/bookmark"
        await _ok(await client.post(url, headers=alice.headers))
    return alice, bob, carol, posts, bobs


# -- creating, listing, building ----------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_a_backup_is_listed_pending_then_complete(client, factory, app, db, prefix):
    alice = await factory.user("alice")
    created = await _ok(await _create(client, alice, prefix))
    [entry] = created
    assert set(entry) == ENTITY_KEYS
    [row] = await _rows(db)
    assert entry["id"] == str(row.id) and row.account_id == alice.account.id
    assert entry["content_type"] == "application/zip"
    assert (entry["state"], entry["processed"], entry["file_size"]) == ("pending", False, 0)
    assert entry["processed_number"] == 0
    assert entry["url"] == f"{BASE}/media/backups/{row.file_name}"
    assert row.file_name.startswith("archive-alice-") and row.file_name.endswith(".zip")
    assert backups.is_file_name(row.file_name)
    assert entry["inserted_at"].endswith("Z") and entry["inserted_at"].startswith(
        row.created_at.strftime("%Y-%m-%dT%H:%M:%S.")
    )
    assert await _list(client, alice, prefix) == created

    await drain(app)
    [listed] = await _list(client, alice, prefix)
    [row] = await _rows(db)
    assert (listed["state"], listed["processed"]) == ("complete", True)
    assert listed["file_size"] == row.file_size == _path(app, row).stat().st_size > 0
    # An empty account: the actor and nothing else.
    assert listed["processed_number"] == row.processed_number == 1
    assert row.completed_at is not None
    assert not _path(app, row).with_name(row.file_name + ".part").exists()
    [job] = await _jobs(db, backups.BUILD_JOB)
    assert job.state == "completed"


async def test_the_archive_holds_the_account(client, factory, app, db):
    alice, bob, carol, posts, bobs = await _world(client, factory)
    await _ok(await _create(client, alice))
    await drain(app)
    [row] = await _rows(db)
    assert row.state == "complete"

    async with db() as session:
        account = await session.get(Account, alice.account.id)
        statuses = list(
            await session.scalars(
                select(Status).where(Status.account_id == account.id).order_by(Status.id)
            )
        )
        [media] = list(await session.scalars(select(MediaAttachment)))
    with zipfile.ZipFile(_path(app, row)) as archive:
        names = set(archive.namelist())
        actor = _read(archive, "actor.json")
        outbox = _read(archive, "outbox.json")
        likes = _read(archive, "likes.json")
        bookmarked = _read(archive, "bookmarks.json")
        following = _read(archive, "following.json")
        followers = _read(archive, "followers.json")
        media_name = f"media_attachments/files/{media.file_path}"
        media_bytes = archive.read(media_name)
        avatar_bytes = archive.read("avatar.png")

    assert (actor["id"], actor["type"]) == (account.ap_id, "Person")
    assert actor["preferredUsername"] == "alice"
    assert (actor["likes"], actor["bookmarks"]) == ("likes.json", "bookmarks.json")
    assert actor["outbox"] == account.outbox
    assert actor["publicKey"]["owner"] == account.ap_id
    assert actor["icon"]["url"] == "avatar.png"
    assert avatar_bytes == (app.state.settings.uploads_dir / account.avatar_path).read_bytes()

    assert outbox["type"] == "OrderedCollection" and outbox["id"] == "outbox.json"
    assert outbox["@context"] == "https://www.w3.org/ns/activitystreams"
    items = outbox["orderedItems"]
    # Every post (followers-only and direct too: it is the owner's copy) and the reblog.
    assert outbox["totalItems"] == len(items) == len(statuses) == 6
    assert [i["id"] for i in items] == [
        (f"{s.uri}/activity" if s.reblog_of_id is None else s.uri) for s in statuses
    ]
    creates = [i for i in items if i["type"] == "Create"]
    assert [c["object"]["content"] for c in creates] == [
        "first public",
        "for followers",
        "quietly",
        creates[3]["object"]["content"],
        "with a picture",
    ]
    assert "hi" in creates[3]["object"]["content"]
    assert all(c["actor"] == account.ap_id and c["object"]["type"] == "Note" for c in creates)
    visibility_of = {c["object"]["content"]: (c["to"], c["cc"]) for c in creates}
    assert visibility_of["for followers"] == ([account.followers_url], [])
    assert creates[3]["to"] == [bob.account.ap_id]
    [announce] = [i for i in items if i["type"] == "Announce"]
    async with db() as session:
        bobs_uri = (await session.get(Status, int(bobs["id"]))).uri
        public_uri = (await session.get(Status, int(posts["public"]["id"]))).uri
    assert announce["object"] == bobs_uri and announce["actor"] == account.ap_id
    [attachment] = creates[4]["object"]["attachment"]
    assert attachment["url"] == media_name and attachment["name"] == "a picture"
    assert media_bytes == (app.state.settings.uploads_dir / media.file_path).read_bytes()
    served = await client.get(f"/media/{media.file_path}")
    assert served.content == media_bytes

    assert (likes["type"], likes["orderedItems"], likes["totalItems"]) == (
        "OrderedCollection",
        [bobs_uri],
        1,
    )
    assert bookmarked["orderedItems"] == [bobs_uri, public_uri]
    assert bookmarked["totalItems"] == 2
    assert following["orderedItems"] == [bob.account.ap_id] and following["totalItems"] == 1
    assert followers["orderedItems"] == [carol.account.ap_id]
    assert names >= {"bookmarks.json", "likes.json", "followers.json", "following.json"}
    # actor + 6 outbox items + 1 like + 2 bookmarks + 1 follower + 1 followed + avatar + image
    assert row.processed_number == 14


async def test_large_accounts_are_read_in_pages(client, factory, app, db, monkeypatch):
    """More posts than a page holds: every one arrives once, oldest first, and the progress
    is written to the row as the build goes."""
    from pyleroma.services.accounts import backup_archive

    monkeypatch.setattr(backup_archive, "PAGE", 3)
    monkeypatch.setattr(backups, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    real = backups._set_progress

    async def spy(sessionmaker, backup_id, count):
        seen.append(count)
        await real(sessionmaker, backup_id, count)

    monkeypatch.setattr(backups, "_set_progress", spy)
    alice = await factory.user("alice")
    for n in range(8):
        await factory.status(alice.account, f"post {n}")
    await _ok(await _create(client, alice))
    await drain(app)
    [row] = await _rows(db)
    with zipfile.ZipFile(_path(app, row)) as archive:
        outbox = _read(archive, "outbox.json")
    assert outbox["totalItems"] == 8
    assert [i["object"]["content"] for i in outbox["orderedItems"]] == [
        f"post {n}" for n in range(8)
    ]
    assert seen and seen == sorted(seen) and seen[-1] <= 9
    assert row.processed_number == 9


# -- the mail and the download ------------------------------------------------------------------


async def test_the_owner_is_mailed_a_link_that_downloads_the_archive(
    client, factory, app, db, smtp_inbox
):
    alice = await factory.user("alice")
    await factory.status(alice.account, "something")
    [entry] = await _ok(await _create(client, alice))
    assert smtp_inbox.messages == []  # nothing before the archive is ready
    await drain(app)
    [message] = smtp_inbox.messages
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == "Your account archive is ready"
    assert entry["url"] in text_of(message)
    assert f'href="{entry["url"]}"' in html_of(message)

    download = await client.get(entry["url"][len(BASE) :])  # no credentials: the link is one
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["content-disposition"].startswith("attachment;")
    [row] = await _rows(db)
    assert row.file_name in download.headers["content-disposition"]
    assert download.content == _path(app, row).read_bytes()
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert _read(archive, "outbox.json")["totalItems"] == 1


@pytest.mark.parametrize("settings_overrides", [{"mailer_enabled": False}])
async def test_no_mail_with_the_mailer_off(client, factory, app, db):
    alice = await factory.user("alice")
    await _ok(await _create(client, alice))
    await drain(app)
    assert [r.state for r in await _rows(db)] == ["complete"]
    assert await _jobs(db, "mail.send") == []


async def test_no_mail_without_an_email_address(client, factory, app, db, smtp_inbox):
    alice = await factory.user("alice")
    async with db() as session:
        await session.execute(
            update(Account).where(Account.id == alice.account.id).values(email=None)
        )
        await session.commit()
    await _ok(await _create(client, alice))
    await drain(app)
    assert [r.state for r in await _rows(db)] == ["complete"]
    assert smtp_inbox.messages == []


async def test_who_may_download(client, factory, app, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    [pending] = await _ok(await _create(client, alice))
    path = pending["url"][len(BASE) :]
    # Not built yet.
    assert (await client.get(path, headers=alice.headers)).status_code == 404
    await drain(app)

    owner = await client.get(path, headers=alice.headers)
    assert owner.status_code == 200 and owner.headers["content-type"] == "application/zip"
    other = await client.get(path, headers=bob.headers)
    assert (other.status_code, other.json()) == (404, {"error": "Record not found"})
    bad_token = await client.get(path, headers={"Authorization": "Bearer nope"})
    assert bad_token.status_code == 401
    [row] = await _rows(db)
    guessed = row.file_name[:-8] + "AAAA.zip"
    assert (await client.get(f"/media/backups/{guessed}")).status_code == 404
    for name in ("..%2F..%2Fpyleroma.sqlite3", "archive-alice.zip", row.file_name + ".part"):
        assert (await client.get(f"/media/backups/{name}")).status_code == 404

    # Gone from disk: 404, not a 500.
    _path(app, row).unlink()
    assert (await client.get(path, headers=alice.headers)).status_code == 404


# -- the limit, retries, purging ----------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_one_backup_per_limit_days(client, factory, app, db, prefix):
    alice = await factory.user("alice")
    await _ok(await _create(client, alice, prefix))
    again = await _create(client, alice, prefix)
    assert (again.status_code, again.json()) == (
        400,
        {"error": "Last export was less than 7 days ago"},
    )
    [row] = await _rows(db)
    assert len(await _jobs(db, backups.BUILD_JOB)) == 1

    await _age(db, row.id, 7)
    assert len(await _ok(await _create(client, alice, prefix))) == 2
    assert len(await _rows(db)) == 2


@pytest.mark.parametrize("settings_overrides", [{"backup_limit_days": 1}])
async def test_the_limit_message_of_one_day(client, factory):
    alice = await factory.user("alice")
    await _ok(await _create(client, alice))
    again = await _create(client, alice)
    assert (again.status_code, again.json()) == (
        400,
        {"error": "Last export was less than a day ago"},
    )


async def test_a_failed_build_is_retried_from_scratch_then_marked_failed(
    client, factory, app, db, monkeypatch
):
    alice = await factory.user("alice")
    await factory.status(alice.account, "keep me")
    real = backups.write_archive
    failures = {"left": 1}

    async def flaky(sessionmaker, settings, account_id, path, progress):
        if failures["left"]:
            failures["left"] -= 1
            path.write_bytes(b"half an archive")
            raise OSError("disk full")
        return await real(sessionmaker, settings, account_id, path, progress)

    monkeypatch.setattr(backups, "write_archive", flaky)
    await _ok(await _create(client, alice))
    await drain(app)
    [row] = await _rows(db)
    [job] = await _jobs(db, backups.BUILD_JOB)
    assert (row.state, row.processed_number) == ("pending", 0)
    assert (job.state, job.attempt) == ("available", 1) and "disk full" in job.last_error
    assert not list(backups.backups_dir(app.state.settings).iterdir())  # the half file went

    await _make_due(db, backups.BUILD_JOB)
    await drain(app)
    [row] = await _rows(db)
    assert (row.state, row.processed_number) == ("complete", 2)
    with zipfile.ZipFile(_path(app, row)) as archive:
        assert _read(archive, "outbox.json")["totalItems"] == 1

    # Failing every attempt: failed, and it does not count against the limit.
    failures["left"] = 99
    async with db() as session:
        await session.execute(update(Backup).values(created_at=utcnow() - dt.timedelta(days=8)))
        await session.commit()
    await _ok(await _create(client, alice))
    for _ in range(3):
        await _make_due(db, backups.BUILD_JOB)
        await drain(app)
    newest = (await _list(client, alice))[0]
    assert (newest["state"], newest["processed"]) == ("failed", False)
    assert (await _jobs(db, backups.BUILD_JOB))[-1].state == "discarded"
    failures["left"] = 0
    assert len(await _ok(await _create(client, alice))) >= 2


@pytest.mark.parametrize("settings_overrides", [{"backup_limit_days": 0}])
async def test_only_the_newest_backup_is_kept(client, factory, app, db):
    alice = await factory.user("alice")
    await _ok(await _create(client, alice))
    await drain(app)
    [first] = await _rows(db)
    await _ok(await _create(client, alice))
    await drain(app)
    [second] = await _rows(db)
    assert second.id != first.id and second.state == "complete"
    assert not _path(app, first).exists() and _path(app, second).exists()


async def test_expired_backups_are_purged(client, factory, app, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await _ok(await _create(client, alice))
    await _ok(await _create(client, bob))
    await drain(app)
    first, bobs = await _rows(db)
    deletions = await _jobs(db, backups.DELETE_JOB)
    assert [j.args["backup_id"] for j in deletions] == [first.id, bobs.id]
    assert all(
        abs(j.scheduled_at - (r.created_at + dt.timedelta(days=30))) < dt.timedelta(seconds=5)
        for j, r in zip(deletions, (first, bobs), strict=True)
    )
    assert all(j.state == "available" for j in deletions)  # not due yet

    # Its delete job, once due, removes file and row.
    await _age(db, bobs.id, 31)
    async with db() as session:
        await session.execute(
            update(Job)
            .where(Job.id == deletions[1].id)
            .values(scheduled_at=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()
    await drain(app)
    assert [r.id for r in await _rows(db)] == [first.id]
    assert not _path(app, bobs).exists()
    assert await _list(client, bob) == []

    # The next request sweeps the owner's expired ones too.
    await _age(db, first.id, 31)
    created = await _ok(await _create(client, alice))
    assert [e["id"] for e in created] != [str(first.id)] and len(created) == 1
    assert not _path(app, first).exists()
    assert [r.id for r in await _rows(db, alice.account.id)] == [int(created[0]["id"])]


# -- auth ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_auth_and_scopes(client, factory, db, prefix):
    assert (await client.get(f"{prefix}/backups")).status_code == 401
    anonymous = await client.post(f"{prefix}/backups")
    assert anonymous.status_code == 401 and "error" in anonymous.json()
    writer = await factory.user("writer", scopes=["write"])
    for method in ("GET", "POST"):
        refused = await client.request(method, f"{prefix}/backups", headers=writer.headers)
        assert refused.status_code == 403 and "error" in refused.json()
    assert await _rows(db) == []
    for scope in ("read:backups", "read:accounts", "read"):
        user = await factory.user(scopes=[scope])
        assert len(await _ok(await _create(client, user, prefix))) == 1
        assert len(await _list(client, user, prefix)) == 1
    assert len(await _rows(db)) == 3


async def test_local_only_posts_are_in_the_outbox_addressed_to_the_instance(
    client, factory, app, db
):
    alice = await factory.user("alice")
    local = await _ok(
        await client.post(
            "/api/v1/statuses",
            headers=alice.headers,
            json={"status": "only here", "visibility": "local"},
        )
    )
    await _ok(await client.post(f"/api/v1/statuses/{local['id']}/reblog", headers=alice.headers))
    await _ok(await _create(client, alice))
    await drain(app)
    [row] = await _rows(db)
    with zipfile.ZipFile(_path(app, row)) as archive:
        create, announce = _read(archive, "outbox.json")["orderedItems"]
    followers = alice.account.followers_url
    assert create["type"] == "Create" and create["object"]["content"] == "only here"
    for document in (create, create["object"], announce):
        assert (document["to"], document["cc"]) == ([f"{BASE}/#Public"], [followers])
    assert announce["type"] == "Announce" and announce["object"] == create["object"]["id"]


async def test_deleting_the_account_deletes_its_archives(client, factory, app, db):
    alice = await factory.user("alice")
    await _ok(await _create(client, alice))
    await drain(app)
    [row] = await _rows(db)
    assert _path(app, row).exists()
    deleted = await client.post(
        "/api/pleroma/delete_account", data={"password": DEFAULT_PASSWORD}, headers=alice.headers
    )
    assert deleted.json() == {"status": "success"}
    await drain(app)
    assert await _rows(db) == []
    assert not _path(app, row).exists()
