"""POST /api/v1/reports: the stored report, the answer's shape, and every refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.models import Report

URL = "/api/v1/reports"


async def _reports(db) -> list[Report]:
    async with db() as session:
        return list((await session.execute(select(Report).order_by(Report.id))).scalars())


async def test_report_is_stored_open_and_answered_with_the_report_entity(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    first = await factory.status(bob.account, "spam one")
    second = await factory.status(bob.account, "spam two")

    response = await client.post(
        URL,
        headers=alice.headers,
        json={
            "account_id": str(bob.account.id),
            "status_ids": [str(second.id), str(first.id), str(second.id)],
            "comment": "bad posts",
            "forward": "true",
            "category": "spam",
        },
    )

    assert response.status_code == 200, response.text
    data = response.json()
    assert data["action_taken"] is False
    assert data["comment"] == "bad posts"
    assert data["forwarded"] is True
    assert data["category"] == "spam"
    assert data["status_ids"] == [str(second.id), str(first.id)]
    assert data["rule_ids"] == []
    assert data["target_account"]["id"] == str(bob.account.id)
    assert data["created_at"].endswith("Z")
    [stored] = await _reports(db)
    assert data["id"] == str(stored.id)
    assert stored.account_id == alice.account.id
    assert stored.target_account_id == bob.account.id
    assert stored.status_ids == [second.id, first.id]
    assert stored.comment == "bad posts"
    assert stored.forward is True
    assert stored.category == "spam"
    assert stored.state == "open"


async def test_minimal_report_by_form_defaults(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.account("bob")
    response = await client.post(URL, headers=alice.headers, data={"account_id": str(bob.id)})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["status_ids"] == [] and data["comment"] == "" and data["forwarded"] is False
    assert data["category"] == "other"
    [stored] = await _reports(db)
    assert stored.status_ids == [] and stored.forward is False and stored.category == "other"


async def test_form_arrays_are_read(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.account("bob")
    status = await factory.status(bob, "hello")
    response = await client.post(
        URL,
        headers=alice.headers,
        data={"account_id": str(bob.id), "status_ids[]": [str(status.id)]},
    )
    assert response.status_code == 200, response.text
    assert (await _reports(db))[0].status_ids == [status.id]


async def test_comment_limit_is_the_setting(client, factory, db, app):
    alice = await factory.user("alice")
    bob = await factory.account("bob")
    limit = app.state.settings.max_report_comment_size
    ok = await client.post(
        URL, headers=alice.headers, json={"account_id": str(bob.id), "comment": "x" * limit}
    )
    assert ok.status_code == 200
    too_long = await client.post(
        URL, headers=alice.headers, json={"account_id": str(bob.id), "comment": "x" * (limit + 1)}
    )
    assert too_long.status_code == 422
    assert too_long.json() == {"error": f"Comment must be up to {limit} characters"}
    assert len(await _reports(db)) == 1


@pytest.mark.parametrize(
    ("body", "message_part"),
    [
        ({}, "account_id"),
        ({"account_id": "999999"}, "Account not found"),
        ({"account_id": "not-an-id"}, "Account not found"),
        ({"account_id": "SELF"}, "yourself"),
        ({"account_id": "BOB", "category": "rude"}, "category"),
        ({"account_id": "BOB", "status_ids": ["abc"]}, "status_ids"),
        ({"account_id": "BOB", "forward": "maybe"}, "forward"),
        ({"account_id": "BOB", "status_ids": [{"x": 1}]}, "status_ids"),
    ],
)
async def test_bad_parameters_are_422_and_store_nothing(client, factory, db, body, message_part):
    alice = await factory.user("alice")
    bob = await factory.account("bob")
    ids = {"SELF": str(alice.account.id), "BOB": str(bob.id)}
    if "account_id" in body:
        body = {**body, "account_id": ids.get(body["account_id"], body["account_id"])}
    response = await client.post(URL, headers=alice.headers, json=body)
    assert response.status_code == 422, response.text
    assert message_part in response.json()["error"]
    assert await _reports(db) == []


async def test_statuses_must_be_the_targets_and_visible(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.account("bob")
    carol = await factory.account("carol")
    carols = await factory.status(carol, "not bob's")
    private = await factory.status(bob, "followers only", visibility="private")
    for status in (carols, private):
        response = await client.post(
            URL,
            headers=alice.headers,
            json={"account_id": str(bob.id), "status_ids": [str(status.id)]},
        )
        assert response.status_code == 422, response.text
        assert "not found" in response.json()["error"]
    missing = await client.post(
        URL, headers=alice.headers, json={"account_id": str(bob.id), "status_ids": ["12345"]}
    )
    assert missing.status_code == 422
    assert await _reports(db) == []


async def test_a_direct_post_to_the_reporter_can_be_reported(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.account("bob")
    direct = await factory.status(bob, "@alice psst", visibility="direct")
    response = await client.post(
        URL, headers=alice.headers, json={"account_id": str(bob.id), "status_ids": [direct.id]}
    )
    assert response.status_code == 200, response.text
    assert (await _reports(db))[0].status_ids == [direct.id]


async def test_auth_and_scopes(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.account("bob")
    body = {"account_id": str(bob.id)}
    anonymous = await client.post(URL, json=body)
    assert anonymous.status_code == 401
    read_only = await factory.token(alice.account, ["read"])
    refused = await client.post(URL, json=body, headers={"Authorization": f"Bearer {read_only}"})
    assert refused.status_code == 403
    narrow = await factory.token(alice.account, ["write:reports"])
    allowed = await client.post(URL, json=body, headers={"Authorization": f"Bearer {narrow}"})
    assert allowed.status_code == 200
    assert len(await _reports(db)) == 1
