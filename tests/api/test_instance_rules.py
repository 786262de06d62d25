"""GET /api/v1/instance/rules and the `rules` of /api/v1/instance and /api/v2/instance."""

from __future__ import annotations

from pyleroma.models import InstanceRule

URL = "/api/v1/instance/rules"


async def _add_rules(db, rules: list[tuple[int, str, str]]) -> list[InstanceRule]:
    async with db() as session:
        rows = [InstanceRule(position=p, text=t, hint=h) for p, t, h in rules]
        session.add_all(rows)
        await session.commit()
        return rows


async def test_no_rules_is_an_empty_list(client):
    response = await client.get(URL)
    assert response.status_code == 200 and response.json() == []


async def test_rules_in_position_order_without_a_token(client, db):
    be_nice, no_spam, no_ads, no_bots = await _add_rules(
        db,
        [
            (2, "Be nice", "Really."),
            (1, "No spam", ""),
            (3, "No ads", "Not even small ones."),
            (1, "No bots without the bot flag", "Mark them."),
        ],
    )
    response = await client.get(URL)
    assert response.status_code == 200
    data = response.json()
    # equal positions keep creation order
    assert [rule["text"] for rule in data] == [
        "No spam",
        "No bots without the bot flag",
        "Be nice",
        "No ads",
    ]
    assert data[0] == {"id": str(no_spam.id), "text": "No spam", "hint": ""}
    assert data[2] == {"id": str(be_nice.id), "text": "Be nice", "hint": "Really."}
    assert {rule["id"] for rule in data} == {str(r.id) for r in (be_nice, no_spam, no_ads, no_bots)}


async def test_instance_documents_list_the_rules(client, db):
    await _add_rules(db, [(2, "Second", "h2"), (1, "First", "h1")])
    expected = (await client.get(URL)).json()
    assert [rule["text"] for rule in expected] == ["First", "Second"]
    v1 = await client.get("/api/v1/instance")
    v2 = await client.get("/api/v2/instance")
    assert v1.status_code == 200 and v2.status_code == 200
    assert v1.json()["rules"] == expected
    assert v2.json()["rules"] == expected


async def test_a_token_is_not_needed_but_accepted(client, factory, db):
    await _add_rules(db, [(0, "Only rule", "")])
    alice = await factory.user("alice")
    response = await client.get(URL, headers=alice.headers)
    assert response.status_code == 200 and [r["text"] for r in response.json()] == ["Only rule"]
