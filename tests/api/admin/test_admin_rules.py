"""Admin API instance rules: list by priority, create, change, delete, each checked through
the Mastodon ``GET /api/v1/instance/rules`` and ``/api/v1/instance``."""

from __future__ import annotations

import pytest

from tests.api.admin.helpers import PREFIXES, admin


async def _public_rules(client) -> list[dict]:
    response = await client.get("/api/v1/instance/rules")
    assert response.status_code == 200, response.text
    rules = response.json()
    instance = (await client.get("/api/v1/instance")).json()
    assert instance["rules"] == rules
    return rules


async def _create(client, boss, prefix=PREFIXES[0], **body) -> dict:
    response = await client.post(f"{prefix}/rules", json=body, headers=boss.headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_rules_are_listed_by_priority_and_public_at_once(client, factory, prefix):
    boss = await admin(factory)
    first = await _create(client, boss, prefix, text="Example rule")
    second = await _create(client, boss, prefix, text="Second rule", priority=2)
    third = await _create(client, boss, prefix, text=" Third rule ", hint="Why", priority=1)
    assert first == {"id": first["id"], "priority": 0, "text": "Example rule", "hint": ""}
    assert third["text"] == "Third rule" and third["hint"] == "Why"

    listed = await client.get(f"{prefix}/rules", headers=boss.headers)
    assert listed.status_code == 200
    assert listed.json() == [first, third, second]
    assert await _public_rules(client) == [
        {"id": r["id"], "text": r["text"], "hint": r["hint"]} for r in (first, third, second)
    ]


async def test_rules_from_a_form(client, factory):
    boss = await admin(factory)
    response = await client.post(
        "/api/pleroma/admin/rules", data={"text": "No spam", "priority": "3"}, headers=boss.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["priority"] == 3


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_change_keeps_what_is_left_out(client, factory, prefix):
    boss = await admin(factory)
    rule = await _create(client, boss, text="Example rule", hint="A hint")
    url = f"{prefix}/rules/{rule['id']}"
    changed = await client.patch(
        url, json={"text": "There are no rules", "priority": 2}, headers=boss.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        "id": rule["id"],
        "priority": 2,
        "text": "There are no rules",
        "hint": "A hint",
    }
    hint = await client.patch(url, json={"hint": ""}, headers=boss.headers)
    assert hint.json()["hint"] == "" and hint.json()["text"] == "There are no rules"
    assert await _public_rules(client) == [
        {"id": rule["id"], "text": "There are no rules", "hint": ""}
    ]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_delete(client, factory, prefix):
    boss = await admin(factory)
    keep = await _create(client, boss, text="Keep")
    gone = await _create(client, boss, text="Gone")
    response = await client.delete(f"{prefix}/rules/{gone['id']}", headers=boss.headers)
    assert (response.status_code, response.json()) == (200, {})
    assert [r["id"] for r in await _public_rules(client)] == [keep["id"]]
    again = await client.delete(f"{prefix}/rules/{gone['id']}", headers=boss.headers)
    assert (again.status_code, again.json()) == (404, {"error": "Not found"})


async def test_bad_input_changes_nothing(client, factory):
    boss = await admin(factory)
    rule = await _create(client, boss, text="Example rule")
    url = "/api/v1/pleroma/admin/rules"
    for body in (
        {},
        {"text": "  "},
        {"text": "x", "priority": "high"},
        {"text": "x", "priority": 2**31},
        {"text": "x" * 1001},
        {"text": ["x"]},
    ):
        response = await client.post(url, json=body, headers=boss.headers)
        assert response.status_code == 422 and "error" in response.json(), body
    for body in ({"text": ""}, {"priority": 1.5}):
        response = await client.patch(f"{url}/{rule['id']}", json=body, headers=boss.headers)
        assert response.status_code == 422, body
    for missing in ("1", "x"):
        response = await client.patch(f"{url}/{missing}", json={"text": "y"}, headers=boss.headers)
        assert response.status_code == 404
    assert await _public_rules(client) == [{"id": rule["id"], "text": "Example rule", "hint": ""}]
