"""Admin API reports routes: list (state filter, pages, total), show, the batch state
change, notes, and the reports grouped by status; each checked through the report as the
API renders it again and the moderation log."""

from __future__ import annotations

import pytest

from pyleroma.db.ids import new_id
from tests.api.admin.access_reports import make_report
from tests.api.admin.helpers import PREFIXES, admin, log_messages, moderator


async def _report(client, factory, reporter, target, comment="I feel offended", statuses=()):
    """A report made through the Mastodon API, as a client makes it."""
    response = await client.post(
        "/api/v1/reports",
        json={
            "account_id": target.id,
            "comment": comment,
            "status_ids": [str(s.id) for s in statuses],
        },
        headers=reporter.headers,
    )
    assert response.status_code == 200, response.text
    return response.json()["id"]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_show_report_as_pleroma_renders_it(client, factory, prefix):
    boss = await admin(factory)
    reporter = await factory.user("reporter")
    target = await factory.user("target")
    post = await factory.status(target.account, "offending <b>post</b>")
    report_id = await _report(client, factory, reporter, target, "a < b & c", [post])
    note = await client.post(
        f"{prefix}/reports/{report_id}/notes",
        json={"content": "this is an admin note"},
        headers=boss.headers,
    )
    assert note.status_code == 204 and note.content == b""

    response = await client.get(f"{prefix}/reports/{report_id}", headers=boss.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == report_id and body["state"] == "open"
    assert body["content"] == "a &lt; b &amp; c"
    assert body["created_at"].endswith("Z") and body["rules"] == []
    assert body["account"]["nickname"] == "target" and body["account"]["username"] == "target"
    assert body["account"]["roles"] == {"admin": False, "moderator": False}
    assert body["actor"]["id"] == reporter.id and body["actor"]["is_active"] is True
    [status] = body["statuses"]
    assert status["id"] == str(post.id) and status["account"]["username"] == "target"
    [shown_note] = body["notes"]
    assert shown_note["content"] == "this is an admin note"
    assert shown_note["user_id"] == boss.id and shown_note["user"]["nickname"] == "boss"
    assert shown_note["created_at"].endswith("Z") and shown_note["id"]

    # A deleted status leaves the report's statuses; the report stays.
    await client.delete(f"/api/v1/statuses/{post.id}", headers=target.headers)
    again = (await client.get(f"{prefix}/reports/{report_id}", headers=boss.headers)).json()
    assert again["statuses"] == [] and again["id"] == report_id

    for missing in ("test", str(new_id())):
        response = await client.get(f"{prefix}/reports/{missing}", headers=boss.headers)
        assert (response.status_code, response.json()) == (404, {"error": "Not found"})


async def test_list_reports_by_state_and_page(client, factory, app):
    boss = await admin(factory)
    empty = await client.get("/api/pleroma/admin/reports", headers=boss.headers)
    assert empty.json() == {"total": 0, "reports": []}
    first = await make_report(factory, app, "first")
    second = await make_report(factory, app, "second")
    third = await make_report(factory, app, "third")
    closed = await client.patch(
        "/api/pleroma/admin/reports",
        json={"reports": [{"id": str(second.id), "state": "closed"}]},
        headers=boss.headers,
    )
    assert closed.status_code == 204

    async def get(**query):
        response = await client.get(
            "/api/pleroma/admin/reports", params=query, headers=boss.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return body["total"], [r["id"] for r in body["reports"]]

    assert await get() == (3, [str(third.id), str(second.id), str(first.id)])
    assert await get(state="open") == (2, [str(third.id), str(first.id)])
    assert await get(state="closed") == (1, [str(second.id)])
    assert await get(state="resolved") == (0, [])
    assert await get(page=2, page_size=2) == (3, [str(first.id)])
    assert await get(limit=1) == (3, [str(third.id)])
    assert await get(rule_id="1") == (0, [])
    bad = await client.get(
        "/api/pleroma/admin/reports", params={"state": "test"}, headers=boss.headers
    )
    assert (bad.status_code, bad.json()) == (400, {"error": "test - Invalid value for enum."})
    bad = await client.get("/api/pleroma/admin/reports", params={"page": 0}, headers=boss.headers)
    assert bad.status_code == 422


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_update_states_in_a_batch_and_log_each(client, factory, app, prefix):
    mod = await moderator(factory)  # moderators manage reports
    first = await make_report(factory, app)
    second = await make_report(factory, app)
    response = await client.patch(
        f"{prefix}/reports",
        json={
            "reports": [
                {"id": str(first.id), "state": "resolved"},
                {"id": str(second.id), "state": "closed"},
            ]
        },
        headers=mod.headers,
    )
    assert response.status_code == 204 and response.content == b""

    async def state(report) -> str:
        shown = await client.get(f"{prefix}/reports/{report.id}", headers=mod.headers)
        return shown.json()["state"]

    assert (await state(first), await state(second)) == ("resolved", "closed")
    boss = await admin(factory)
    reporters = {}
    for report in (first, second):
        shown = (await client.get(f"{prefix}/reports/{report.id}", headers=mod.headers)).json()
        reporters[report.id] = shown["actor"]["nickname"]
    # Pleroma's sentence names the report's actor (the reporter) as "on user".
    assert await log_messages(client, boss) == [
        f"@modr updated report #{second.id} (on user @{reporters[second.id]}) with 'closed' state",
        f"@modr updated report #{first.id} (on user @{reporters[first.id]}) with 'resolved' state",
    ]
    log = await client.get("/api/pleroma/admin/moderation_log", headers=boss.headers)
    data = log.json()["items"][0]["data"]
    assert data["action"] == "report_update"
    assert data["subject"] == {"type": "report", "id": str(second.id), "state": "closed"}
    assert data["subject_actor"]["nickname"] == reporters[second.id]

    # A form-encoded batch (Rails' reports[][id]) works too.
    form = await client.patch(
        f"{prefix}/reports",
        data={"reports[][id]": str(first.id), "reports[][state]": "open"},
        headers=mod.headers,
    )
    assert form.status_code == 204 and await state(first) == "open"


async def test_a_bad_batch_changes_nothing(client, factory, app):
    boss = await admin(factory)
    report = await make_report(factory, app)
    url = "/api/pleroma/admin/reports"
    response = await client.patch(
        url,
        json={
            "reports": [
                {"id": str(report.id), "state": "resolved"},
                {"id": str(report.id), "state": "test"},
                {"id": "test", "state": "closed"},
                {"state": "closed"},
            ]
        },
        headers=boss.headers,
    )
    assert response.status_code == 400
    assert response.json() == [
        {"id": str(report.id), "error": "Unsupported state"},
        {"id": "test", "error": "not_found"},
        {"id": None, "error": "not_found"},
    ]
    shown = await client.get(f"{url}/{report.id}", headers=boss.headers)
    assert shown.json()["state"] == "open"
    assert await log_messages(client, boss) == []
    missing = await client.patch(url, json={}, headers=boss.headers)
    assert (missing.status_code, missing.json()) == (400, {"error": "Missing field: reports."})
    nothing = await client.patch(url, json={"reports": []}, headers=boss.headers)
    assert nothing.status_code == 204
    read_only = await factory.user("reader", is_admin=True, scopes=["admin:read"])
    refused = await client.patch(
        url,
        json={"reports": [{"id": str(report.id), "state": "closed"}]},
        headers=read_only.headers,
    )
    assert refused.status_code == 403
    assert refused.json() == {"error": "Insufficient permissions: admin:write:reports."}


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_notes_are_added_deleted_and_logged(client, factory, app, prefix):
    boss = await admin(factory)
    report = await make_report(factory, app)
    other = await make_report(factory, app)
    url = f"{prefix}/reports/{report.id}/notes"
    for content in ("this is disgusting!", "this is disgusting2!"):
        response = await client.post(url, json={"content": content}, headers=boss.headers)
        assert response.status_code == 204

    shown = (await client.get(f"{prefix}/reports/{report.id}", headers=boss.headers)).json()
    assert [n["content"] for n in shown["notes"]] == ["this is disgusting!", "this is disgusting2!"]
    listed = (await client.get(f"{prefix}/reports", headers=boss.headers)).json()
    by_id = {r["id"]: r for r in listed["reports"]}
    assert len(by_id[str(report.id)]["notes"]) == 2 and by_id[str(other.id)]["notes"] == []
    note_id = shown["notes"][0]["id"]

    wrong_report = await client.delete(
        f"{prefix}/reports/{other.id}/notes/{note_id}", headers=boss.headers
    )
    assert (wrong_report.status_code, wrong_report.json()) == (404, {"error": "Not found"})
    deleted = await client.delete(f"{url}/{note_id}", headers=boss.headers)
    assert deleted.status_code == 204
    shown = (await client.get(f"{prefix}/reports/{report.id}", headers=boss.headers)).json()
    assert [n["content"] for n in shown["notes"]] == ["this is disgusting2!"]
    again = await client.delete(f"{url}/{note_id}", headers=boss.headers)
    assert again.status_code == 404

    reporter = shown["actor"]["nickname"]
    assert await log_messages(client, boss) == [
        f"@boss deleted note 'this is disgusting!' from report #{report.id} on user @{reporter}",
        f"@boss added note 'this is disgusting2!' to report #{report.id} on user @{reporter}",
        f"@boss added note 'this is disgusting!' to report #{report.id} on user @{reporter}",
    ]

    blank = await client.post(url, json={"content": "  "}, headers=boss.headers)
    assert (blank.status_code, blank.json()) == (422, {"error": "content: can't be blank"})
    missing = await client.post(url, json={}, headers=boss.headers)
    assert missing.status_code == 422
    nowhere = await client.post(
        f"{prefix}/reports/{new_id()}/notes", json={"content": "x"}, headers=boss.headers
    )
    assert (nowhere.status_code, nowhere.json()) == (404, {"error": "Not found"})
    assert len(await log_messages(client, boss)) == 3

    # The admin API document lists the deletion as POST: that form deletes as well.
    last_id = shown["notes"][0]["id"]
    posted = await client.post(f"{url}/{last_id}", headers=boss.headers)
    assert posted.status_code == 204
    shown = (await client.get(f"{prefix}/reports/{report.id}", headers=boss.headers)).json()
    assert shown["notes"] == []
    assert len(await log_messages(client, boss)) == 4


async def test_grouped_reports(client, factory):
    boss = await admin(factory)
    reporter = await factory.user("reporter")
    other_reporter = await factory.user("other")
    target = await factory.user("target")
    first, second, third = [await factory.status(target.account, f"post {n}") for n in range(3)]
    first_report = await _report(client, factory, reporter, target, "a", [first, second, third])
    second_report = await _report(client, factory, reporter, target, "b", [first, second])
    third_report = await _report(client, factory, other_reporter, target, "c", [first])
    await _report(client, factory, reporter, target, "no statuses")
    url = "/api/v1/pleroma/admin/grouped_reports"

    body = (await client.get(url, headers=boss.headers)).json()
    groups = {g["status"]["id"]: g for g in body["reports"]}
    assert set(groups) == {str(first.id), str(second.id), str(third.id)}
    assert [r["id"] for r in groups[str(first.id)]["reports"]] == [
        third_report,
        second_report,
        first_report,
    ]
    assert [r["id"] for r in groups[str(third.id)]["reports"]] == [first_report]
    group = groups[str(first.id)]
    assert group["status"]["deleted"] is False and group["status"]["content"]
    assert group["account"]["nickname"] == "target" and "username" not in group["account"]
    assert [a["nickname"] for a in group["actors"]] == ["other", "reporter"]
    assert group["date"] == group["reports"][0]["created_at"]
    assert body["reports"][0]["status"]["id"] == str(first.id)  # the latest report's first

    await client.delete(f"/api/v1/statuses/{first.id}", headers=target.headers)
    body = (await client.get(url, headers=boss.headers)).json()
    gone = [g for g in body["reports"] if g["status"]["deleted"]]
    assert [g["status"] for g in gone] == [{"id": str(first.id), "deleted": True}]
    assert gone[0]["account"]["nickname"] == "target" and len(gone[0]["reports"]) == 3
    assert len([g for g in body["reports"] if not g["status"]["deleted"]]) == 2
