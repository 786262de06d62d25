"""Email confirmation and approval mails: registration mails a confirmation link that
confirms the account once; confirmation_resend (both prefixes) answers 204 for any address;
approval mode mails the user and the staff, and approving mails the user. Every mail is read
at the real SMTP server and every link followed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pyleroma.models import Account, Job
from pyleroma.services.accounts.approval import approve_account
from pyleroma.services.accounts.mail_links import REGISTRATION, token_digest
from tests.api.mail_helpers import PASSWORD, delivered, link_in, mail_on, register, stored
from tests.mail_server import html_of, text_of

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
CONFIRM = "/api/account/confirm_email/"


@pytest.fixture
def extra() -> dict:
    """Settings a test adds (parametrize ``extra``) to the mailer's and activation's."""
    return {}


@pytest.fixture
def settings_overrides(smtp_inbox, extra):
    return mail_on(smtp_inbox, **{"account_activation_required": True, **extra})


async def _login(client, nickname, password=PASSWORD):
    app = await client.post(
        "/api/v1/apps",
        data={"client_name": "c", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read"},
    )
    body = app.json()
    return await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": body["client_id"],
            "client_secret": body["client_secret"],
            "username": nickname,
            "password": password,
        },
    )


async def test_registration_mails_a_link_that_confirms_the_account_once(
    app, client, factory, db, smtp_inbox
):
    answer = await register(client, factory)
    assert answer["identifier"] == "missing_confirmed_email"
    account = await stored(db, "lain")
    assert not account.is_confirmed and len(account.confirmation_token) == 64
    assert (await _login(client, "lain")).status_code == 403

    [message] = await delivered(app, smtp_inbox)
    assert message["To"] == "lain@example.org"
    assert message["Subject"] == "Confirm your account on pyleroma"
    assert "Hello @lain" in text_of(message)
    path = link_in(message, CONFIRM)
    assert path.startswith(f"{CONFIRM}{account.id}/")
    secret = path.rsplit("/", 1)[1]
    assert account.confirmation_token == token_digest(REGISTRATION, secret)  # digest only
    assert secret not in account.confirmation_token

    page = await client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Email confirmed" in page.text and "you can log in now" in page.text
    assert page.headers["cache-control"] == "no-store"
    account = await stored(db, "lain")
    assert account.is_confirmed and account.confirmation_token is None
    assert (await _login(client, "lain")).status_code == 200

    again = await client.get(path)
    assert again.status_code == 404 and "not valid" in again.text
    assert (await delivered(app, smtp_inbox)) == [message]  # nothing more was sent


async def test_wrong_and_malformed_confirmation_links_are_404_pages(app, client, factory, db):
    await register(client, factory)
    account = await stored(db, "lain")
    for path in (
        f"{CONFIRM}{account.id}/wrong",
        f"{CONFIRM}{account.id + 1}/wrong",
        f"{CONFIRM}notanid/wrong",
        f"{CONFIRM}99999999999999999999999/x",
    ):
        page = await client.get(path)
        assert page.status_code == 404, path
        assert "Confirmation failed" in page.text and "<script" not in page.text
    assert not (await stored(db, "lain")).is_confirmed


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_confirmation_resend_mails_a_new_link_and_the_old_one_stops(
    app, client, factory, db, smtp_inbox, prefix
):
    await register(client, factory)
    [first] = await delivered(app, smtp_inbox)
    old_path = link_in(first, CONFIRM)

    url = f"{prefix}/accounts/confirmation_resend"
    by_email = await client.post(url, data={"email": "LAIN@example.org"})
    assert (by_email.status_code, by_email.content) == (204, b"")
    by_nickname = await client.post(url, json={"nickname": "lain"})
    assert by_nickname.status_code == 204
    messages = await delivered(app, smtp_inbox)
    assert len(messages) == 3 and all(m["To"] == "lain@example.org" for m in messages)
    paths = [link_in(m, CONFIRM) for m in messages]
    assert len(set(paths)) == 3

    assert old_path in paths  # the first mail, sent before the resends
    # Only the newest link works: each resend replaced the stored digest.
    stored_digest = (await stored(db, "lain")).confirmation_token
    [newest] = [
        p for p in paths if token_digest(REGISTRATION, p.rsplit("/", 1)[1]) == stored_digest
    ]
    for path in paths:
        if path != newest:
            assert (await client.get(path)).status_code == 404
    assert (await client.get(newest)).status_code == 200
    assert (await stored(db, "lain")).is_confirmed

    confirmed = await client.post(url, data={"email": "lain@example.org"})
    unknown = await client.post(url, data={"email": "nobody@example.org"})
    assert (confirmed.status_code, unknown.status_code) == (204, 204)
    assert confirmed.content == unknown.content == b""
    assert len(await delivered(app, smtp_inbox)) == 3  # nothing for either


async def test_confirmation_resend_errors_and_rate_limit(app, client, factory, smtp_inbox):
    url = "/api/pleroma/accounts/confirmation_resend"
    missing = await client.post(url, data={})
    assert (missing.status_code, missing.json()) == (422, {"error": "Missing parameter: email"})
    bad = await client.post(url, json={"email": {"a": 1}})
    assert (bad.status_code, bad.json()) == (422, {"error": "email: must be a string"})

    await register(client, factory)
    limit = app.state.settings.mail_rate_limit
    # The same address from several clients: the address's allowance runs out.
    for n in range(limit):
        answer = await client.post(url, data={"email": "lain@example.org"})
        assert answer.status_code == 204, n
    known = await client.post(url, data={"email": "lain@example.org"})
    assert (known.status_code, known.json()) == (429, {"error": "Throttled"})
    # An unknown address is throttled the same way: the answers cannot tell them apart.
    app.state.mail_limiter._hits.clear()
    for _ in range(limit):
        assert (await client.post(url, data={"email": "nobody@x.org"})).status_code == 204
    unknown = await client.post(url, data={"email": "nobody@x.org"})
    assert (unknown.status_code, unknown.json()) == (429, {"error": "Throttled"})
    assert unknown.headers["retry-after"] and known.headers["retry-after"]


@pytest.mark.parametrize("extra", [{"mailer_enabled": False}])
async def test_with_the_mailer_off_nothing_is_queued_and_an_admin_confirms(
    app, client, factory, db
):
    await register(client, factory)
    resend = await client.post(
        "/api/v1/pleroma/accounts/confirmation_resend", data={"email": "lain@example.org"}
    )
    assert resend.status_code == 204
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Job)) == 0
    account = await stored(db, "lain")
    assert not account.is_confirmed and account.confirmation_token


# -- approval ---------------------------------------------------------------------------------


async def _staff(factory):
    await factory.user("boss", is_admin=True, email="boss@example.org")
    await factory.user("mod", is_moderator=True, email="mod@example.org")
    await factory.user("plain", email="plain@example.org")
    await factory.user("gone_mod", is_moderator=True, email="gone@example.org", is_active=False)


@pytest.mark.parametrize(
    "extra", [{"registrations": "approval", "account_activation_required": False}]
)
async def test_approval_registration_mails_the_user_and_the_staff(
    app, client, factory, db, smtp_inbox
):
    await _staff(factory)
    answer = await register(client, factory, reason="I like <b>tea</b> & cake")
    assert answer["identifier"] == "awaiting_approval"
    account = await stored(db, "lain")
    assert account.is_confirmed and not account.is_approved

    messages = await delivered(app, smtp_inbox)
    by_to = {m["To"]: m for m in messages}
    assert len(messages) == 3
    assert sorted(by_to) == ["boss@example.org", "lain@example.org", "mod@example.org"]
    pending = by_to["lain@example.org"]
    assert pending["Subject"] == "Your account on pyleroma is awaiting approval"
    assert "Hello @lain" in text_of(pending)
    staff_mail = by_to["boss@example.org"]
    assert staff_mail["Subject"] == "New account awaiting approval on pyleroma: @lain"
    text = text_of(staff_mail)
    assert "Hello @boss" in text and "I like <b>tea</b> & cake" in text
    assert "lain@example.org" in text and "pyleroma user set lain --approved" in text
    assert "I like &lt;b&gt;tea&lt;/b&gt; &amp; cake" in html_of(staff_mail)
    assert "<b>tea" not in html_of(staff_mail)
    assert link_in(staff_mail, "/users/") == "/users/lain"  # the account's own URL

    async with db() as session:
        account = await session.get(Account, account.id)
        assert await approve_account(session, app.state.settings, account) is True
        assert await approve_account(session, app.state.settings, account) is False
        await session.commit()
    assert (await stored(db, "lain")).is_approved
    [approved] = (await delivered(app, smtp_inbox))[3:]
    assert approved["To"] == "lain@example.org"
    assert approved["Subject"] == "Your account on pyleroma was approved"
    assert "you can log in now" in text_of(approved)
    assert "http://pyleroma.test" in text_of(approved)
    assert (await _login(client, "lain")).status_code == 200


@pytest.mark.parametrize("extra", [{"registrations": "approval"}])
async def test_with_confirmation_and_approval_the_approval_mails_follow_the_confirmation(
    app, client, factory, db, smtp_inbox
):
    await _staff(factory)
    await register(client, factory, reason="hello")
    [confirmation] = await delivered(app, smtp_inbox)
    assert confirmation["To"] == "lain@example.org"
    assert confirmation["Subject"] == "Confirm your account on pyleroma"

    page = await client.get(link_in(confirmation, CONFIRM))
    assert page.status_code == 200 and "awaits approval" in page.text
    messages = (await delivered(app, smtp_inbox))[1:]
    assert sorted(m["To"] for m in messages) == [
        "boss@example.org",
        "lain@example.org",
        "mod@example.org",
    ]
    account = await stored(db, "lain")
    assert account.is_confirmed and not account.is_approved
    assert (await _login(client, "lain")).status_code == 403


@pytest.mark.parametrize("extra", [{"registrations": "approval", "mailer_enabled": False}])
async def test_approval_with_the_mailer_off_queues_nothing(app, client, factory, db):
    await _staff(factory)
    await register(client, factory, reason="hello")
    async with db() as session:
        account = await session.get(Account, (await stored(db, "lain")).id)
        assert await approve_account(session, app.state.settings, account) is True
        await session.commit()
        assert await session.scalar(select(func.count()).select_from(Job)) == 0
    assert (await stored(db, "lain")).is_approved
