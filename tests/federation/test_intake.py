"""The inbox intake's shortcuts (federation/intake.py): signers and local inboxes taken from
the entity cache only while their account rows are unchanged, and receive jobs stored by a
group commit that answers 202 only once the job is stored."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import delete, select, text, update

from pyleroma.federation.intake import LOCAL_INBOXES, SIGNERS
from pyleroma.federation.keys import new_key_pair
from pyleroma.jobs.receive_jobs import RECEIVE_JOB
from pyleroma.models import Account, Job
from tests.federation.conftest import REMOTE
from tests.federation.remote_server import fixture
from tests.federation.test_inbox import _like, _post
from tests.statement_counter import counting_statements


async def _receive_jobs(db) -> list[dict]:
    async with db() as session:
        jobs = (await session.execute(select(Job).where(Job.kind == RECEIVE_JOB))).scalars()
        return [job.args for job in jobs]


def _writes_and_reads(statements: list[str]) -> tuple[list[str], list[str]]:
    words = [sql.lstrip().split(None, 1)[0].upper() for sql in statements]
    reads = [sql for sql, word in zip(statements, words, strict=True) if word == "SELECT"]
    inserts = [sql for sql, word in zip(statements, words, strict=True) if word == "INSERT"]
    return inserts, reads


async def test_a_known_signer_costs_no_read(app, client, factory, db, bob):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "like me")
    first = await _post(client, bob, _like(status, 1), path="/users/alice/inbox")
    assert first.status_code == 202, first.text
    cache = app.state.entity_cache
    assert cache.get_named(SIGNERS, bob.key_id).account_id == bob.id
    assert cache.get_named(LOCAL_INBOXES, "alice") == alice.account.id

    with counting_statements(app.state.engine) as statements:
        second = await _post(client, bob, _like(status, 2), path="/users/alice/inbox")
    assert second.status_code == 202, second.text
    inserts, reads = _writes_and_reads(statements)
    assert reads == []
    assert len(inserts) == 1 and "jobs" in inserts[0]
    stored = await _receive_jobs(db)
    assert sorted(job["activity"]["id"] for job in stored) == [
        f"{REMOTE}/likes/1",
        f"{REMOTE}/likes/2",
    ]
    assert {job["actor_id"] for job in stored} == {bob.id}


async def test_a_cached_signer_does_not_excuse_a_bad_signature(app, client, factory, db, bob):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "x")
    assert (await _post(client, bob, _like(status, 1))).status_code == 202

    other_private, _ = new_key_pair()
    wrong_key = await _post(client, bob, _like(status, 2), key=other_private)
    assert wrong_key.status_code == 401 and "signature" in wrong_key.json()["error"]
    tampered = await _post(
        client, bob, _like(status, 3), tamper=lambda b: b.replace(b"likes/3", b"likes/4")
    )
    assert tampered.status_code == 401
    forged = {**_like(status, 5), "actor": f"{REMOTE}/users/carol"}
    refused = await _post(client, bob, forged)
    assert refused.status_code == 401 and "actor" in refused.json()["error"]
    assert [job["activity"]["id"] for job in await _receive_jobs(db)] == [f"{REMOTE}/likes/1"]


async def test_a_changed_key_is_never_taken_from_the_cache(app, client, factory, db, bob):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "x")
    assert (await _post(client, bob, _like(status, 1))).status_code == 202
    new_private, new_public = new_key_pair()
    async with db() as session:  # as an actor Update with a rotated key would store it
        await session.execute(
            update(Account).where(Account.id == bob.id).values(public_key=new_public)
        )
        await session.commit()
    assert app.state.entity_cache.get_named(SIGNERS, bob.key_id) is None

    old_key = await _post(client, bob, _like(status, 2))
    assert old_key.status_code == 401
    new_key = await _post(client, bob, _like(status, 3), key=new_private)
    assert new_key.status_code == 202, new_key.text
    assert [job["activity"]["id"] for job in await _receive_jobs(db)] == [
        f"{REMOTE}/likes/1",
        f"{REMOTE}/likes/3",
    ]


async def test_a_deleted_local_inbox_is_not_found_again(app, client, factory, db, bob):
    alice = await factory.user("alice")
    await factory.user("carol")
    status = await factory.status(alice.account, "x")
    assert (
        await _post(client, bob, _like(status, 1), path="/users/carol/inbox")
    ).status_code == 202
    async with db() as session:
        await session.execute(delete(Account).where(Account.nickname_key == "carol"))
        await session.commit()
    gone = await _post(client, bob, _like(status, 2), path="/users/carol/inbox")
    assert gone.status_code == 404 and gone.json() == {"error": "Not found"}
    nobody = await _post(client, bob, _like(status, 3), path="/users/nobody/inbox")
    assert nobody.status_code == 404
    assert len(await _receive_jobs(db)) == 1


async def test_concurrent_deliveries_share_commits_and_all_are_stored(
    app, client, factory, db, bob
):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "popular")
    assert (await _post(client, bob, _like(status, 0))).status_code == 202
    with counting_statements(app.state.engine) as statements:
        answers = await asyncio.gather(
            *(_post(client, bob, _like(status, n)) for n in range(1, 41))
        )
    assert [answer.status_code for answer in answers] == [202] * 40
    inserts, _ = _writes_and_reads(statements)
    assert 1 <= len(inserts) < 40  # batched: far fewer INSERTs than deliveries
    ids = sorted(job["activity"]["id"] for job in await _receive_jobs(db))
    assert ids == sorted(f"{REMOTE}/likes/{n}" for n in range(41))


async def test_a_delivery_that_cannot_be_stored_is_503_and_leaves_nothing(
    app, client, factory, db, bob
):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "x")
    postgres = app.state.engine.dialect.name == "postgresql"
    refuse = (
        [
            "CREATE FUNCTION refuse_jobs() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_jobs BEFORE INSERT ON jobs "
            "FOR EACH ROW EXECUTE FUNCTION refuse_jobs()",
        ]
        if postgres
        else [
            "CREATE TRIGGER refuse_jobs BEFORE INSERT ON jobs "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        ]
    )
    async with app.state.engine.begin() as conn:
        for statement in refuse:
            await conn.execute(text(statement))
    try:
        answers = await asyncio.gather(*(_post(client, bob, _like(status, n)) for n in (1, 2)))
        for answer in answers:
            assert answer.status_code == 503
            assert "try again" in answer.json()["error"]
        assert await _receive_jobs(db) == []
    finally:
        async with app.state.engine.begin() as conn:
            await conn.execute(text("DROP TRIGGER refuse_jobs" + (" ON jobs" if postgres else "")))
            if postgres:
                await conn.execute(text("DROP FUNCTION refuse_jobs()"))
    again = await _post(client, bob, _like(status, 1))
    assert again.status_code == 202
    assert [job["activity"]["id"] for job in await _receive_jobs(db)] == [f"{REMOTE}/likes/1"]


async def test_a_key_that_signs_no_stored_account_is_not_cached(app, client, factory, db, bob):
    """A key id nobody stored is fetched from its owner (here unreachable): 401, and
    nothing is remembered for it."""
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "x")
    private, _ = new_key_pair()
    dan = {**_like(status), "actor": f"{REMOTE}/users/dan"}
    answer = await _post(client, bob, dan, key=private, key_id=f"{REMOTE}/users/dan#main-key")
    assert answer.status_code == 401
    assert app.state.entity_cache.get_named(SIGNERS, f"{REMOTE}/users/dan#main-key") is None
    assert await _receive_jobs(db) == []


@pytest.fixture
async def remote(remote_server):
    return await remote_server("127.0.0.2")


async def test_a_signer_fetched_on_delivery_is_stored_with_its_job(
    app, client, factory, db, remote
):
    """An unknown signer's actor is fetched during the delivery and committed before the
    202: the receive job must find it (it is not left in an uncommitted session)."""
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "hello")
    private, public = new_key_pair()
    actor = fixture("mastodon/actor_person.json", {"https://mastodon.example": remote.base})
    actor["publicKey"]["publicKeyPem"] = public
    remote.actor(actor)
    like = {**_like(status), "actor": actor["id"]}
    answer = await _post(client, None, like, key=private, key_id=actor["publicKey"]["id"])
    assert answer.status_code == 202, answer.text
    async with db() as session:
        stored = await session.scalar(select(Account).where(Account.ap_id == actor["id"]))
    assert stored is not None and stored.public_key == public
    [job] = await _receive_jobs(db)
    assert job["actor_id"] == stored.id
