"""The inboxes: signatures checked first, guards, 202 and a receive job; then the job runs
the activity through the pipeline."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import select

from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.federation.keys import new_key_pair
from pyleroma.federation.signatures import sign_request
from pyleroma.jobs.receive_jobs import RECEIVE_JOB, RECEIVE_QUEUE
from pyleroma.jobs.runner import JobRunner
from pyleroma.models import Account, Favourite, Follow, Job, Status
from pyleroma.models.job import DISCARDED
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from tests.api.relationship_helpers import remote_account
from tests.conftest import BASE_URL
from tests.federation.conftest import REMOTE


async def _post(client, bob, activity: dict, path="/inbox", *, key=None, key_id=None, tamper=None):
    """POST ``activity`` signed by bob's key, or by ``key`` under bob's key id or
    ``key_id`` (``bob`` may be None when both are given); ``tamper`` changes the body after
    signing."""
    body = orjson.dumps(activity)
    headers = sign_request(
        "POST",
        f"{BASE_URL}{path}",
        {"Content-Type": "application/activity+json"},
        body,
        key_id or bob.key_id,
        key or bob.private_key_for_tests,
    )
    if tamper is not None:
        body = tamper(body)
    return await client.post(path, content=body, headers=headers)


async def drain(app) -> None:
    """Run the receive jobs (deliveries to remote.example would go nowhere here)."""
    await JobRunner(app.state.sessionmaker, app.state.settings, queues=[RECEIVE_QUEUE]).drain()


async def _jobs(db, kind) -> list[Job]:
    async with db() as session:
        return list((await session.execute(select(Job).where(Job.kind == kind))).scalars())


def _like(status, n=1) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{REMOTE}/likes/{n}",
        "type": "Like",
        "actor": f"{REMOTE}/users/bob",
        "object": status.uri,
    }


async def test_a_signed_like_is_taken_and_applied(app, client, factory, db, bob):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "like me")
    response = await _post(client, bob, _like(status))
    assert response.status_code == 202, response.text
    [job] = await _jobs(db, RECEIVE_JOB)
    assert job.args["actor_id"] == bob.id
    await drain(app)
    async with db() as session:
        favourite = (await session.execute(select(Favourite))).scalar_one()
        assert favourite.account_id == bob.id
        assert favourite.activity_id == f"{REMOTE}/likes/1"
        assert (await session.get(Status, status.id)).favourites_count == 1
    notifications = await client.get("/api/v1/notifications", headers=alice.headers)
    [note] = notifications.json()
    assert note["type"] == "favourite"
    assert note["account"]["acct"] == "bob@remote.example"

    undo = {
        "id": f"{REMOTE}/undo/1",
        "type": "Undo",
        "actor": f"{REMOTE}/users/bob",
        "object": f"{REMOTE}/likes/1",  # by reference, as Pleroma sends it
    }
    assert (await _post(client, bob, undo, path="/users/alice/inbox")).status_code == 202
    await drain(app)
    async with db() as session:
        assert (await session.execute(select(Favourite))).first() is None
        assert (await session.get(Status, status.id)).favourites_count == 0


async def test_a_remote_follow_is_accepted_and_answered(app, client, factory, db, bob):
    alice = await factory.user("alice")
    follow = {
        "id": f"{REMOTE}/follows/1",
        "type": "Follow",
        "actor": f"{REMOTE}/users/bob",
        "object": f"{app.state.settings.base_url}/users/alice",
    }
    assert (await _post(client, bob, follow)).status_code == 202
    await drain(app)
    async with db() as session:
        row = (await session.execute(select(Follow))).scalar_one()
    assert (row.follower_id, row.followed_id, row.state) == (bob.id, alice.account.id, "accepted")
    [delivery] = await _jobs(db, DELIVER_JOB)
    assert delivery.args["inbox"] == f"{REMOTE}/inbox"
    assert delivery.args["activity"]["type"] == "Accept"
    assert delivery.args["activity"]["object"]["id"] == f"{REMOTE}/follows/1"
    assert delivery.args["actor_id"] == alice.account.id


async def test_unsigned_and_badly_signed_posts_are_refused(app, client, factory, db, bob):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "x")
    body = orjson.dumps(_like(status))
    unsigned = await client.post("/inbox", content=body)
    assert unsigned.status_code == 401
    assert "unsigned" in unsigned.json()["error"]

    other_private, _ = new_key_pair()
    wrong_key = await _post(client, bob, _like(status), key=other_private)
    assert wrong_key.status_code == 401 and "signature" in wrong_key.json()["error"]

    tampered = await _post(
        client, bob, _like(status), tamper=lambda b: b.replace(b"likes/1", b"likes/2")
    )
    assert tampered.status_code == 401
    assert "digest" in tampered.json()["error"].lower()
    assert await _jobs(db, RECEIVE_JOB) == []


async def test_an_activity_signed_by_someone_else_is_refused(app, client, factory, db, bob):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "x")
    forged = {**_like(status), "actor": f"{REMOTE}/users/carol"}
    await remote_account(db, "carol", "remote.example")
    response = await _post(client, bob, forged)
    assert response.status_code == 401
    assert "actor" in response.json()["error"]


async def test_strangers_may_only_start_something(app, client, factory, db, bob):
    await factory.user("alice")
    update = {
        "id": "https://elsewhere.example/updates/1",
        "type": "Update",
        "actor": "https://elsewhere.example/users/zed",
        "object": {"id": "https://elsewhere.example/notes/1", "type": "Note"},
    }
    refused = await client.post("/inbox", content=orjson.dumps(update))
    assert refused.status_code == 403
    assert "does not know" in refused.json()["error"]
    delete = {**update, "type": "Delete", "object": "https://elsewhere.example/users/zed"}
    dropped = await client.post("/inbox", content=orjson.dumps(delete))
    assert dropped.status_code == 202
    assert await _jobs(db, RECEIVE_JOB) == []


@pytest.mark.parametrize(
    "body, status",
    [(b"not json", 400), (b"[1, 2]", 400), (b'{"type": "Like"}', 400), (b"x" * 1048577, 413)],
)
async def test_malformed_bodies_are_400(client, body, status):
    response = await client.post("/inbox", content=body)
    assert response.status_code == status
    assert "error" in response.json()


async def test_an_unknown_local_inbox_is_404(client, bob):
    missing = await _post(client, bob, {"type": "Like"}, path="/users/nobody/inbox")
    assert missing.status_code == 404


async def test_containment_a_like_of_an_invisible_status_is_discarded(
    app, client, factory, db, bob
):
    alice = await factory.user("alice")
    private = await factory.status(alice.account, "followers only", visibility="private")
    assert (await _post(client, bob, _like(private))).status_code == 202
    await drain(app)
    [job] = await _jobs(db, RECEIVE_JOB)
    assert job.state == DISCARDED and "cannot see" in job.last_error
    async with db() as session:
        assert (await session.execute(select(Favourite))).first() is None


async def test_undo_of_someone_elses_follow_is_refused(app, client, factory, db, bob):
    alice = await factory.user("alice")
    carol = await remote_account(db, "carol", "remote.example")
    async with db() as session:
        session.add(
            Follow(
                follower_id=carol.id,
                followed_id=alice.account.id,
                state=FOLLOW_ACCEPTED,
                activity_id=f"{REMOTE}/follows/carol",
            )
        )
        await session.commit()
    undo = {
        "id": f"{REMOTE}/undo/2",
        "type": "Undo",
        "actor": bob.ap_id,
        "object": f"{REMOTE}/follows/carol",
    }
    assert (await _post(client, bob, undo)).status_code == 202
    await drain(app)
    async with db() as session:
        assert (await session.execute(select(Follow))).scalar_one().follower_id == carol.id
        assert (await session.get(Account, alice.account.id)) is not None


async def test_an_oversized_body_without_a_length_is_cut_off(client):
    """A chunked body (no Content-Length) is refused as soon as it passes the cap."""

    async def chunks():
        for _ in range(40):
            yield b"x" * 65536  # 2.5 MiB in all

    response = await client.post("/inbox", content=chunks())
    assert response.status_code == 413
    assert "larger than" in response.json()["error"]
