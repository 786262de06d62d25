"""Pleroma's disable_account, delete_account and notification_settings (both prefixes):
what each answers, what is stored, and what the account can still do afterwards."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.federation.keys import ensure_keys
from pyleroma.models import (
    Account,
    AccountTombstone,
    Job,
    MediaAttachment,
    OAuthToken,
    Status,
)
from pyleroma.services.accounts import account_removal
from pyleroma.services.accounts.account_management import DELETE_ACCOUNT_JOB
from tests import media_samples as samples
from tests.api.notification_helpers import mention, stored
from tests.api.oauth_helpers import password_grant
from tests.api.push_helpers import subscribe
from tests.api.relationship_helpers import remote_account, set_fields
from tests.api.status_read_helpers import get_row
from tests.api.test_media import stored as media_file
from tests.api.test_media import upload
from tests.api.timeline_helpers import drain, follow
from tests.factories import DEFAULT_PASSWORD
from tests.jobs.push_server import PushServer, decrypt

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
SUCCESS = {"status": "success"}
WRONG = {"error": "Invalid password."}


async def _account(db, account_id) -> Account | None:
    async with db() as session:
        return await session.get(Account, int(account_id))


async def _tokens(db, account_id) -> int:
    async with db() as session:
        query = select(func.count()).where(OAuthToken.account_id == int(account_id))
        return await session.scalar(query)


async def _jobs(db, kind) -> list[Job]:
    async with db() as session:
        return list((await session.scalars(select(Job).where(Job.kind == kind))).all())


async def _statuses_of(db, account_id) -> int:
    async with db() as session:
        query = select(func.count()).where(Status.account_id == int(account_id))
        return await session.scalar(query)


async def _common_errors(client, factory, db, path, method="POST") -> None:
    """No token 401, a token without write:accounts 403, a password that is not a string
    422: each answers {"error": ...}."""
    response = await client.request(method, path, json={"password": DEFAULT_PASSWORD})
    assert response.status_code == 401 and "error" in response.json()
    reader = await factory.user(scopes=["read", "write:statuses"])
    response = await client.request(
        method, path, json={"password": DEFAULT_PASSWORD}, headers=reader.headers
    )
    assert response.status_code == 403 and "error" in response.json()
    assert (await _account(db, reader.id)).is_active


# --- disable_account ---------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_disable_account_deactivates_and_ends_every_session(client, factory, db, prefix):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    other_token = await factory.token(alice.account)
    post = await factory.status(alice.account, "still here?")
    assert (await client.get(f"/api/v1/statuses/{post.id}", headers=bob.headers)).status_code == 200

    response = await client.post(
        f"{prefix}/disable_account", data={"password": DEFAULT_PASSWORD}, headers=alice.headers
    )
    assert (response.status_code, response.json()) == (200, SUCCESS)

    stored_account = await _account(db, alice.id)
    assert stored_account.is_active is False
    assert await _tokens(db, alice.id) == 0
    for token in (alice.token, other_token):
        answer = await client.get(
            "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 401
    # Nothing is deleted, but nobody else sees it any more (as Pleroma hides deactivated
    # accounts' posts), and it can't log in again.
    assert await _statuses_of(db, alice.id) == 1
    assert (await client.get(f"/api/v1/statuses/{post.id}", headers=bob.headers)).status_code == 404
    assert (await client.get(f"/api/v1/accounts/{alice.id}")).status_code == 404
    oauth_app = await client.post(
        "/api/v1/apps",
        data={"client_name": "c", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read"},
    )
    login = await password_grant(client, oauth_app.json(), "alice")
    assert login.status_code == 403
    assert await _jobs(db, DELETE_ACCOUNT_JOB) == []


async def test_disable_account_errors(client, factory, db):
    alice = await factory.user("alice")
    path = "/api/pleroma/disable_account"
    for body in ({"password": "not it"}, {}, {"password": ""}):
        response = await client.post(path, json=body, headers=alice.headers)
        assert (response.status_code, response.json()) == (403, WRONG), body
    bad = await client.post(path, json={"password": ["x"]}, headers=alice.headers)
    assert bad.status_code == 422 and "error" in bad.json()
    await _common_errors(client, factory, db, path)
    assert (await _account(db, alice.id)).is_active is True
    assert await _tokens(db, alice.id) == 1


# --- delete_account ----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_delete_account_deactivates_now_and_deletes_in_a_job(
    client, factory, db, app, prefix
):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await follow(client, alice, bob.account)
    await follow(client, bob, alice.account)
    remote = await remote_account(
        db, "far", "remote.example", inbox="http://127.0.0.1:9/users/far/inbox"
    )
    root = await factory.status(bob.account, "root")
    reply = await client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        json={"status": "@bob an answer", "in_reply_to_id": str(root.id)},
    )
    assert reply.status_code == 200
    favourite = await client.post(f"/api/v1/statuses/{root.id}/favourite", headers=alice.headers)
    assert favourite.status_code == 200
    await drain(app)
    async with db() as session:  # alice federated once: she has a key pair to sign with
        await ensure_keys(session, await session.get(Account, alice.account.id))
        await session.commit()

    response = await client.post(
        f"{prefix}/delete_account", json={"password": DEFAULT_PASSWORD}, headers=alice.headers
    )
    assert (response.status_code, response.json()) == (200, SUCCESS)
    # At once: deactivated, signed out, the job queued; nothing deleted yet.
    row = await _account(db, alice.id)
    assert row is not None and row.is_active is False
    assert await _tokens(db, alice.id) == 0
    again = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert again.status_code == 401
    [job] = await _jobs(db, DELETE_ACCOUNT_JOB)
    assert job.args == {"account_id": alice.account.id}

    await drain(app)
    assert await _account(db, alice.id) is None
    assert await _statuses_of(db, alice.id) == 0
    async with db() as session:
        tombstone = await session.get(AccountTombstone, "alice")
    assert tombstone is not None and tombstone.account_id == alice.account.id
    counted = await get_row(db, Status, root.id)
    assert (counted.replies_count, counted.favourites_count) == (0, 0)
    assert (await _account(db, bob.id)).followers_count == 0
    assert (await _account(db, bob.id)).following_count == 0
    # The Delete of the actor goes to the inboxes we know.
    deletes = [
        j.args
        for j in await _jobs(db, DELIVER_JOB)
        if j.args["activity"].get("type") == "Delete"
        and j.args["activity"]["object"] == alice.account.ap_id
    ]
    assert [d["inbox"] for d in deletes] == [remote.inbox]


async def test_a_large_account_is_deleted_in_batches_with_its_media(
    client, factory, db, app, monkeypatch
):
    monkeypatch.setattr(account_removal, "BATCH", 2)
    alice = await factory.user("alice")
    media = (await upload(client, alice, samples.png_bytes(), name="a.png")).json()
    unattached = (await upload(client, alice, samples.png_bytes(), name="b.png")).json()
    posted = await client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        json={"status": "with a picture", "media_ids": [media["id"]]},
    )
    assert posted.status_code == 200, posted.text
    for n in range(4):
        await factory.status(alice.account, f"post {n}")
    files = [media_file(app, m["url"]) for m in (media, unattached)]
    assert all(path.exists() for path in files)

    response = await client.post(
        "/api/pleroma/delete_account",
        params={"password": DEFAULT_PASSWORD},  # Pleroma still reads it from the query
        headers=alice.headers,
    )
    assert (response.status_code, response.json()) == (200, SUCCESS)
    await drain(app)

    assert await _account(db, alice.id) is None
    # 5 statuses 2 at a time, the unattached media, then the account: 5 rounds.
    rounds = sorted(j.args.get("round", 0) for j in await _jobs(db, DELETE_ACCOUNT_JOB))
    assert rounds == [0, 1, 2, 3, 4]
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(MediaAttachment)) == 0
    assert not any(path.exists() for path in files)


async def test_a_reactivated_account_is_not_deleted(client, factory, db, app):
    alice = await factory.user("alice")
    await factory.status(alice.account, "keep me")
    response = await client.post(
        "/api/v1/pleroma/delete_account", json={"password": DEFAULT_PASSWORD}, headers=alice.headers
    )
    assert response.status_code == 200
    await set_fields(db, alice.id, is_active=True)  # an admin changed their mind
    await drain(app)
    assert (await _account(db, alice.id)).is_active is True
    assert await _statuses_of(db, alice.id) == 1
    [job] = await _jobs(db, DELETE_ACCOUNT_JOB)
    assert job.state == "discarded"


async def test_delete_account_errors(client, factory, db):
    alice = await factory.user("alice")
    path = "/api/v1/pleroma/delete_account"
    for body in ({"password": "not it"}, {}):
        response = await client.post(path, json=body, headers=alice.headers)
        assert (response.status_code, response.json()) == (403, WRONG), body
    wrong_query = await client.post(path, params={"password": "nope"}, headers=alice.headers)
    assert (wrong_query.status_code, wrong_query.json()) == (403, WRONG)
    await _common_errors(client, factory, db, path)
    assert (await _account(db, alice.id)).is_active is True
    assert await _jobs(db, DELETE_ACCOUNT_JOB) == []


# --- notification_settings -------------------------------------------------------------------


async def _settings_shown(client, user) -> dict:
    response = await client.get("/api/v1/accounts/verify_credentials", headers=user.headers)
    assert response.status_code == 200
    return response.json()["pleroma"]["notification_settings"]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_notification_settings_are_stored_and_shown_to_the_owner(client, factory, db, prefix):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    path = f"{prefix}/notification_settings"
    response = await client.put(
        path, json={"block_from_strangers": True, "bar": 1}, headers=alice.headers
    )
    assert (response.status_code, response.json()) == (200, SUCCESS)
    expected = {"block_from_strangers": True, "hide_notification_contents": False}
    assert (await _account(db, alice.id)).notification_settings == expected
    assert await _settings_shown(client, alice) == expected

    # A form with "1": the other switch keeps its value.
    response = await client.put(
        path, data={"hide_notification_contents": "1"}, headers=alice.headers
    )
    assert response.status_code == 200
    expected = {"block_from_strangers": True, "hide_notification_contents": True}
    assert (await _account(db, alice.id)).notification_settings == expected
    assert await _settings_shown(client, alice) == expected
    response = await client.put(path, json={"block_from_strangers": "false"}, headers=alice.headers)
    assert response.status_code == 200
    assert (await _settings_shown(client, alice))["block_from_strangers"] is False
    # Others never see them.
    seen = await client.get(f"/api/v1/accounts/{alice.id}", headers=bob.headers)
    assert "notification_settings" not in seen.json()["pleroma"]


async def test_notification_settings_errors(client, factory, db):
    alice = await factory.user("alice")
    path = "/api/pleroma/notification_settings"
    response = await client.put(
        path,
        json={"hide_notification_contents": True, "block_from_strangers": "maybe"},
        headers=alice.headers,
    )
    assert (response.status_code, response.json()) == (
        422,
        {"error": "block_from_strangers: must be a boolean"},
    )
    nested = await client.put(path, json={"block_from_strangers": {"a": 1}}, headers=alice.headers)
    assert nested.status_code == 422 and "error" in nested.json()
    assert (await _account(db, alice.id)).notification_settings == {
        "block_from_strangers": False,
        "hide_notification_contents": False,
    }
    await _common_errors(client, factory, db, path, "PUT")


async def test_block_from_strangers_set_through_the_api_applies(client, factory, db):
    alice, stranger, friend = [await factory.user(n) for n in ("alice", "stranger", "friend")]
    await follow(client, alice, friend.account)
    response = await client.put(
        "/api/v1/pleroma/notification_settings",
        json={"block_from_strangers": True},
        headers=alice.headers,
    )
    assert response.status_code == 200
    await mention(factory, stranger, alice)
    friendly = await mention(factory, friend, alice)
    assert [(n.type, n.from_account_id, n.status_id) for n in await stored(db, alice.id)] == [
        ("mention", friend.account.id, friendly.id)
    ]


@pytest.fixture
async def push_server():
    server = PushServer()
    await server.start()
    yield server
    await server.stop()


async def test_hide_notification_contents_set_through_the_api_hides_push_text(
    client, factory, db, app, push_server
):
    alice, carol, bob = [await factory.user(n) for n in ("alice", "carol", "bob")]
    alerts = {"mention": True}
    alice_sub, _ = await subscribe(client, alice, f"{push_server.base}/a", alerts=alerts)
    carol_sub, _ = await subscribe(client, carol, f"{push_server.base}/c", alerts=alerts)
    response = await client.put(
        "/api/pleroma/notification_settings",
        data={"hide_notification_contents": "true"},
        headers=carol.headers,
    )
    assert response.status_code == 200
    await mention(factory, bob, alice, "the secret plan")
    await mention(factory, bob, carol, "the secret plan")
    await drain(app)
    by_path = {r.path: r for r in push_server.received}
    shown = decrypt(by_path["/a"], alice_sub, False)
    assert shown["title"] == "New Mention" and "the secret plan" in shown["body"]
    hidden = decrypt(by_path["/c"], carol_sub, False)
    assert "title" not in hidden and hidden["body"] == "New Mention"
    assert "secret" not in str(hidden)
    assert hidden["notification_type"] == "mention"
