"""Mastodon's admin API, accounts: lists with the v1 and v2 filters and paging, the
Admin::Account entity, and each action, its effect checked through other endpoints (Pleroma's
admin API, the Mastodon API, the moderation log) and its refusals (nothing written)."""

from __future__ import annotations

import re

from pyleroma.federation.relay import get_or_create_relay_actor
from tests.api.admin.helpers import admin
from tests.api.mastodon_admin.helpers import (
    log_count,
    log_entries,
    log_messages,
    pleroma_user,
    remote_account,
    report,
    stored,
)
from tests.api.posting_helpers import drain

V1 = "/api/v1/admin/accounts"
V2 = "/api/v2/admin/accounts"


async def _world(factory, db):
    boss = await admin(factory)
    mod = await factory.account("modr", is_moderator=True)
    bob = await factory.account("bob", display_name="Bobby Tables")
    carol = await factory.account("carol", is_active=False, email="carol@mail.test")
    dave = await factory.account("dave", is_approved=False, registration_reason="hi there")
    eve = await remote_account(db, "eve", "remote.example", tags=["mrf_tag:force-unlisted"])
    return boss, {"modr": mod, "bob": bob, "carol": carol, "dave": dave, "eve": eve}


async def test_lists_with_v1_and_v2_filters(client, factory, db):
    boss, accounts = await _world(factory, db)

    async def names(url, **query):
        response = await client.get(url, params=query, headers=boss.headers)
        assert response.status_code == 200, response.text
        return [a["username"] for a in response.json()]

    # Newest first, every account but service actors.
    assert await names(V2) == ["eve", "dave", "carol", "bob", "modr", "boss"]
    assert await names(V2, origin="local") == ["dave", "carol", "bob", "modr", "boss"]
    assert await names(V2, origin="remote") == ["eve"]
    assert await names(V2, status="pending") == ["dave"]
    assert await names(V2, status="disabled") == ["carol"]
    assert await names(V2, status="suspended") == ["carol"]
    assert await names(V2, status="silenced") == ["eve"]
    assert await names(V2, status="sensitized") == []
    assert await names(V2, status="active", origin="local") == ["bob", "modr", "boss"]
    assert await names(V2, permissions="staff") == ["modr", "boss"]
    assert await names(V2, **{"role_ids[]": "3"}) == ["boss"]
    assert await names(V2, **{"role_ids[]": ["2", "-99"], "origin": "local"}) == [
        "dave",
        "carol",
        "bob",
        "modr",
    ]
    assert await names(V2, username="BO") == ["bob", "boss"]
    assert await names(V2, username="remote") == []  # the domain is not the username
    assert await names(V2, username="eve@remote") == ["eve"]
    assert await names(V2, display_name="tables") == ["bob"]
    assert await names(V2, email="MAIL.test") == ["carol"]
    assert await names(V2, by_domain="https://Remote.example") == ["eve"]
    assert await names(V2, by_domain="pyleroma.test") == await names(V2, origin="local")
    assert await names(V2, ip="127.0.0.1") == []  # no addresses are stored
    assert await names(V2, invited_by=accounts["bob"].id) == []

    assert await names(V1, local="true", pending="true") == ["dave"]
    assert await names(V1, remote="1") == ["eve"]
    assert await names(V1, staff="true", local="false") == ["modr", "boss"]
    assert await names(V1, disabled="true", silenced="false") == ["carol"]
    assert await names(V1, username="car") == ["carol"]

    for query in ({"origin": "elsewhere"}, {"status": "gone"}, {"permissions": "all"}):
        bad = await client.get(V2, params=query, headers=boss.headers)
        assert bad.status_code == 422 and bad.json()["error"].startswith(next(iter(query)))
    bad = await client.get(V1, params={"max_id": "x"}, headers=boss.headers)
    assert bad.status_code == 422 and "error" in bad.json()
    bad = await client.get(V1, params={"pending": "maybe"}, headers=boss.headers)
    assert bad.status_code == 422


async def test_pages_follow_the_link_header(client, factory, db):
    boss, _ = await _world(factory, db)
    seen, url, params = [], V2, {"origin": "local", "limit": "2"}
    while url:
        response = await client.get(url, params=params, headers=boss.headers)
        assert response.status_code == 200
        page = [a["username"] for a in response.json()]
        if not page:
            assert "link" not in response.headers
            break
        assert len(page) <= 2
        seen += page
        url = re.search(r'<([^>]+)>; rel="next"', response.headers["link"]).group(1)
        assert "origin=local" in url and "limit=2" in url
        params = None
    assert seen == ["dave", "carol", "bob", "modr", "boss"]

    first = (await client.get(V2, params={"limit": 2}, headers=boss.headers)).json()
    prev = await client.get(
        V2, params={"min_id": first[-1]["id"], "limit": 5}, headers=boss.headers
    )
    assert [a["id"] for a in prev.json()] == [first[0]["id"]]


