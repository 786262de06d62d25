"""The moderation log entries pyleroma writes where Pleroma writes none: invites, OAuth apps,
emoji reload, announcements, rules, instance documents, front end installs and instance
deletion. Each change shows in GET /moderation_log with its sentence and its data (never a
secret: no invite token, no app secret); a refused or failed call adds nothing."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from pyleroma.models import Account
from tests.api.admin.helpers import admin, moderator
from tests.api.relationship_helpers import remote_account

A = "/api/pleroma/admin"


@pytest.fixture
def settings_overrides() -> dict:
    """Invites mailable: the mail is only queued (no job runs here), so no SMTP server."""
    return {
        "registrations": "invite",
        "mailer_enabled": True,
        "mailer_host": "127.0.0.1",
        "mailer_port": 2525,
        "mailer_tls": "none",
        "mailer_from": "admin@pyleroma.test",
    }


async def _log(client, staff) -> list[dict]:
    """Every entry, oldest first."""
    response = await client.get(f"{A}/moderation_log?page_size=500", headers=staff.headers)
    assert response.status_code == 200, response.text
    return list(reversed(response.json()["items"]))


async def _call(client, staff, method: str, path: str, status: int = 200, **kwargs):
    response = await client.request(method, f"{A}{path}", headers=staff.headers, **kwargs)
    assert response.status_code == status, response.text
    return response


async def _refused(client, staff, calls: list[tuple[str, str, int, dict]]) -> None:
    """Each call answers its status and adds no entry."""
    before = await _log(client, staff)
    for method, path, status, kwargs in calls:
        await _call(client, staff, method, path, status, **kwargs)
    assert await _log(client, staff) == before


def _data(entry: dict) -> dict:
    """The entry's data without the actor and the message (checked apart)."""
    return {k: v for k, v in entry["data"].items() if k not in ("actor", "message")}


# --- invites --------------------------------------------------------------------------------


async def test_invites_are_logged_by_id_never_by_token(client, factory):
    boss = await admin(factory)
    made = (await _call(client, boss, "POST", "/users/invite_token", json={"max_use": 2})).json()
    await _call(client, boss, "POST", "/users/revoke_invite", json={"token": made["token"]})
    await _call(
        client, boss, "POST", "/users/email_invite", 204, json={"email": "Friend@Example.org"}
    )
    [mailed] = [
        i
        for i in (await _call(client, boss, "GET", "/users/invites")).json()["invites"]
        if i["id"] != made["id"]
    ]
    log = await _log(client, boss)
    assert [e["message"] for e in log] == [
        f"@boss created invite #{made['id']}",
        f"@boss revoked invite #{made['id']}",
        f"@boss sent invite #{mailed['id']} to Friend@example.org",
    ]
    subject = {"type": "invite", "id": made["id"], "invite_type": "reusable"}
    assert [_data(e) for e in log] == [
        {"action": "invite_create", "subject": subject},
        {"action": "invite_revoke", "subject": subject},
        {
            "action": "invite_email",
            "subject": {"type": "invite", "id": mailed["id"], "invite_type": "one_time"},
            "email": "Friend@example.org",
        },
    ]
    assert log[0]["data"]["actor"] == {"id": boss.id, "nickname": "boss", "type": "user"}
    dumped = json.dumps(log)
    assert made["token"] not in dumped and mailed["token"] not in dumped


async def test_refused_invite_calls_log_nothing(client, factory):
    boss = await admin(factory)
    await _refused(
        client,
        boss,
        [
            ("POST", "/users/revoke_invite", 404, {"json": {"token": "no-such-token"}}),
            ("POST", "/users/revoke_invite", 422, {"json": {}}),
            ("POST", "/users/invite_token", 422, {"json": {"max_use": 0}}),
            ("POST", "/users/invite_token", 422, {"json": {"expires_at": "2001-01-01"}}),
            ("POST", "/users/email_invite", 422, {"json": {"email": "not an address"}}),
        ],
    )
    modr = await moderator(factory)  # no users_manage_invites
    await _call(client, modr, "POST", "/users/invite_token", 403, json={})
    assert await _log(client, boss) == []


# --- OAuth apps -----------------------------------------------------------------------------


