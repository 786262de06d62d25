"""Admin API invites: invite_token, invites, revoke_invite and email_invite, with the invites
then used (or refused) by registration, and the invitation mail read at the real SMTP
server."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from pyleroma.models import Account, InviteToken
from tests.api.admin.helpers import PREFIXES, admin, log_messages
from tests.api.mail_helpers import delivered, mail_on
from tests.conftest import BASE_URL
from tests.mail_server import html_of, text_of

KEYS = {"id", "token", "used", "expires_at", "uses", "max_use", "invite_type"}


@pytest.fixture
def settings_overrides(request, smtp_inbox):
    """Every test here: invite-only registrations and mail to the test's SMTP server; a
    test may change more (``indirect`` parametrisation)."""
    return mail_on(smtp_inbox, **{"registrations": "invite", **getattr(request, "param", {})})


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


async def _invites(client, staff) -> list[dict]:
    response = await client.get("/api/pleroma/admin/users/invites", headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.json()["invites"]


async def _count(db, model) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def _register(client, factory, username: str, token: str | None):
    app = await factory.oauth_app(scopes=["read", "write", "follow", "push"])
    app_token = await factory.token(None, scopes=list(app.scopes), app=app)
    body = {
        "username": username,
        "email": f"{username}@example.org",
        "password": "PlzDontHackLain",
        "agreement": "true",
    }
    if token is not None:
        body["token"] = token
    return await client.post(
        "/api/v1/accounts", json=body, headers={"Authorization": f"Bearer {app_token}"}
    )


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_create_each_kind_and_list_them(client, factory, db, prefix):
    boss = await admin(factory)
    assert (await client.get(f"{prefix}/users/invites", headers=boss.headers)).json() == {
        "invites": []
    }
    today = _today().isoformat()
    bodies = [{}, {"max_use": 150}, {"expires_at": today}, {"max_use": "2", "expires_at": today}]
    kinds = ["one_time", "reusable", "date_limited", "reusable_date_limited"]
    made = []
    for body, kind in zip(bodies, kinds, strict=True):
        response = await client.post(
            f"{prefix}/users/invite_token", json=body, headers=boss.headers
        )
        assert response.status_code == 200, response.text
        invite = response.json()
        assert set(invite) == KEYS and invite["invite_type"] == kind
        assert (invite["used"], invite["uses"]) == (False, 0)
        assert isinstance(invite["id"], str) and len(invite["token"]) >= 40
        made.append(invite)
    assert [(i["max_use"], i["expires_at"]) for i in made] == [
        (None, None),
        (150, None),
        (None, today),
        (2, today),
    ]
    listed = await client.get(f"{prefix}/users/invites", headers=boss.headers)
    assert listed.json() == {"invites": made}
    # A form works as JSON does.
    form = await client.post(
        f"{prefix}/users/invite_token", data={"max_use": "3"}, headers=boss.headers
    )
    assert form.json()["invite_type"] == "reusable" and form.json()["max_use"] == 3
    async with db() as session:
        stored = (await session.scalars(select(InviteToken).order_by(InviteToken.id))).all()
    assert [i.token for i in stored] == [i["token"] for i in made] + [form.json()["token"]]
    # Pleroma logs no invite; pyleroma does (tests/api/admin/test_moderation_log_more.py).
    created = [f"@boss created invite #{i['id']}" for i in [*made, form.json()]]
    assert await log_messages(client, boss) == created[::-1]


async def test_bad_limits_are_refused_and_nothing_is_made(client, factory, db):
    boss = await admin(factory)
    yesterday = (_today() - dt.timedelta(days=1)).isoformat()
    cases = [
        ({"max_use": 0}, "max_use: must be at least 1"),
        ({"max_use": -5}, "max_use: must be at least 1"),
        ({"max_use": "many"}, "max_use: must be an integer"),
        ({"max_use": 2**40}, "max_use: must be at most"),
        ({"expires_at": "next week"}, "expires_at: must be a date"),
        ({"expires_at": "2030-02-30"}, "expires_at: must be a date"),
        ({"expires_at": yesterday}, "expires_at: must not be in the past"),
        ({"expires_at": "2030-01-01T00:00:00Z"}, "expires_at: must be a date"),
    ]
    for body, message in cases:
        response = await client.post(
            "/api/pleroma/admin/users/invite_token", json=body, headers=boss.headers
        )
        assert response.status_code == 422, (body, response.text)
        assert message in response.json()["error"], (body, response.text)
    assert await _count(db, InviteToken) == 0


async def test_invites_made_here_let_people_register(client, factory, db):
    boss = await admin(factory)
    reusable = await client.post(
        "/api/pleroma/admin/users/invite_token", json={"max_use": 2}, headers=boss.headers
    )
    token = reusable.json()["token"]
    assert (await _register(client, factory, "first", None)).json() == {"error": "Invalid token"}
    for name in ("first", "second"):
        response = await _register(client, factory, name, token)
        assert response.status_code == 200, response.text
    third = await _register(client, factory, "third", token)
    assert (third.status_code, third.json()) == (422, {"error": "Expired token"})
    [listed] = await _invites(client, boss)
    assert (listed["uses"], listed["used"], listed["invite_type"]) == (2, True, "reusable")
    async with db() as session:
        invite_ids = set(
            (
                await session.scalars(
                    select(Account.invite_id).where(Account.nickname.in_(["first", "second"]))
                )
            ).all()
        )
    assert invite_ids == {int(listed["id"])}


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_revoke_an_invite(client, factory, prefix):
    boss = await admin(factory)
    made = (await client.post(f"{prefix}/users/invite_token", json={}, headers=boss.headers)).json()
    revoked = await client.post(
        f"{prefix}/users/revoke_invite", json={"token": made["token"]}, headers=boss.headers
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json() == {**made, "used": True}
    assert await _invites(client, boss) == [{**made, "used": True}]
    refused = await _register(client, factory, "late", made["token"])
    assert (refused.status_code, refused.json()) == (422, {"error": "Expired token"})

    unknown = await client.post(
        f"{prefix}/users/revoke_invite", json={"token": "foo"}, headers=boss.headers
    )
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Not found"})
    blank = await client.post(f"{prefix}/users/revoke_invite", json={}, headers=boss.headers)
    assert (blank.status_code, blank.json()) == (422, {"error": "token: can't be blank"})


# --- email_invite ------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_email_invite_mails_a_link_that_registers(
    app, client, factory, db, smtp_inbox, prefix
):
    boss = await admin(factory)
    async with db() as session:
        account = await session.get(Account, boss.account.id)
        account.display_name = "The Boss"
        await session.commit()
    response = await client.post(
        f"{prefix}/users/email_invite",
        json={"email": "foo+bar@Example.COM", "name": "J. D."},
        headers=boss.headers,
    )
    assert (response.status_code, response.content) == (204, b"")
    [invite] = await _invites(client, boss)
    assert (invite["invite_type"], invite["used"], invite["uses"]) == ("one_time", False, 0)
    [message] = await delivered(app, smtp_inbox)
    assert message["To"].addresses[0].addr_spec == "foo+bar@example.com"
    assert message["To"].addresses[0].display_name == "J. D."
    assert message["Subject"] == "Invitation to pyleroma"
    link = f"{BASE_URL}/registration/{invite['token']}"
    assert link in text_of(message) and f'href="{link}"' in html_of(message)
    assert "Hello J. D.," in text_of(message) and "The Boss (@boss)" in text_of(message)
    assert smtp_inbox.envelopes[0][1] == ["foo+bar@example.com"]

    registered = await _register(client, factory, "invited", invite["token"])
    assert registered.status_code == 200, registered.text
    [used] = await _invites(client, boss)
    assert (used["used"], used["uses"]) == (True, 1)


async def test_email_invite_without_a_name(app, client, factory, smtp_inbox):
    boss = await admin(factory)
    response = await client.post(
        "/api/pleroma/admin/users/email_invite",
        data={"email": "plain@example.org"},
        headers=boss.headers,
    )
    assert response.status_code == 204, response.text
    [message] = await delivered(app, smtp_inbox)
    assert message["To"] == "plain@example.org"
    assert text_of(message).startswith("Hello,")


async def test_email_invite_refuses_bad_addresses(app, client, factory, db, smtp_inbox):
    boss = await admin(factory)
    cases = [
        ({}, "Email can't be blank"),
        ({"email": "not an address"}, "Email has invalid format"),
        ({"email": "a@example.org", "name": "x" * 101}, "name: is too long"),
        ({"email": ["a@example.org"]}, "email: must be a string"),
    ]
    for body, message in cases:
        response = await client.post(
            "/api/pleroma/admin/users/email_invite", json=body, headers=boss.headers
        )
        assert response.status_code == 422, (body, response.text)
        assert message in response.json()["error"]
    assert await _count(db, InviteToken) == 0
    assert await delivered(app, smtp_inbox) == []


@pytest.mark.parametrize(
    ("settings_overrides", "message"),
    [
        ({"registrations": "open"}, "set the `registrations_open` option to false"),
        ({"registrations": "approval"}, "set the `registrations_open` option to false"),
        ({"registrations": "closed"}, "set the `invites_enabled` option to true"),
        ({"mailer_enabled": False}, "Mailer is not enabled"),
    ],
    indirect=["settings_overrides"],
)
async def test_email_invite_needs_invite_mode_and_mail(app, client, factory, smtp_inbox, message):
    """Pleroma's 400s, in its order; no invite is left behind and no mail goes out."""
    boss = await admin(factory)
    response = await client.post(
        "/api/pleroma/admin/users/email_invite",
        json={"email": "foo@bar.com", "name": "J. D."},
        headers=boss.headers,
    )
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]
    assert await _invites(client, boss) == []
    assert await delivered(app, smtp_inbox) == []
