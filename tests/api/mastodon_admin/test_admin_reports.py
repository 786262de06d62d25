"""Mastodon's admin API, reports: the list and its filters, the Admin::Report entity,
resolve / reopen / update (logged, checked through the list and the moderation log), and
what is not supported here (assigning, rules)."""

from __future__ import annotations

import re

from tests.api.admin.helpers import admin, moderator
from tests.api.mastodon_admin.helpers import log_count, log_entries, log_messages, report

URL = "/api/v1/admin/reports"


async def _reports(client, factory):
    boss = await admin(factory)
    alice = await factory.user("alice")
    carol = await factory.user("carol")
    bob = await factory.account("bob")
    dave = await factory.account("dave")
    post = await factory.status(bob, "buy my stuff")
    first = await report(
        client, alice, bob.id, status_ids=[str(post.id)], comment="spam!", category="spam"
    )
    second = await report(client, carol, bob.id, comment="rude")
    third = await report(client, alice, dave.id)
    return (
        boss,
        {"alice": alice, "carol": carol, "bob": bob, "dave": dave, "post": post},
        [
            first["id"],
            second["id"],
            third["id"],
        ],
    )


async def test_list_filters_and_entity(client, factory):
    boss, who, (first, second, third) = await _reports(client, factory)
    resolved = await client.post(f"{URL}/{second}/resolve", headers=boss.headers)
    assert resolved.status_code == 200

    async def ids(**query):
        response = await client.get(URL, params=query, headers=boss.headers)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()]

    assert await ids() == [third, first]  # unresolved only, newest first
    assert await ids(resolved="false") == [third, first]
    assert await ids(resolved="true") == [second]
    assert await ids(resolved="true", unresolved="true") == [third, second, first]
    assert await ids(account_id=who["alice"].id) == [third, first]
    assert await ids(target_account_id=who["bob"].id, resolved="true") == [second]
    assert await ids(target_account_id=who["dave"].id) == [third]
    assert await ids(by_target_domain="remote.example") == []
    bad = await client.get(URL, params={"account_id": "alice"}, headers=boss.headers)
    assert (bad.status_code, bad.json()) == (422, {"error": "account_id: must be an id"})

    page = await client.get(URL, params={"limit": 1}, headers=boss.headers)
    assert [r["id"] for r in page.json()] == [third]
    following = re.search(r'<([^>]+)>; rel="next"', page.headers["link"]).group(1)
    assert [r["id"] for r in (await client.get(following, headers=boss.headers)).json()] == [first]

    entity = (await client.get(f"{URL}/{first}", headers=boss.headers)).json()
    assert entity["id"] == first and entity["action_taken"] is False
    assert entity["action_taken_at"] is None
    assert (entity["category"], entity["comment"], entity["forwarded"]) == ("spam", "spam!", False)
    assert entity["account"]["username"] == "alice" and entity["account"]["email"]
    assert entity["account"]["account"]["acct"] == "alice"
    assert entity["target_account"]["username"] == "bob"
    assert entity["target_account"]["role"]["id"] == "-99"
    assert [s["id"] for s in entity["statuses"]] == [str(who["post"].id)]
    assert entity["statuses"][0]["content"].startswith("<p>buy my stuff") or (
        "buy my stuff" in entity["statuses"][0]["content"]
    )
    assert entity["rules"] == [] and entity["assigned_account"] is None
    assert entity["action_taken_by_account"] is None
    assert entity["created_at"] and entity["updated_at"]

    done = (await client.get(f"{URL}/{second}", headers=boss.headers)).json()
    assert done["action_taken"] is True and done["action_taken_at"] == done["updated_at"]

    for missing in ("1", "x", "99999999999999999999"):
        response = await client.get(f"{URL}/{missing}", headers=boss.headers)
        assert (response.status_code, response.json()) == (404, {"error": "Record not found"})


async def test_resolve_and_reopen_are_logged(client, factory, db):
    boss, _, (first, _, _) = await _reports(client, factory)
    mod = await moderator(factory)  # Pleroma's moderators manage reports

    resolved = await client.post(f"{URL}/{first}/resolve", headers=mod.headers)
    assert resolved.status_code == 200 and resolved.json()["action_taken"] is True
    listed = await client.get(URL, params={"resolved": "true"}, headers=boss.headers)
    assert [r["id"] for r in listed.json()] == [first]
    entry = (await log_entries(client, boss))[0]
    assert (
        entry["message"] == f"@modr updated report #{first} (on user @alice) with 'resolved' state"
    )
    assert entry["data"]["subject_actor"]["nickname"] == "alice"

    count = await log_count(db)
    again = await client.post(f"{URL}/{first}/resolve", headers=boss.headers)
    assert again.status_code == 200 and await log_count(db) == count  # no change, no entry

    reopened = await client.post(f"{URL}/{first}/reopen", headers=boss.headers)
    assert reopened.status_code == 200 and reopened.json()["action_taken"] is False
    assert reopened.json()["action_taken_at"] is None
    assert first in [r["id"] for r in (await client.get(URL, headers=boss.headers)).json()]
    assert (await log_messages(client, boss))[0] == (
        f"@boss updated report #{first} (on user @alice) with 'open' state"
    )
    assert (await client.post(f"{URL}/12345/resolve", headers=boss.headers)).status_code == 404


async def test_update_category_and_refusals(client, factory, db):
    boss, _, (first, second, _) = await _reports(client, factory)
    response = await client.put(
        f"{URL}/{second}", json={"category": "violation"}, headers=boss.headers
    )
    assert response.status_code == 200 and response.json()["category"] == "violation"
    shown = (await client.get(f"{URL}/{second}", headers=boss.headers)).json()
    assert shown["category"] == "violation"
    assert (await log_messages(client, boss))[0].startswith(f"@boss updated report #{second}")
    count = await log_count(db)

    for body, error in (
        ({"category": "weird"}, "category: must be one of spam, violation, other"),
        (
            {"category": "spam", "rule_ids": ["1"]},
            "rule_ids: reports name no rules here (not supported)",
        ),
    ):
        refused = await client.put(f"{URL}/{first}", json=body, headers=boss.headers)
        assert (refused.status_code, refused.json()) == (422, {"error": error})
    unchanged = await client.put(f"{URL}/{first}", data={"category": "spam"}, headers=boss.headers)
    assert unchanged.status_code == 200 and unchanged.json()["category"] == "spam"
    assert (await client.put(f"{URL}/12345", json={}, headers=boss.headers)).status_code == 404

    for action in ("assign_to_self", "unassign"):
        refused = await client.post(f"{URL}/{first}/{action}", headers=boss.headers)
        assert (refused.status_code, refused.json()) == (
            422,
            {"error": "Assigning reports is not supported"},
        )
        missing = await client.post(f"{URL}/12345/{action}", headers=boss.headers)
        assert missing.status_code == 404
    assert await log_count(db) == count