async def test_oauth_app_changes_are_logged_without_secrets(client, factory):
    boss = await admin(factory)
    body = {"name": "Bot", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    made = (await _call(client, boss, "POST", "/oauth_app", json=body)).json()
    app_id = made["id"]
    await _call(client, boss, "PATCH", f"/oauth_app/{app_id}", json={"name": "Bot 2"})
    await _call(client, boss, "PATCH", f"/oauth_app/{app_id}", json={})  # changes nothing
    await _call(client, boss, "DELETE", f"/oauth_app/{app_id}", 204)
    log = await _log(client, boss)
    assert [e["message"] for e in log] == [
        f"@boss created OAuth app #{app_id} (Bot)",
        f"@boss updated OAuth app #{app_id} (Bot 2)",
        f"@boss deleted OAuth app #{app_id} (Bot 2)",
    ]
    assert [_data(e) for e in log] == [
        {"action": f"oauth_app_{change}", "subject": {"type": "oauth_app", "id": app_id, "name": n}}
        for change, n in (("create", "Bot"), ("update", "Bot 2"), ("delete", "Bot 2"))
    ]
    dumped = json.dumps(log)
    assert made["client_secret"] not in dumped and made["client_id"] not in dumped


async def test_refused_oauth_app_calls_log_nothing(client, factory):
    boss = await admin(factory)
    body = {"name": "Bot", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    app_id = (await _call(client, boss, "POST", "/oauth_app", json=body)).json()["id"]
    await _refused(
        client,
        boss,
        [
            ("POST", "/oauth_app", 422, {"json": {"name": "", "redirect_uris": "x"}}),
            ("POST", "/oauth_app", 422, {"json": {"name": "X", "redirect_uris": "relative"}}),
            ("PATCH", f"/oauth_app/{app_id}", 422, {"json": {"scopes": "read nonsense"}}),
            ("PATCH", "/oauth_app/12345", 400, {"json": {"name": "Y"}}),
            ("DELETE", "/oauth_app/12345", 400, {}),
        ],
    )
    assert [e["message"] for e in await _log(client, boss)] == [
        f"@boss created OAuth app #{app_id} (Bot)"
    ]


# --- emoji ----------------------------------------------------------------------------------


async def test_emoji_reload_is_logged_unless_it_fails(app, client, factory, tmp_path):
    boss = await admin(factory)
    await _call(client, boss, "POST", "/reload_emoji")
    assert [(e["message"], _data(e)) for e in await _log(client, boss)] == [
        ("@boss reloaded emoji", {"action": "emoji_reload"})
    ]
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    app.state.settings.emoji_dir = str(blocker / "emoji")
    try:
        await _refused(client, boss, [("POST", "/reload_emoji", 503, {})])
    finally:
        app.state.settings.emoji_dir = ""


# --- announcements and rules ----------------------------------------------------------------


async def test_announcement_changes_are_logged(client, factory):
    boss = await admin(factory)
    made = (await _call(client, boss, "POST", "/announcements", json={"content": "Hi"})).json()
    ident = made["id"]
    await _call(client, boss, "PATCH", f"/announcements/{ident}", json={"content": "Hello"})
    await _call(client, boss, "DELETE", f"/announcements/{ident}")
    log = await _log(client, boss)
    assert [e["message"] for e in log] == [
        f"@boss created announcement #{ident}",
        f"@boss updated announcement #{ident}",
        f"@boss deleted announcement #{ident}",
    ]
    subject = {"type": "announcement", "id": ident}
    assert [_data(e) for e in log] == [
        {"action": f"announcement_{change}", "subject": subject}
        for change in ("create", "update", "delete")
    ]


async def test_refused_announcement_calls_log_nothing(client, factory):
    boss = await admin(factory)
    ident = (await _call(client, boss, "POST", "/announcements", json={"content": "Hi"})).json()[
        "id"
    ]
    window = {"content": "x", "starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01"}
    await _refused(
        client,
        boss,
        [
            ("POST", "/announcements", 422, {"json": {"content": "  "}}),
            ("POST", "/announcements", 400, {"json": {"content": "x", "starts_at": "soon"}}),
            ("POST", "/announcements", 422, {"json": window}),
            ("PATCH", f"/announcements/{ident}", 422, {"json": {"content": ""}}),
            ("PATCH", "/announcements/12345", 404, {"json": {"content": "x"}}),
            ("DELETE", "/announcements/12345", 404, {}),
        ],
    )
    # The refused PATCH left the announcement as it was.
    shown = (await _call(client, boss, "GET", f"/announcements/{ident}")).json()
    assert shown["pleroma"]["raw_content"] == "Hi"


async def test_rule_changes_are_logged_and_refusals_are_not(client, factory):
    boss = await admin(factory)
    rule = (await _call(client, boss, "POST", "/rules", json={"text": "Be nice"})).json()
    ident = rule["id"]
    await _call(client, boss, "PATCH", f"/rules/{ident}", json={"priority": 3})
    await _refused(
        client,
        boss,
        [
            ("POST", "/rules", 422, {"json": {"text": " "}}),
            ("PATCH", f"/rules/{ident}", 422, {"json": {"text": ""}}),
            ("PATCH", "/rules/12345", 404, {"json": {"text": "x"}}),
            ("DELETE", "/rules/12345", 404, {}),
        ],
    )
    await _call(client, boss, "DELETE", f"/rules/{ident}")
    log = await _log(client, boss)
    assert [e["message"] for e in log] == [
        f"@boss created rule #{ident}",
        f"@boss updated rule #{ident}",
        f"@boss deleted rule #{ident}",
    ]
    assert [_data(e)["subject"] for e in log] == [{"type": "rule", "id": ident}] * 3
    assert (await _call(client, boss, "GET", "/rules")).json() == []


# --- instance documents and front ends ------------------------------------------------------


async def test_instance_document_changes_are_logged_once_the_file_changed(app, client, factory):
    boss = await admin(factory)
    path = "/instance_document/instance-panel"
    upload = {"file": ("panel.html", b"<p>Welcome</p>", "text/html")}
    await _refused(
        client,
        boss,
        [
            ("DELETE", path, 404, {}),  # nothing stored yet
            ("PATCH", "/instance_document/nonsense", 404, {"files": upload}),
            ("PATCH", path, 422, {"data": {"other": "x"}}),
            ("PATCH", path, 422, {"files": {"file": ("p.html", b"\xff\xfe<p>", "text/html")}}),
        ],
    )
    await _call(client, boss, "PATCH", path, files=upload)
    assert (app.state.settings.data_dir / "static/instance/panel.html").is_file()
    await _call(client, boss, "DELETE", path)
    log = await _log(client, boss)
    assert [e["message"] for e in log] == [
        "@boss updated instance document instance-panel",
        "@boss deleted instance document instance-panel (back to the default)",
    ]
    assert [_data(e) for e in log] == [
        {"action": "instance_document_update", "name": "instance-panel"},
        {"action": "instance_document_delete", "name": "instance-panel"},
    ]


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


async def test_frontend_install_is_logged_once_installed(app, client, factory, tmp_path):
    boss = await admin(factory)
    archive = tmp_path / "build.zip"
    archive.write_bytes(b"not a zip")
    bad, gone = str(archive), str(tmp_path / "missing.zip")
    await _refused(
        client,
        boss,
        [
            ("POST", "/frontends/install", 400, {"json": {"name": "../evil", "ref": "1"}}),
            ("POST", "/frontends/install", 400, {"json": {"name": "x", "ref": "1"}}),
            ("POST", "/frontends/install", 400, {"json": {"name": "x", "ref": "1", "file": gone}}),
            ("POST", "/frontends/install", 422, {"json": {"name": "x", "ref": "1", "file": bad}}),
        ],
    )
    listed = (await _call(client, boss, "GET", "/frontends")).json()
    assert not any(f["installed"] for f in listed)
    archive.write_bytes(_zip({"dist/index.html": b"<title>fe</title>"}))
    body = {"name": "pleroma-fe", "ref": "stable", "file": str(archive)}
    await _call(client, boss, "POST", "/frontends/install", json=body)
    await _call(client, boss, "POST", "/frontends/install", json={**body, "ref": None})
    log = await _log(client, boss)
    assert [e["message"] for e in log] == [
        "@boss installed front end pleroma-fe (stable)",
        "@boss installed front end pleroma-fe (develop)",  # the known front end's ref
    ]
    assert _data(log[0]) == {"action": "frontend_install", "name": "pleroma-fe", "ref": "stable"}


# --- instances ------------------------------------------------------------------------------


async def test_instance_deletion_is_logged_with_the_host(client, factory, db):
    boss = await admin(factory)
    remote = await remote_account(db, "lain", "example.com")
    await _refused(
        client,
        boss,
        [("DELETE", "/instances/pyleroma.test", 422, {}), ("DELETE", "/instances/%20", 422, {})],
    )
    modr = await moderator(factory)  # no instances_delete
    await _call(client, modr, "DELETE", "/instances/example.com", 403)
    assert (await _call(client, boss, "DELETE", "/instances/Example.COM")).json() == "example.com"
    await _call(client, boss, "DELETE", "/instances/nobody.example")  # no accounts: logged too
    log = await _log(client, boss)
    assert [e["message"] for e in log] == [
        "@boss deleted instance example.com",
        "@boss deleted instance nobody.example",
    ]
    assert _data(log[0]) == {"action": "instance_delete", "target": "example.com"}
    async with db() as session:
        active = await session.scalar(select(Account.is_active).where(Account.id == remote.id))
    assert active is False
