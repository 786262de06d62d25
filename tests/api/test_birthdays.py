"""Birthdays: ``birthday``/``show_birthday`` on update_credentials, ``pleroma.birthday`` on
the Account entity (to the owner always, to others while shown) and GET
/api/v1/pleroma/birthdays (both prefixes): the followed accounts shown born on a day."""

from __future__ import annotations

import datetime as dt

import pytest

from pyleroma.models import Account
from tests.api.timeline_helpers import follow

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
UPDATE = "/api/v1/accounts/update_credentials"


async def _stored(db, account_id: int) -> tuple:
    async with db() as session:
        account = await session.get(Account, account_id)
        return account.birthday, account.show_birthday


async def _set(client, user, **body) -> dict:
    response = await client.patch(UPDATE, json=body, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_birthday_is_set_shown_and_cleared(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    fresh = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert fresh.json()["pleroma"]["birthday"] is None  # the owner sees the key always
    assert fresh.json()["source"]["pleroma"]["show_birthday"] is False

    me = await _set(client, alice, birthday="1990-05-17")

    assert me["pleroma"]["birthday"] == "1990-05-17"
    assert me["source"]["pleroma"]["show_birthday"] is False
    assert await _stored(db, alice.account.id) == (dt.date(1990, 5, 17), False)
    seen = await client.get(f"/api/v1/accounts/{alice.id}", headers=bob.headers)
    assert "birthday" not in seen.json()["pleroma"]  # not shown to others
    assert "show_birthday" not in seen.json()["source"]["pleroma"]

    me = await _set(client, alice, show_birthday=True)

    assert me["source"]["pleroma"]["show_birthday"] is True
    for headers in (bob.headers, {}):
        seen = await client.get(f"/api/v1/accounts/{alice.id}", headers=headers)
        assert seen.json()["pleroma"]["birthday"] == "1990-05-17"

    me = await _set(client, alice, birthday="")

    assert me["pleroma"]["birthday"] is None
    assert await _stored(db, alice.account.id) == (None, True)


async def test_birthday_from_a_form_with_other_fields(client, factory, db):
    alice = await factory.user("alice")
    response = await client.patch(
        UPDATE,
        data={"birthday": "2000-02-29", "show_birthday": "true", "display_name": "Al"},
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == "Al"
    assert await _stored(db, alice.account.id) == (dt.date(2000, 2, 29), True)


@pytest.mark.parametrize(
    "body, message",
    [
        ({"birthday": "17/05/1990"}, "birthday: must be a date as YYYY-MM-DD"),
        ({"birthday": "1990-02-30"}, "birthday: must be a date as YYYY-MM-DD"),
        ({"birthday": "19900517"}, "birthday: must be a date as YYYY-MM-DD"),
        ({"birthday": 1990}, "birthday: must be a date as YYYY-MM-DD"),
        ({"birthday": "2999-01-01"}, "birthday: can't be in the future"),
        ({"birthday": "1066-10-14"}, "birthday: can't be before 1900"),
        ({"show_birthday": "maybe"}, None),
    ],
)
async def test_bad_birthdays_are_422_and_nothing_is_written(client, factory, db, body, message):
    alice = await factory.user("alice")
    response = await client.patch(
        UPDATE, json={**body, "display_name": "changed"}, headers=alice.headers
    )
    assert response.status_code == 422
    assert list(response.json()) == ["error"]
    if message:
        assert response.json()["error"] == message
    assert await _stored(db, alice.account.id) == (None, False)
    async with db() as session:
        assert (await session.get(Account, alice.account.id)).display_name is None


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_birthdays_lists_followed_accounts_shown_born_that_day(client, factory, db, prefix):
    alice = await factory.user("alice")
    names = ("bob", "carol", "dave", "erin", "frank")
    users = {name: await factory.user(name) for name in names}
    await _set(client, users["bob"], birthday="1990-05-17", show_birthday=True)
    await _set(client, users["carol"], birthday="1985-05-17", show_birthday=True)
    await _set(client, users["dave"], birthday="1990-05-17")  # hidden
    await _set(client, users["erin"], birthday="1990-05-18", show_birthday=True)  # another day
    await _set(client, users["frank"], birthday="1990-05-17", show_birthday=True)  # unfollowed
    for name in ("bob", "carol", "dave", "erin"):
        await follow(client, alice, users[name].account)

    response = await client.get(
        f"{prefix}/birthdays", params={"day": 17, "month": 5}, headers=alice.headers
    )

    assert response.status_code == 200, response.text
    found = response.json()
    assert sorted(a["acct"] for a in found) == ["bob", "carol"]
    assert {a["pleroma"]["birthday"] for a in found} == {"1990-05-17", "1985-05-17"}
    assert all("source" in a and "id" in a for a in found)

    other_day = await client.get(
        f"{prefix}/birthdays", params={"day": "18", "month": "5"}, headers=alice.headers
    )
    assert [a["acct"] for a in other_day.json()] == ["erin"]


async def test_a_deactivated_or_unfollowed_friend_is_not_listed(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await _set(client, bob, birthday="1999-12-31", show_birthday=True)
    await follow(client, alice, bob.account)
    url = "/api/v1/pleroma/birthdays?day=31&month=12"
    assert [a["acct"] for a in (await client.get(url, headers=alice.headers)).json()] == ["bob"]
    async with db() as session:
        (await session.get(Account, bob.account.id)).is_active = False
        await session.commit()
    assert (await client.get(url, headers=alice.headers)).json() == []


@pytest.mark.parametrize(
    "query, message",
    [
        ("day=17", "month: is required"),
        ("month=5", "day: is required"),
        ("day=x&month=5", "day: must be an integer"),
        ("day=17&month=13", "month: must be 1 to 12"),
        ("day=0&month=5", "day: is not a day of that month"),
        ("day=30&month=2", "day: is not a day of that month"),
        ("day=99999999999999999999&month=1", None),
    ],
)
async def test_bad_day_or_month_is_422(client, factory, query, message):
    alice = await factory.user("alice")
    response = await client.get(f"/api/pleroma/birthdays?{query}", headers=alice.headers)
    assert response.status_code == 422, response.text
    assert list(response.json()) == ["error"]
    if message:
        assert response.json()["error"] == message


async def test_february_29_is_a_birthday(client, factory):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await _set(client, bob, birthday="2004-02-29", show_birthday=True)
    await follow(client, alice, bob.account)
    response = await client.get("/api/v1/pleroma/birthdays?day=29&month=2", headers=alice.headers)
    assert [a["acct"] for a in response.json()] == ["bob"]


async def test_birthdays_need_a_token_with_read_accounts(client, factory):
    writer = await factory.user("writer", scopes=["write:accounts"])
    url = "/api/v1/pleroma/birthdays?day=1&month=1"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=writer.headers)).status_code == 403
