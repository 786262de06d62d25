"""Blocks, mutes (with expiry), their lists, and user-level domain blocks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.models import Block, DomainBlock, Endorsement, Follow, Mute
from pyleroma.models.relationship import FOLLOW_ACCEPTED, FOLLOW_PENDING
from tests.api.relationship_helpers import (
    counts,
    follow_row,
    ids,
    next_link,
    remote_account,
    set_fields,
)


async def _post(client, user, path, **body):
    return await client.post(path, headers=user.headers, json=body or None)


async def _mute_row(db, account_id, target_id) -> Mute | None:
    async with db() as session:
        return (
            await session.execute(
                select(Mute).where(
                    Mute.account_id == int(account_id), Mute.target_id == int(target_id)
                )
            )
        ).scalar_one_or_none()


async def _blocked(db, account_id, target_id) -> bool:
    async with db() as session:
        found = await session.scalar(
            select(Block.id).where(
                Block.account_id == int(account_id), Block.target_id == int(target_id)
            )
        )
    return found is not None


# --- blocks ----------------------------------------------------------------------------------


async def test_block_severs_follows_both_ways_and_keeps_counts(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await _post(client, alice, f"/api/v1/accounts/{bob.id}/follow")
    await _post(client, bob, f"/api/v1/accounts/{alice.id}/follow")
    assert (await _post(client, alice, f"/api/v1/accounts/{bob.id}/pin")).json()["endorsed"]
    assert await counts(db, alice.id) == (1, 1) and await counts(db, bob.id) == (1, 1)

    response = await _post(client, alice, f"/api/v1/accounts/{bob.id}/block")
    assert response.status_code == 200
    rel = response.json()
    assert rel["blocking"] is True and rel["following"] is False and rel["followed_by"] is False
    assert rel["endorsed"] is False
    assert await _blocked(db, alice.id, bob.id)
    assert await follow_row(db, alice.id, bob.id) is None
    assert await follow_row(db, bob.id, alice.id) is None
    assert await counts(db, alice.id) == (0, 0) and await counts(db, bob.id) == (0, 0)
    async with db() as session:
        assert (await session.execute(select(Endorsement))).first() is None

    theirs = await client.get(f"/api/v1/accounts/relationships?id={alice.id}", headers=bob.headers)
    assert theirs.json()[0]["blocked_by"] is True and theirs.json()[0]["blocking"] is False

    # blocking twice is harmless
    again = await _post(client, alice, f"/api/v1/accounts/{bob.id}/block")
    assert again.status_code == 200 and again.json()["blocking"] is True


async def test_block_drops_pending_requests_both_ways(client, factory, db):
    alice = await factory.user("alice", locked=True)
    bob = await factory.user("bob", locked=True)
    await _post(client, alice, f"/api/v1/accounts/{bob.id}/follow")
    await _post(client, bob, f"/api/v1/accounts/{alice.id}/follow")
    assert (await follow_row(db, alice.id, bob.id)).state == FOLLOW_PENDING
    await _post(client, alice, f"/api/v1/accounts/{bob.id}/block")
    assert await follow_row(db, alice.id, bob.id) is None
    assert await follow_row(db, bob.id, alice.id) is None
    assert (await client.get("/api/v1/follow_requests", headers=alice.headers)).json() == []


async def test_unblock(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await _post(client, alice, f"/api/v1/accounts/{bob.id}/follow")
    await _post(client, alice, f"/api/v1/accounts/{bob.id}/block")
    response = await _post(client, alice, f"/api/v1/accounts/{bob.id}/unblock")
    assert response.status_code == 200
    assert response.json()["blocking"] is False and response.json()["following"] is False
    assert not await _blocked(db, alice.id, bob.id)
    again = await _post(client, alice, f"/api/v1/accounts/{bob.id}/unblock")
    assert again.status_code == 200 and again.json()["blocking"] is False


async def test_block_errors(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    reader = await factory.user("reader", scopes=["read", "write:mutes"])
    narrow = await factory.user("narrow", scopes=["write:blocks"])

    for action in ("block", "unblock"):
        url = f"/api/v1/accounts/{bob.id}/{action}"
        assert (await client.post(url)).status_code == 401
        assert (await client.post(url, headers=reader.headers)).status_code == 403
        response = await client.post(f"/api/v1/accounts/nobody/{action}", headers=alice.headers)
        assert response.status_code == 404
    response = await _post(client, alice, f"/api/v1/accounts/{alice.id}/block")
    assert response.status_code == 400 and response.json() == {"error": "Can not block yourself"}
    assert not await _blocked(db, alice.id, alice.id)
    assert not await _blocked(db, reader.id, bob.id)

    response = await _post(client, narrow, f"/api/v1/accounts/{bob.id}/block")
    assert response.status_code == 200 and await _blocked(db, narrow.id, bob.id)


async def test_blocks_list_pagination_and_scopes(client, factory, db):
    alice = await factory.user("alice")
    targets = [await factory.user(f"t{i}") for i in range(3)]
    for target in targets:
        await _post(client, alice, f"/api/v1/accounts/{target.id}/block")

    listed = await client.get("/api/v1/blocks", headers=alice.headers)
    assert listed.status_code == 200 and ids(listed) == [t.id for t in reversed(targets)]

    first = await client.get("/api/v1/blocks?limit=2", headers=alice.headers)
    assert ids(first) == [targets[2].id, targets[1].id]
    second = await client.get(next_link(first), headers=alice.headers)
    assert ids(second) == [targets[0].id]

    embedded = await client.get("/api/v1/blocks?with_relationships=true", headers=alice.headers)
    assert all(a["pleroma"]["relationship"]["blocking"] for a in embedded.json())

    await set_fields(db, targets[0].id, is_active=False)
    listed = await client.get("/api/v1/blocks", headers=alice.headers)
    assert ids(listed) == [targets[2].id, targets[1].id]

    assert (await client.get("/api/v1/blocks")).status_code == 401
    mutes_only = await factory.user("m", scopes=["read:mutes"])
    assert (await client.get("/api/v1/blocks", headers=mutes_only.headers)).status_code == 403
    ok = await factory.user("b", scopes=["read:blocks"])
    assert (await client.get("/api/v1/blocks", headers=ok.headers)).json() == []
    response = await client.get("/api/v1/blocks?max_id=abc", headers=alice.headers)
    assert response.status_code == 422


# --- mutes -----------------------------------------------------------------------------------


async def test_mute_and_unmute(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await _post(client, alice, f"/api/v1/accounts/{bob.id}/follow")
    response = await _post(client, alice, f"/api/v1/accounts/{bob.id}/mute")
    assert response.status_code == 200
    rel = response.json()
    assert rel["muting"] is True and rel["muting_notifications"] is True
    assert rel["following"] is True  # a mute changes no follow
    row = await _mute_row(db, alice.id, bob.id)
    assert row.hide_notifications is True and row.expires_at is None

    response = await client.post(
        f"/api/v1/accounts/{bob.id}/mute", headers=alice.headers, data={"notifications": "false"}
    )
    assert response.json()["muting"] is True and response.json()["muting_notifications"] is False
    assert (await _mute_row(db, alice.id, bob.id)).hide_notifications is False

    response = await _post(client, alice, f"/api/v1/accounts/{bob.id}/unmute")
    assert response.status_code == 200
    assert response.json()["muting"] is False and response.json()["muting_notifications"] is False
    assert await _mute_row(db, alice.id, bob.id) is None
    again = await _post(client, alice, f"/api/v1/accounts/{bob.id}/unmute")
    assert again.status_code == 200


async def test_mute_with_duration_expires(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    before = utcnow()
    response = await _post(client, alice, f"/api/v1/accounts/{bob.id}/mute", duration=3600)
    assert response.status_code == 200 and response.json()["muting"] is True
    row = await _mute_row(db, alice.id, bob.id)
    assert before + dt.timedelta(seconds=3590) < row.expires_at
    assert row.expires_at < utcnow() + dt.timedelta(seconds=3610)

    listed = await client.get("/api/v1/mutes", headers=alice.headers)
    assert ids(listed) == [bob.id]
    expires = listed.json()[0]["mute_expires_at"]
    assert expires.endswith("Z") and expires.startswith(row.expires_at.strftime("%Y-%m-%dT%H:%M"))

    async with db() as session:
        await session.execute(update(Mute).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        await session.commit()
    rel = await client.get(f"/api/v1/accounts/relationships?id={bob.id}", headers=alice.headers)
    assert rel.json()[0]["muting"] is False and rel.json()[0]["muting_notifications"] is False
    assert (await client.get("/api/v1/mutes", headers=alice.headers)).json() == []

    # muting again without a duration makes it permanent
    response = await _post(client, alice, f"/api/v1/accounts/{bob.id}/mute")
    assert response.json()["muting"] is True
    assert (await _mute_row(db, alice.id, bob.id)).expires_at is None
    listed = await client.get("/api/v1/mutes", headers=alice.headers)
    assert listed.json()[0]["mute_expires_at"] is None


async def test_mute_accepts_pleroma_expires_in(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    response = await client.post(
        f"/api/v1/accounts/{bob.id}/mute?expires_in=60", headers=alice.headers
    )
    assert response.status_code == 200
    row = await _mute_row(db, alice.id, bob.id)
    assert row.expires_at is not None and row.expires_at < utcnow() + dt.timedelta(seconds=70)


async def test_mute_errors(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    blocker = await factory.user("blocker", scopes=["write:blocks"])
    url = f"/api/v1/accounts/{bob.id}/mute"
    assert (await client.post(url)).status_code == 401
    assert (await client.post(url, headers=blocker.headers)).status_code == 403
    assert (await client.post("/api/v1/accounts/0/mute", headers=alice.headers)).status_code == 404
    for bad in ({"duration": -1}, {"duration": "soon"}, {"notifications": "perhaps"}):
        response = await client.post(url, headers=alice.headers, json=bad)
        assert response.status_code == 422, bad
        assert "error" in response.json()
    response = await _post(client, alice, f"/api/v1/accounts/{alice.id}/mute")
    assert response.status_code == 400
    assert await _mute_row(db, alice.id, bob.id) is None
    assert await _mute_row(db, alice.id, alice.id) is None
    for action in ("unmute",):
        response = await client.post(f"/api/v1/accounts/{bob.id}/{action}")
        assert response.status_code == 401


async def test_mutes_list_pagination_and_scopes(client, factory):
    alice = await factory.user("alice")
    targets = [await factory.user(f"t{i}") for i in range(3)]
    for target in targets:
        await _post(client, alice, f"/api/v1/accounts/{target.id}/mute")
    first = await client.get("/api/v1/mutes?limit=2", headers=alice.headers)
    assert ids(first) == [targets[2].id, targets[1].id]
    assert all("mute_expires_at" in a for a in first.json())
    second = await client.get(next_link(first), headers=alice.headers)
    assert ids(second) == [targets[0].id]

    embedded = await client.get("/api/v1/mutes?with_relationships=1", headers=alice.headers)
    assert all(a["pleroma"]["relationship"]["muting"] for a in embedded.json())

    assert (await client.get("/api/v1/mutes")).status_code == 401
    blocks_only = await factory.user("b", scopes=["read:blocks"])
    assert (await client.get("/api/v1/mutes", headers=blocks_only.headers)).status_code == 403
    follow_scope = await factory.user("f", scopes=["follow"])
    assert (await client.get("/api/v1/mutes", headers=follow_scope.headers)).status_code == 200


# --- domain blocks ---------------------------------------------------------------------------


async def _domains(db, account_id) -> list[str]:
    async with db() as session:
        rows = await session.execute(
            select(DomainBlock.domain).where(DomainBlock.account_id == int(account_id))
        )
        return sorted(rows.scalars())


async def test_domain_block_lifecycle(client, factory, db):
    alice = await factory.user("alice")
    remote = await remote_account(db, "pundit", "dogwhistle.zone")

    response = await client.post(
        "/api/v1/domain_blocks", headers=alice.headers, json={"domain": "  DogWhistle.Zone. "}
    )
    assert response.status_code == 200 and response.json() == {}
    assert await _domains(db, alice.id) == ["dogwhistle.zone"]
    rel = await client.get(f"/api/v1/accounts/relationships?id={remote.id}", headers=alice.headers)
    assert rel.json()[0]["domain_blocking"] is True

    # again, and via the query string: still one row
    response = await client.post(
        "/api/v1/domain_blocks?domain=dogwhistle.zone", headers=alice.headers
    )
    assert response.status_code == 200 and await _domains(db, alice.id) == ["dogwhistle.zone"]

    await client.post("/api/v1/domain_blocks", headers=alice.headers, data={"domain": "bad.site"})
    listed = await client.get("/api/v1/domain_blocks", headers=alice.headers)
    assert listed.json() == ["bad.site", "dogwhistle.zone"]
    first = await client.get("/api/v1/domain_blocks?limit=1", headers=alice.headers)
    assert first.json() == ["bad.site"]
    assert (await client.get(next_link(first), headers=alice.headers)).json() == ["dogwhistle.zone"]

    response = await client.request(
        "DELETE", "/api/v1/domain_blocks", headers=alice.headers, json={"domain": "dogwhistle.zone"}
    )
    assert response.status_code == 200 and response.json() == {}
    assert await _domains(db, alice.id) == ["bad.site"]
    rel = await client.get(f"/api/v1/accounts/relationships?id={remote.id}", headers=alice.headers)
    assert rel.json()[0]["domain_blocking"] is False
    response = await client.delete("/api/v1/domain_blocks?domain=bad.site", headers=alice.headers)
    assert response.status_code == 200 and await _domains(db, alice.id) == []


async def test_domain_block_removes_followers_from_that_domain(client, factory, db):
    alice = await factory.user("alice")
    remote = await remote_account(db, "fan", "far.example")
    other = await remote_account(db, "fan", "near.example")
    async with db() as session:
        for follower in (remote, other):
            session.add(
                Follow(
                    id=new_id(),
                    follower_id=follower.id,
                    followed_id=alice.account.id,
                    state=FOLLOW_ACCEPTED,
                )
            )
        await session.commit()
    await set_fields(db, alice.id, followers_count=2)

    await client.post(
        "/api/v1/domain_blocks", headers=alice.headers, data={"domain": "far.example"}
    )
    assert await follow_row(db, remote.id, alice.id) is None
    assert (await follow_row(db, other.id, alice.id)).state == FOLLOW_ACCEPTED
    assert (await counts(db, alice.id))[0] == 1


async def test_domain_block_errors(client, factory, db):
    alice = await factory.user("alice")
    reader = await factory.user("reader", scopes=["read:blocks"])
    for bad in ("", "   ", "exa mple.com", "user@host.example", "-bad-.example", "a" * 300):
        response = await client.post(
            "/api/v1/domain_blocks", headers=alice.headers, json={"domain": bad}
        )
        assert response.status_code == 422, bad
        assert "error" in response.json()
    response = await client.post("/api/v1/domain_blocks", headers=alice.headers, json={})
    assert response.status_code == 422
    response = await client.post(
        "/api/v1/domain_blocks", headers=alice.headers, json={"domain": ["a.example"]}
    )
    assert response.status_code == 422
    response = await client.post(
        "/api/v1/domain_blocks", headers=alice.headers, json={"domain": "PYLEROMA.test"}
    )
    assert response.status_code == 422 and "own instance" in response.json()["error"]
    assert await _domains(db, alice.id) == []

    assert (await client.get("/api/v1/domain_blocks")).status_code == 401
    assert (
        await client.post("/api/v1/domain_blocks", data={"domain": "x.example"})
    ).status_code == 401
    response = await client.post(
        "/api/v1/domain_blocks", headers=reader.headers, data={"domain": "x.example"}
    )
    assert response.status_code == 403
    response = await client.delete("/api/v1/domain_blocks?domain=x.example", headers=reader.headers)
    assert response.status_code == 403
    writer = await factory.user("writer", scopes=["write:blocks"])
    assert (await client.get("/api/v1/domain_blocks", headers=writer.headers)).status_code == 403
    assert (await client.get("/api/v1/domain_blocks", headers=reader.headers)).json() == []


async def test_domain_block_accepts_idn(client, factory, db):
    alice = await factory.user("alice")
    response = await client.post(
        "/api/v1/domain_blocks", headers=alice.headers, json={"domain": "bücher.example"}
    )
    assert response.status_code == 200
    assert await _domains(db, alice.id) == ["xn--bcher-kva.example"]