async def test_admin_account_entity(client, factory, db):
    boss, accounts = await _world(factory, db)
    response = await client.get(f"{V1}/{accounts['dave'].id}", headers=boss.headers)
    assert response.status_code == 200
    dave = response.json()
    assert dave["id"] == str(accounts["dave"].id)
    assert dave["username"] == "dave" and dave["domain"] is None
    assert dave["email"] == "dave@example.com" and dave["invite_request"] == "hi there"
    assert dave["role"] == {
        "id": "-99",
        "name": "",
        "permissions": "65536",
        "color": "",
        "highlighted": False,
    }
    assert (dave["approved"], dave["confirmed"], dave["disabled"], dave["suspended"]) == (
        False,
        True,
        False,
        False,
    )
    assert (dave["silenced"], dave["sensitized"], dave["ip"], dave["ips"]) == (
        False,
        False,
        None,
        [],
    )
    assert dave["created_by_application_id"] is None and dave["invited_by_account_id"] is None
    public = (await client.get(f"/api/v1/accounts/{accounts['bob'].id}")).json()
    bob = (await client.get(f"{V1}/{accounts['bob'].id}", headers=boss.headers)).json()
    assert bob["account"]["id"] == public["id"] and bob["account"]["acct"] == "bob"
    assert bob["account"]["pleroma"]["deactivated"] is False  # the admin's view

    roles = {}
    for name in ("boss", "modr"):
        ident = boss.id if name == "boss" else accounts["modr"].id
        roles[name] = (await client.get(f"{V1}/{ident}", headers=boss.headers)).json()["role"]
    assert (roles["boss"]["id"], roles["boss"]["name"]) == ("3", "Admin")
    assert (roles["modr"]["id"], roles["modr"]["name"]) == ("2", "Moderator")

    eve = (await client.get(f"{V1}/{accounts['eve'].id}", headers=boss.headers)).json()
    assert (eve["username"], eve["domain"], eve["role"], eve["email"]) == (
        "eve",
        "remote.example",
        None,
        None,
    )
    assert eve["silenced"] is True and eve["account"]["acct"] == "eve@remote.example"
    carol = (await client.get(f"{V1}/{accounts['carol'].id}", headers=boss.headers)).json()
    assert carol["disabled"] is True and carol["suspended"] is True

    for missing in ("1", "bob", "99999999999999999999"):
        response = await client.get(f"{V1}/{missing}", headers=boss.headers)
        assert response.status_code == 404 and response.json() == {"error": "Record not found"}


async def test_disable_then_enable(client, factory, db):
    boss = await admin(factory)
    bob = await factory.user("bob")
    url = f"{V1}/{bob.id}"
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=bob.headers)).is_success

    response = await client.post(f"{url}/action", json={"type": "disable"}, headers=boss.headers)
    assert (response.status_code, response.json()) == (200, {})
    assert (await pleroma_user(client, boss, "bob"))["is_active"] is False
    refused = await client.get("/api/v1/accounts/verify_credentials", headers=bob.headers)
    assert refused.status_code in (401, 403)
    shown = (await client.get(url, headers=boss.headers)).json()
    assert shown["disabled"] is True and shown["suspended"] is True
    assert (await log_messages(client, boss))[0] == "@boss deactivated users: @bob"
    # Already disabled: nothing changes, nothing is logged.
    count = await log_count(db)
    await client.post(f"{url}/action", data={"type": "disable"}, headers=boss.headers)
    assert await log_count(db) == count

    enabled = await client.post(f"{url}/enable", headers=boss.headers)
    assert enabled.status_code == 200 and enabled.json()["disabled"] is False
    assert (await pleroma_user(client, boss, "bob"))["is_active"] is True
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=bob.headers)).is_success
    assert (await log_messages(client, boss))[0] == "@boss activated users: @bob"
    await client.post(f"{url}/enable", headers=boss.headers)
    assert await log_count(db) == count + 1


