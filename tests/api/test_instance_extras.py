"""Mastodon's smaller instance and account routes that clients call on Pleroma:
/api/v1/instance/activity, /languages, /extended_description, GET /api/v1/accounts?id[]=,
/api/v1/accounts/:id/identity_proofs and /endorse, /unendorse."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from sqlalchemy import select, update

from pyleroma.db.base import utcnow
from pyleroma.models import Account, Endorsement, OAuthToken, Status
from pyleroma.services.instance.instance_extras import week_starts
from tests.api.relationship_helpers import remote_account
from tests.api.status_action_helpers import follow

# --- /api/v1/instance/activity --------------------------------------------------------------


def test_weeks_start_on_monday_midnight_newest_first():
    starts = week_starts(dt.datetime(2024, 5, 16, 13, 45))  # a Thursday
    assert starts[0] == dt.datetime(2024, 5, 13)
    assert starts[1] == dt.datetime(2024, 5, 6) and len(starts) == 12
    assert week_starts(dt.datetime(2024, 5, 13))[0] == dt.datetime(2024, 5, 13)


async def _age(db, model, row_id, weeks: int) -> None:
    async with db() as session:
        moment = utcnow() - dt.timedelta(weeks=weeks)
        await session.execute(update(model).where(model.id == row_id).values(created_at=moment))
        await session.commit()


async def test_activity_counts_posts_logins_and_signups_by_week(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    old = await factory.user("old")
    this_week = await factory.status(alice.account, "now")
    await factory.status(bob.account, "now too")
    earlier = await factory.status(alice.account, "then")
    ancient = await factory.status(alice.account, "long ago")
    remote = await remote_account(db, "zed", "remote.example")
    fetched = await factory.status(remote, "remote posts are not ours")
    async with db() as session:  # as federation stores it: not local, not counted
        await session.execute(update(Status).where(Status.id == fetched.id).values(local=False))
        await session.commit()
    await _age(db, Status, earlier.id, 2)
    await _age(db, Status, ancient.id, 20)
    await _age(db, Account, old.account.id, 3)
    async with db() as session:
        tokens = (await session.scalars(select(OAuthToken.id).where(
            OAuthToken.account_id == old.account.id
        ))).all()  # fmt: skip
    for token_id in tokens:
        await _age(db, OAuthToken, token_id, 3)
    await factory.token(alice.account, ["read"])  # a second login the same week: one login

    response = await client.get("/api/v1/instance/activity")
    assert response.status_code == 200, response.text
    weeks = response.json()
    assert len(weeks) == 12
    assert all(set(w) == {"week", "statuses", "logins", "registrations"} for w in weeks)
    assert all(isinstance(v, str) for w in weeks for v in w.values())
    monday = week_starts(utcnow())[0]
    assert weeks[0]["week"] == str(calendar.timegm(monday.timetuple()))
    assert int(weeks[0]["week"]) - int(weeks[1]["week"]) == 7 * 24 * 3600
    assert this_week.local
    assert weeks[0] == {
        "week": weeks[0]["week"],
        "statuses": "2",
        "logins": "2",
        "registrations": "2",
    }
    assert weeks[2]["statuses"] == "1"
    assert (weeks[3]["logins"], weeks[3]["registrations"]) == ("1", "1")
    assert sum(int(w["statuses"]) for w in weeks) == 3  # the 20 weeks old one is out


async def test_languages_and_extended_description(client, app, db, factory):
    languages = (await client.get("/api/v1/instance/languages")).json()
    assert {"code": "en", "name": "English"} in languages
    assert {"code": "de", "name": "German"} in languages
    assert len(languages) == 184 and [x["code"] for x in languages] == sorted(
        x["code"] for x in languages
    )

    settings = app.state.settings
    await factory.user("founder")
    plain = await client.get("/api/v1/instance/extended_description")
    assert plain.status_code == 200
    assert plain.json()["content"] == f"<p>{settings.instance_description}</p>"
    assert plain.json()["updated_at"].endswith("Z")

    terms = settings.data_dir / "static" / "terms-of-service.html"
    terms.parent.mkdir(parents=True, exist_ok=True)
    terms.write_text("<h2>Rules</h2><p>Be kind</p><script>alert(1)</script>")
    page = (await client.get("/api/v1/instance/extended_description")).json()
    assert "Be kind" in page["content"] and "<script" not in page["content"]


# --- GET /api/v1/accounts?id[]= --------------------------------------------------------------


async def test_several_accounts_in_the_order_asked(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    gone = await factory.user("gone")
    async with db() as session:
        await session.execute(
            update(Account).where(Account.id == gone.account.id).values(is_active=False)
        )
        await session.commit()
    query = [("id[]", bob.id), ("id[]", "999999"), ("id[]", "junk"), ("id[]", alice.id),
             ("id[]", gone.id), ("id[]", bob.id)]  # fmt: skip
    response = await client.get("/api/v1/accounts", params=query, headers=alice.headers)
    assert response.status_code == 200, response.text
    assert [a["id"] for a in response.json()] == [bob.id, alice.id]
    assert response.json()[0]["acct"] == "bob"
    anonymous = await client.get("/api/v1/accounts", params=[("id[]", alice.id)])
    assert [a["id"] for a in anonymous.json()] == [alice.id]
    assert (await client.get("/api/v1/accounts")).json() == []
    many = [("id[]", str(i)) for i in range(1, 42)]
    too_many = await client.get("/api/v1/accounts", params=many)
    assert (too_many.status_code, too_many.json()) == (
        422,
        {"error": "id: at most 40 ids per request"},
    )


@pytest.mark.parametrize("settings_overrides", [{"restrict_unauthenticated_profiles": True}])
async def test_several_accounts_need_a_login_when_profiles_are_restricted(client, factory):
    alice = await factory.user("alice")
    refused = await client.get("/api/v1/accounts", params=[("id[]", alice.id)])
    assert refused.status_code == 401 and "error" in refused.json()
    allowed = await client.get(
        "/api/v1/accounts", params=[("id[]", alice.id)], headers=alice.headers
    )
    assert [a["id"] for a in allowed.json()] == [alice.id]


# --- identity proofs, endorse / unendorse ------------------------------------------------------


async def test_identity_proofs_are_an_empty_list(client, factory):
    alice = await factory.user("alice")
    response = await client.get(f"/api/v1/accounts/{alice.id}/identity_proofs")
    assert (response.status_code, response.json()) == (200, [])


async def _endorsed(db, account_id) -> list[int]:
    async with db() as session:
        return list(
            await session.scalars(
                select(Endorsement.target_id).where(Endorsement.account_id == account_id)
            )
        )


async def test_endorse_and_unendorse(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    reader = await factory.user("reader", scopes=["read"])
    await follow(db, alice.account.id, bob.account.id)

    endorsed = await client.post(f"/api/v1/accounts/{bob.id}/endorse", headers=alice.headers)
    assert endorsed.status_code == 200, endorsed.text
    assert endorsed.json()["id"] == bob.id and endorsed.json()["endorsed"] is True
    assert await _endorsed(db, alice.account.id) == [bob.account.id]
    listed = await client.get("/api/v1/endorsements", headers=alice.headers)
    assert [a["id"] for a in listed.json()] == [bob.id]

    not_followed = await client.post(f"/api/v1/accounts/{carol.id}/endorse", headers=alice.headers)
    assert not_followed.status_code == 400 and "not following" in not_followed.json()["error"]
    missing = await client.post("/api/v1/accounts/999999/endorse", headers=alice.headers)
    assert (missing.status_code, missing.json()) == (404, {"error": "Record not found"})
    assert (await client.post(f"/api/v1/accounts/{bob.id}/endorse")).status_code == 401
    wrong = await client.post(f"/api/v1/accounts/{bob.id}/unendorse", headers=reader.headers)
    assert wrong.status_code == 403
    assert await _endorsed(db, alice.account.id) == [bob.account.id]

    dropped = await client.post(f"/api/v1/accounts/{bob.id}/unendorse", headers=alice.headers)
    assert dropped.status_code == 200 and dropped.json()["endorsed"] is False
    assert await _endorsed(db, alice.account.id) == []
    again = await client.post(f"/api/v1/accounts/{bob.id}/unendorse", headers=alice.headers)
    assert again.status_code == 200
