"""Admin API: approve, confirm_email and resend_confirmation_email, with their mails read
at the real SMTP server and the accounts checked in the database."""

from __future__ import annotations

import pytest

from tests.api.admin.helpers import PREFIXES, admin, log_messages
from tests.api.mail_helpers import delivered, mail_on, stored
from tests.mail_server import text_of


@pytest.fixture
def settings_overrides(smtp_inbox):
    return mail_on(smtp_inbox)


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_approve_mails_the_user(app, client, factory, db, smtp_inbox, prefix):
    boss = await admin(factory)
    await factory.account("pending", is_approved=False, email="pending@example.org")
    response = await client.patch(
        f"{prefix}/users/approve", json={"nicknames": ["pending"]}, headers=boss.headers
    )
    assert response.status_code == 200, response.text
    [user] = response.json()["users"]
    assert (user["nickname"], user["is_approved"]) == ("pending", True)
    assert (await stored(db, "pending")).is_approved
    [message] = await delivered(app, smtp_inbox)
    assert message["To"] == "pending@example.org" and "pending" in text_of(message)
    assert await log_messages(client, boss) == ["@boss approved users: @pending"]
    blank = await client.patch(f"{prefix}/users/approve", json={}, headers=boss.headers)
    assert blank.status_code == 422


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_confirm_email_and_resend(app, client, factory, db, smtp_inbox, prefix):
    boss = await admin(factory)
    await factory.account("fresh", is_confirmed=False, email="fresh@example.org")
    resent = await client.patch(
        f"{prefix}/users/resend_confirmation_email",
        json={"nicknames": ["fresh"]},
        headers=boss.headers,
    )
    assert (resent.status_code, resent.json()) == (200, "")
    [message] = await delivered(app, smtp_inbox)
    assert message["To"] == "fresh@example.org"
    assert "/api/account/confirm_email/" in text_of(message)
    assert not (await stored(db, "fresh")).is_confirmed

    confirmed = await client.patch(
        f"{prefix}/users/confirm_email", json={"nicknames": ["fresh"]}, headers=boss.headers
    )
    assert (confirmed.status_code, confirmed.json()) == (200, "")
    assert (await stored(db, "fresh")).is_confirmed
    assert await log_messages(client, boss) == [
        "@boss confirmed email for users: @fresh",
        "@boss re-sent confirmation email for users: @fresh",
    ]
    blank = await client.patch(f"{prefix}/users/confirm_email", json={}, headers=boss.headers)
    assert blank.status_code == 422 and "error" in blank.json()