async def test_suspend_with_a_report_resolves_it(client, factory, db):
    boss = await admin(factory)
    alice = await factory.user("alice")
    bob = await factory.account("bob")
    status = await factory.status(bob, "buy my stuff")
    filed = await report(client, alice, bob.id, status_ids=[str(status.id)], comment="spam")
    body = {"type": "suspend", "report_id": filed["id"], "text": "no spam here"}
    response = await client.post(f"{V1}/{bob.id}/action", json=body, headers=boss.headers)
    assert response.status_code == 200, response.text

    assert (await pleroma_user(client, boss, "bob"))["is_active"] is False
    assert (await client.get(f"/api/v1/accounts/{bob.id}")).status_code == 404
    shown = await client.get(f"/api/v1/admin/reports/{filed['id']}", headers=boss.headers)
    assert shown.json()["action_taken"] is True
    entries = await log_entries(client, boss)
    assert [e["message"] for e in entries[:2]] == [
        f"@boss updated report #{filed['id']} (on user @alice) with 'resolved' state",
        "@boss deactivated users: @bob",
    ]
    assert entries[0]["data"]["subject"] == {
        "type": "report",
        "id": filed["id"],
        "state": "resolved",
    }

    back = await client.post(f"{V1}/{bob.id}/unsuspend", headers=boss.headers)
    assert back.status_code == 200 and back.json()["suspended"] is False
    assert (await client.get(f"/api/v1/accounts/{bob.id}")).status_code == 200
    assert (await log_messages(client, boss))[0] == "@boss activated users: @bob"

    # type "none" with a report: only the report is resolved.
    second = await report(client, alice, bob.id, comment="again")
    response = await client.post(
        f"{V1}/{bob.id}/action", json={"report_id": second["id"]}, headers=boss.headers
    )
    assert response.status_code == 200
    assert (await pleroma_user(client, boss, "bob"))["is_active"] is True
    assert (await log_messages(client, boss))[0].startswith(f"@boss updated report #{second['id']}")


async def test_action_refusals_change_nothing(client, factory, db, app):
    boss = await admin(factory)
    alice = await factory.user("alice")
    bob = await factory.account("bob")
    eve = await remote_account(db, "eve", "remote.example")
    about_alice = await report(client, bob_user := await factory.user("rob"), alice.id)
    assert bob_user
    count = await log_count(db)

    async def act(target, status, error, **body):
        response = await client.post(f"{V1}/{target}/action", json=body, headers=boss.headers)
        assert (response.status_code, response.json()) == (status, {"error": error})

    await act(
        bob.id, 422, "type: must be one of none, sensitive, disable, silence, suspend", type="ban"
    )
    await act(eve.id, 400, "Only local accounts can be disabled", type="disable")
    await act(boss.id, 403, "You can't moderate your own account.", type="suspend")
    await act(bob.id, 422, "Silencing is not supported for local accounts", type="silence")
    await act(
        eve.id,
        422,
        "Marking media sensitive is not supported: TagPolicy is not in mrf_policies",
        type="sensitive",
    )
    await act(bob.id, 404, "Record not found", type="suspend", report_id="12345")
    await act(
        bob.id,
        400,
        "Report does not target this account",
        type="suspend",
        report_id=about_alice["id"],
    )
    await act("999", 404, "Record not found", type="suspend")
    async with db() as session:
        relay = await get_or_create_relay_actor(session, app.state.settings)
        await session.commit()
    message = f"@{relay.nickname} is this instance's own service actor: it cannot be moderated."
    await act(relay.id, 403, message, type="suspend")
    listed = await client.get(V2, headers=boss.headers)
    assert str(relay.id) not in [a["id"] for a in listed.json()]
    assert await log_count(db) == count
    assert (await stored(db, bob.id)).is_active is True
    shown = await client.get(f"/api/v1/admin/reports/{about_alice['id']}", headers=boss.headers)
    assert shown.json()["action_taken"] is False
    assert app.state.settings.mrf_policies == []


