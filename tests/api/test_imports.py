"""Pleroma's follow, block and mute imports (under both prefixes): lists of handles and
Mastodon CSV exports, as a string or an uploaded file, carried out by jobs in chunks."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select

from pyleroma.db.ids import new_id
from pyleroma.models import Account, Block, Follow, Job, Mute, Notification
from pyleroma.services.accounts.imports import CHUNK, IMPORT_JOB, Entry, parse_list
from tests.api.timeline_helpers import drain

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
STARTED = "job started"


async def _post(client, user, path, prefix="/api/pleroma", **kwargs):
    return await client.post(f"{prefix}/{path}", headers=user.headers if user else {}, **kwargs)


async def _rows(db, model, account_id) -> dict[int, object]:
    async with db() as session:
        rows = await session.scalars(select(model).where(model.account_id == int(account_id)))
        return {row.target_id: row for row in rows}


async def _follows(db, account_id) -> dict[int, Follow]:
    async with db() as session:
        rows = await session.scalars(select(Follow).where(Follow.follower_id == int(account_id)))
        return {row.followed_id: row for row in rows}


async def _import_jobs(db) -> list[Job]:
    async with db() as session:
        return list((await session.scalars(select(Job).where(Job.kind == IMPORT_JOB))).all())


# --- reading lists ---------------------------------------------------------------------------


def test_parse_list_reads_handles_urls_and_csv():
    text = "bob  @carol@social.example\n\nhttps://x.example/users/dave\t eve@x.example bob\n"
    assert [e.acct for e in parse_list(text)] == [
        "bob",
        "carol@social.example",
        "https://x.example/users/dave",
        "eve@x.example",
    ]
    csv = (
        "\ufeffAccount address,Show boosts,Notify on new posts,Languages\n"
        'bob@a.example,false,true,"en, de"\n'
        "carol@a.example,true,false,\n"
        "dave@a.example\n"
    )
    assert parse_list(csv) == [
        Entry("bob@a.example", reblogs=False, notify=True),
        Entry("carol@a.example", reblogs=True, notify=False),
        Entry("dave@a.example"),
    ]
    mutes = "Account address,Hide notifications\nbob@a.example,false\n@carol@a.example,true\n"
    assert parse_list(mutes) == [
        Entry("bob@a.example", hide=False),
        Entry("carol@a.example", hide=True),
    ]
    # A comma without a header: the first field only, as Pleroma reads it.
    assert [e.acct for e in parse_list("bob@a.example,true\ncarol\n")] == [
        "bob@a.example",
        "carol",
    ]
    # Not accounts at all: skipped.
    assert parse_list("<script> a@@b !!! ftp://x.example/u") == []


# --- follows ---------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_follow_import_of_a_plain_list_follows_through_jobs(app, client, factory, db, prefix):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    dave = await factory.user("dave")
    listing = "bob\n@carol@pyleroma.test nobody  http://pyleroma.test/users/dave\nalice\n"

    response = await _post(client, alice, "follow_import", prefix, data={"list": listing})
    assert (response.status_code, response.json()) == (200, STARTED)
    assert await _follows(db, alice.id) == {}  # nothing yet: the work is a job
    [job] = await _import_jobs(db)
    assert job.args["kind"] == "follow"
    assert [e["acct"] for e in job.args["entries"]] == [
        "bob",
        "carol@pyleroma.test",
        "nobody",
        "http://pyleroma.test/users/dave",
        "alice",
    ]

    await drain(app)
    follows = await _follows(db, alice.id)
    assert set(follows) == {bob.account.id, carol.account.id, dave.account.id}
    assert all(f.show_reblogs and not f.notify for f in follows.values())
    async with db() as session:
        assert (await session.get(Account, alice.account.id)).following_count == 3
        assert (await session.get(Account, bob.account.id)).followers_count == 1
        notified = await session.scalars(
            select(Notification.account_id).where(
                Notification.from_account_id == alice.account.id, Notification.type == "follow"
            )
        )
        assert sorted(notified) == sorted([bob.account.id, carol.account.id, dave.account.id])


async def test_follow_import_of_a_mastodon_csv_keeps_its_options(app, client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    dave = await factory.user("dave")
    csv = (
        "Account address,Show boosts,Notify on new posts,Languages\n"
        'bob@pyleroma.test,false,true,"en, de"\n'
        "carol@pyleroma.test,true,false,\n"
        "dave,,,\n"
        "ghost@pyleroma.test,true,true,\n"
    )
    response = await _post(client, alice, "follow_import", json={"list": csv})
    assert (response.status_code, response.json()) == (200, STARTED)
    await drain(app)

    follows = await _follows(db, alice.id)
    assert set(follows) == {bob.account.id, carol.account.id, dave.account.id}
    assert (follows[bob.account.id].show_reblogs, follows[bob.account.id].notify) == (False, True)
    assert (follows[carol.account.id].show_reblogs, follows[carol.account.id].notify) == (
        True,
        False,
    )
    assert (follows[dave.account.id].show_reblogs, follows[dave.account.id].notify) == (
        True,
        False,
    )


async def test_follow_import_reads_an_uploaded_file(app, client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    upload = {"list": ("following.csv", b"\xef\xbb\xbfbob\r\ncarol\r\n", "text/csv")}
    response = await _post(client, alice, "follow_import", "/api/v1/pleroma", files=upload)
    assert (response.status_code, response.json()) == (200, STARTED)
    await drain(app)
    assert set(await _follows(db, alice.id)) == {bob.account.id, carol.account.id}


async def test_follow_import_skips_blocks_and_oneself(app, client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    dave = await factory.user("dave")
    assert (
        await client.post(f"/api/v1/accounts/{alice.id}/block", headers=carol.headers)
    ).status_code == 200
    assert (
        await client.post(f"/api/v1/accounts/{dave.id}/block", headers=alice.headers)
    ).status_code == 200
    response = await _post(client, alice, "follow_import", data={"list": "alice bob carol dave"})
    assert response.status_code == 200
    await drain(app)
    assert set(await _follows(db, alice.id)) == {bob.account.id}


async def test_follow_import_is_split_into_chunks(client, factory, db):
    alice = await factory.user("alice")
    listing = " ".join(f"user{n}@nowhere.invalid" for n in range(CHUNK * 2 + 5))
    response = await _post(client, alice, "follow_import", data={"list": listing})
    assert response.status_code == 200
    jobs = sorted(await _import_jobs(db), key=lambda job: job.id)
    assert [len(job.args["entries"]) for job in jobs] == [CHUNK, CHUNK, 5]
    assert jobs[1].args["entries"][0] == {"acct": f"user{CHUNK}@nowhere.invalid"}
    assert {job.args["account_id"] for job in jobs} == {alice.account.id}


async def _bulk_accounts(db, count: int) -> list[int]:
    """``count`` local accounts written in one statement (no keys, no password hashing)."""
    rows = [
        {
            "id": new_id(),
            "nickname": f"bulk{n}",
            "nickname_key": f"bulk{n}",
            "local": True,
            "ap_id": f"http://pyleroma.test/users/bulk{n}",
        }
        for n in range(count)
    ]
    async with db() as session:
        await session.execute(insert(Account), rows)
        await session.commit()
    return [row["id"] for row in rows]


async def test_a_ten_thousand_line_list_answers_at_once_and_jobs_follow_them_all(
    app, client, factory, db
):
    """Ten thousand lines: the request only queues the chunks. Most names are unknown here
    (skipped in one lookup per chunk); the 250 that exist are followed through the follow
    pipeline, counters and notifications included."""
    alice = await factory.user("alice")
    ids = await _bulk_accounts(db, 250)
    real = iter(range(250))
    listing = "\n".join(f"bulk{next(real)}" if n % 40 == 0 else f"nobody{n}" for n in range(10_000))

    response = await _post(client, alice, "follow_import", data={"list": listing})
    assert (response.status_code, response.json()) == (200, STARTED)
    assert len(await _import_jobs(db)) == 10_000 // CHUNK
    assert await _follows(db, alice.id) == {}

    await drain(app)
    async with db() as session:
        followed = await session.scalars(
            select(Follow.followed_id).where(Follow.follower_id == alice.account.id)
        )
        assert set(followed) == set(ids)
        assert (await session.get(Account, alice.account.id)).following_count == 250
        assert (await session.get(Account, ids[-1])).followers_count == 1
        notified = await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.from_account_id == alice.account.id)
        )
        assert notified == 250
        pending = await session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.kind == IMPORT_JOB, Job.state != "completed")
        )
        assert pending == 0


# --- blocks and mutes ------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_blocks_import_blocks_and_severs_follows(app, client, factory, db, prefix):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    assert (
        await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    ).status_code == 200
    upload = {"list": ("blocks.csv", b"bob@pyleroma.test\n@carol\nghost\n", "text/csv")}
    response = await _post(client, alice, "blocks_import", prefix, files=upload)
    assert (response.status_code, response.json()) == (200, STARTED)
    assert await _rows(db, Block, alice.id) == {}
    await drain(app)
    assert set(await _rows(db, Block, alice.id)) == {bob.account.id, carol.account.id}
    assert await _follows(db, alice.id) == {}


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_mutes_import_keeps_hide_notifications(app, client, factory, db, prefix):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    dave = await factory.user("dave")
    csv = "Account address,Hide notifications\nbob,false\ncarol,true\n"
    response = await _post(client, alice, "mutes_import", prefix, data={"list": csv})
    assert (response.status_code, response.json()) == (200, STARTED)
    assert (
        await _post(client, alice, "mutes_import", prefix, json={"list": "dave"})
    ).status_code == 200
    await drain(app)
    mutes = await _rows(db, Mute, alice.id)
    assert set(mutes) == {bob.account.id, carol.account.id, dave.account.id}
    assert mutes[bob.account.id].hide_notifications is False
    assert mutes[carol.account.id].hide_notifications is True
    assert mutes[dave.account.id].hide_notifications is True
    assert await _follows(db, alice.id) == {}


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("follow_import", "write:follows"),
        ("blocks_import", "write:blocks"),
        ("mutes_import", "write:mutes"),
    ],
)
async def test_imports_need_a_token_with_the_right_scope(client, factory, db, path, scope):
    await factory.user("bob")
    reader = await factory.user("reader", scopes=["read", "write:statuses"])
    narrow = await factory.user("narrow", scopes=[scope])
    old_style = await factory.user("oldstyle", scopes=["follow"])
    for prefix in PREFIXES:
        anonymous = await client.post(f"{prefix}/{path}", data={"list": "bob"})
        assert anonymous.status_code == 401
        assert "error" in anonymous.json()
        refused = await _post(client, reader, path, prefix, data={"list": "bob"})
        assert refused.status_code == 403
        assert refused.json()["error"].startswith("Insufficient permissions")
    assert await _import_jobs(db) == []
    assert (await _post(client, narrow, path, data={"list": "bob"})).status_code == 200
    assert (await _post(client, old_style, path, data={"list": "bob"})).status_code == 200
    assert len(await _import_jobs(db)) == 2


async def test_import_refuses_missing_empty_and_unreadable_lists(client, factory, db):
    alice = await factory.user("alice")
    for path in ("follow_import", "blocks_import", "mutes_import"):
        missing = await _post(client, alice, path, data={"other": "x"})
        assert (missing.status_code, missing.json()) == (400, {"error": "Missing field: list."})
        empty = await _post(client, alice, path, data={"list": "  \n "})
        assert (empty.status_code, empty.json()) == (422, {"error": "list: names no account"})
    garbage = await _post(client, alice, "follow_import", data={"list": "<b> !!! a@@b"})
    assert garbage.status_code == 422
    not_text = await _post(
        client, alice, "follow_import", files={"list": ("x.bin", b"\xff\xfe\x00bob", "x/y")}
    )
    assert (not_text.status_code, not_text.json()) == (
        422,
        {"error": "list: the file is not UTF-8 text"},
    )
    nul = await _post(
        client, alice, "follow_import", files={"list": ("x", b"bob\x00", "text/plain")}
    )
    assert nul.status_code == 422
    wrong_type = await _post(client, alice, "follow_import", json={"list": ["bob"]})
    assert wrong_type.status_code == 422
    assert "error" in wrong_type.json()
    assert await _import_jobs(db) == []


@pytest.mark.parametrize("settings_overrides", [{"import_max_accounts": 3}])
async def test_import_refuses_a_list_longer_than_the_limit(client, factory, db):
    alice = await factory.user("alice")
    too_long = await _post(client, alice, "follow_import", data={"list": "a b c d"})
    assert too_long.status_code == 422
    assert too_long.json() == {"error": "list: names 4 accounts; at most 3 can be imported at once"}
    assert await _import_jobs(db) == []
    # Repeated names count once.
    fits = await _post(client, alice, "follow_import", data={"list": "a b c a @b"})
    assert fits.status_code == 200
    [job] = await _import_jobs(db)
    assert [e["acct"] for e in job.args["entries"]] == ["a", "b", "c"]