async def test_silence_and_sensitive_with_tag_policy(client, factory, db, app):
    app.state.settings.mrf_policies = ["TagPolicy"]
    boss = await admin(factory)
    eve = await remote_account(db, "eve", "remote.example", tags=["vip"])
    url = f"{V1}/{eve.id}"
    for kind in ("silence", "sensitive"):
        response = await client.post(f"{url}/action", json={"type": kind}, headers=boss.headers)
        assert response.status_code == 200, response.text
    user = await pleroma_user(client, boss, "eve@remote.example")
    assert user["tags"] == ["vip", "mrf_tag:force-unlisted", "mrf_tag:media-force-nsfw"]
    shown = (await client.get(url, headers=boss.headers)).json()
    assert shown["silenced"] is True and shown["sensitized"] is True
    assert (await client.get(V2, params={"status": "sensitized"}, headers=boss.headers)).json()[0][
        "id"
    ] == str(eve.id)
    assert (await log_messages(client, boss))[:2] == [
        "@boss added tags: mrf_tag:media-force-nsfw to users: @eve@remote.example",
        "@boss added tags: mrf_tag:force-unlisted to users: @eve@remote.example",
    ]

    app.state.settings.mrf_policies = []  # taking a tag off works whatever the policies
    assert (await client.post(f"{url}/unsilence", headers=boss.headers)).json()["silenced"] is False
    unsensitive = await client.post(f"{url}/unsensitive", headers=boss.headers)
    assert unsensitive.json()["sensitized"] is False
    assert (await pleroma_user(client, boss, "eve@remote.example"))["tags"] == ["vip"]
    assert (await log_messages(client, boss))[:2] == [
        "@boss removed tags: mrf_tag:media-force-nsfw from users: @eve@remote.example",
        "@boss removed tags: mrf_tag:force-unlisted from users: @eve@remote.example",
    ]
    count = await log_count(db)
    assert (await client.post(f"{url}/unsilence", headers=boss.headers)).status_code == 200
    assert await log_count(db) == count


async def test_approve_and_reject_registrations(client, factory, db):
    boss = await admin(factory)
    dave = await factory.account("dave", is_approved=False)
    erin = await factory.account("erin", is_approved=False)

    approved = await client.post(f"{V1}/{dave.id}/approve", headers=boss.headers)
    assert approved.status_code == 200 and approved.json()["approved"] is True
    assert (await pleroma_user(client, boss, "dave"))["is_approved"] is True
    assert (await log_messages(client, boss))[0] == "@boss approved users: @dave"
    count = await log_count(db)
    assert (await client.post(f"{V1}/{dave.id}/approve", headers=boss.headers)).status_code == 200
    assert await log_count(db) == count  # approved already: nothing to log

    refused = await client.post(f"{V1}/{dave.id}/reject", headers=boss.headers)
    assert (refused.status_code, refused.json()) == (400, {"error": "User is approved"})
    assert await log_count(db) == count and await stored(db, dave.id) is not None

    rejected = await client.post(f"{V1}/{erin.id}/reject", headers=boss.headers)
    assert rejected.status_code == 200
    assert rejected.json()["username"] == "erin" and rejected.json()["approved"] is False
    assert await pleroma_user(client, boss, "erin") is None
    assert (await client.get(f"{V1}/{erin.id}", headers=boss.headers)).status_code == 404
    entry = (await log_entries(client, boss))[0]
    assert entry["data"]["action"] == "reject"
    assert entry["data"]["subject"] == [{"id": str(erin.id), "nickname": "erin", "type": "user"}]
    assert entry["message"].startswith("@boss reject")


async def test_delete_local_and_remote_accounts(client, factory, db, app):
    boss = await admin(factory)
    bob = await factory.user("bob")
    await factory.status(bob.account, "soon gone")

    response = await client.delete(f"{V1}/{bob.id}", headers=boss.headers)
    assert response.status_code == 200
    assert response.json()["username"] == "bob" and response.json()["suspended"] is True
    assert (await pleroma_user(client, boss, "bob"))["is_active"] is False
    refused = await client.get("/api/v1/accounts/verify_credentials", headers=bob.headers)
    assert refused.status_code in (401, 403)  # its sessions ended
    assert (await log_messages(client, boss))[0] == "@boss deleted users: @bob"
    await drain(app)
    assert await pleroma_user(client, boss, "bob") is None
    assert await stored(db, bob.id) is None

    eve = await remote_account(db, "eve", "remote.example")
    deleted = await client.delete(f"{V1}/{eve.id}", headers=boss.headers)
    assert deleted.status_code == 200 and deleted.json()["suspended"] is True
    assert (await pleroma_user(client, boss, "eve@remote.example"))["is_active"] is False
    assert (await log_messages(client, boss))[0] == "@boss deleted users: @eve@remote.example"

    count = await log_count(db)
    myself = await client.delete(f"{V1}/{boss.id}", headers=boss.headers)
    assert (myself.status_code, myself.json()) == (
        403,
        {"error": "You can't moderate your own account."},
    )
    missing = await client.delete(f"{V1}/12345", headers=boss.headers)
    assert missing.status_code == 404
    assert await log_count(db) == count
