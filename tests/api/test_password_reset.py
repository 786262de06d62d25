"""Password reset: POST /auth/password mails a link (204 for any address); the link's form
(both prefixes) sets the password once, ends every session and clears
password_reset_pending; used, expired, unknown and cross-site posts are refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select, update

from pyleroma.db.base import utcnow
from pyleroma.models import Account, Job, OAuthToken, PasswordResetToken
from pyleroma.services.accounts.password_reset import create_reset_token
from pyleroma.services.oauth.secrets import digest, verify_password
from tests.api.mail_helpers import delivered, link_in, mail_on
from tests.factories import DEFAULT_PASSWORD
from tests.mail_server import text_of

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
RESET = "/api/v1/pleroma/password_reset/"
NEW = "a brand new password"


@pytest.fixture
def settings_overrides(smtp_inbox):
    return mail_on(smtp_inbox, password_reset_token_ttl=3600)


async def _account(db, account_id) -> Account:
    async with db() as session:
        return await session.get(Account, account_id)


async def _tokens(db, account_id) -> list[PasswordResetToken]:
    async with db() as session:
        query = select(PasswordResetToken).where(PasswordResetToken.account_id == account_id)
        return list((await session.execute(query)).scalars())


def _hidden_token(page: str) -> str:
    return re.search(r'name="data\[token\]" value="([^"]+)"', page).group(1)


async def _request_link(app, client, smtp_inbox, **body) -> str:
    answer = await client.post("/auth/password", data=body)
    assert (answer.status_code, answer.content) == (204, b"")
    message = (await delivered(app, smtp_inbox))[-1]
    return link_in(message, RESET)


async def test_a_reset_link_is_mailed_and_its_form_sets_the_password_once(
    app, client, factory, db, smtp_inbox
):
    alice = await factory.user("alice", email="alice@example.org", password_reset_pending=True)
    answer = await client.post("/auth/password", data={"email": "Alice@Example.org"})
    assert (answer.status_code, answer.content) == (204, b"")
    [message] = await delivered(app, smtp_inbox)
    assert message["To"] == "alice@example.org"
    assert message["Subject"] == "Password reset on pyleroma"
    assert "Hello @alice" in text_of(message)
    path = link_in(message, RESET)
    secret = path.rsplit("/", 1)[1]
    [token] = await _tokens(db, alice.account.id)
    assert token.token_digest == digest(secret) and not token.used  # only the digest
    ttl = (token.valid_until - token.created_at).total_seconds()
    assert 3590 <= ttl <= 3610

    form = await client.get(path)
    assert form.status_code == 200 and form.headers["content-type"].startswith("text/html")
    assert "Password reset for alice" in form.text
    assert form.headers["x-frame-options"] == "DENY"
    assert form.headers["referrer-policy"] == "no-referrer"
    assert 'action="/api/v1/pleroma/password_reset"' in form.text
    assert _hidden_token(form.text) == secret

    done = await client.post(
        "/api/v1/pleroma/password_reset",
        data={
            "data[token]": secret,
            "data[password]": NEW,
            "data[password_confirmation]": NEW,
        },
    )
    assert done.status_code == 200 and "Password changed!" in done.text
    account = await _account(db, alice.account.id)
    assert verify_password(account.password_hash, NEW)
    assert not verify_password(account.password_hash, DEFAULT_PASSWORD)
    assert account.password_reset_pending is False
    [token] = await _tokens(db, alice.account.id)
    assert token.used
    # Every session ended, as Pleroma's reset_password.
    assert (
        await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    ).status_code == 401
    async with db() as session:
        count = select(func.count()).where(OAuthToken.account_id == alice.account.id)
        assert await session.scalar(count) == 0

    used_form = await client.get(path)
    assert used_form.status_code == 404 and "Invalid Token" in used_form.text
    again = await client.post(
        "/api/pleroma/password_reset",
        data={"token": secret, "password": "x" * 12, "password_confirmation": "x" * 12},
    )
    assert again.status_code == 404 and "Password reset failed" in again.text
    assert verify_password((await _account(db, alice.account.id)).password_hash, NEW)


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_flat_fields_and_json_work_on_both_prefixes_and_other_links_die(
    app, client, factory, db, smtp_inbox, prefix
):
    bob = await factory.user("bob", email="bob@example.org")
    first = await _request_link(app, client, smtp_inbox, nickname="bob")
    second = await _request_link(app, client, smtp_inbox, email="bob@example.org")
    secret = second.rsplit("/", 1)[1]

    form = await client.get(f"{prefix}/password_reset/{secret}")
    assert form.status_code == 200 and _hidden_token(form.text) == secret
    done = await client.post(
        f"{prefix}/password_reset",
        json={"token": secret, "password": NEW, "password_confirmation": NEW},
    )
    assert done.status_code == 200 and "Password changed!" in done.text
    assert verify_password((await _account(db, bob.account.id)).password_hash, NEW)
    assert all(t.used for t in await _tokens(db, bob.account.id))
    assert (await client.get(first)).status_code == 404  # the earlier link died too


async def test_a_bad_new_password_shows_the_form_again_and_keeps_the_link(
    app, client, factory, db, smtp_inbox
):
    carol = await factory.user("carol", email="carol@example.org")
    secret = (await _request_link(app, client, smtp_inbox, email="carol@example.org")).rsplit(
        "/", 1
    )[1]
    url = "/api/v1/pleroma/password_reset"
    cases = [
        ({"password": NEW, "password_confirmation": NEW + "x"}, "does not match confirmation"),
        ({"password": "short", "password_confirmation": "short"}, "at least 8 character"),
        ({"password": "", "password_confirmation": ""}, "can&#x27;t be blank"),
        ({"password": NEW}, "confirmation can&#x27;t be blank"),
    ]
    for fields, message in cases:
        body = {f"data[{k}]": v for k, v in {"token": secret, **fields}.items()}
        page = await client.post(url, data=body)
        assert page.status_code == 422, fields
        assert message in page.text and _hidden_token(page.text) == secret
    assert verify_password((await _account(db, carol.account.id)).password_hash, DEFAULT_PASSWORD)
    [token] = await _tokens(db, carol.account.id)
    assert not token.used
    ok = await client.post(
        url, data={"data[token]": secret, "data[password]": NEW, "data[password_confirmation]": NEW}
    )
    assert ok.status_code == 200


async def test_expired_unknown_and_cross_site_are_refused(app, client, factory, db, smtp_inbox):
    dave = await factory.user("dave", email="dave@example.org")
    secret = (await _request_link(app, client, smtp_inbox, email="dave@example.org")).rsplit(
        "/", 1
    )[1]
    body = {"data[token]": secret, "data[password]": NEW, "data[password_confirmation]": NEW}

    cross = await client.post(
        "/api/v1/pleroma/password_reset", data=body, headers={"Origin": "https://evil.example"}
    )
    assert cross.status_code == 403 and "Cross-site request refused" in cross.text
    fetch_site = await client.post(
        "/api/v1/pleroma/password_reset", data=body, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert fetch_site.status_code == 403

    unknown = await client.get("/api/v1/pleroma/password_reset/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert unknown.status_code == 404 and "<script>" not in unknown.text
    no_token = await client.post("/api/v1/pleroma/password_reset", data={"data[password]": NEW})
    assert no_token.status_code == 404

    async with db() as session:
        await session.execute(
            update(PasswordResetToken).values(valid_until=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()
    expired = await client.get(f"/api/pleroma/password_reset/{secret}")
    assert expired.status_code == 404 and "expired" in expired.text
    posted = await client.post("/api/v1/pleroma/password_reset", data=body)
    assert posted.status_code == 404 and "expired" in posted.text
    assert verify_password((await _account(db, dave.account.id)).password_hash, DEFAULT_PASSWORD)


async def test_unknown_deactivated_and_remote_get_the_same_answer_and_no_mail(
    app, client, factory, db, smtp_inbox
):
    await factory.user("eve", email="eve@example.org", is_active=False)
    for body in ({"email": "nobody@example.org"}, {"email": "eve@example.org"}, {"nickname": "x"}):
        answer = await client.post("/auth/password", data=body)
        assert (answer.status_code, answer.content) == (204, b""), body
    assert await delivered(app, smtp_inbox) == []
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(PasswordResetToken)) == 0

    missing = await client.post("/auth/password", data={})
    assert (missing.status_code, missing.json()) == (422, {"error": "Missing parameter: email"})
    bad = await client.post("/auth/password", json={"email": ["a"]})
    assert bad.status_code == 422 and "must be a string" in bad.json()["error"]


async def test_auth_password_is_rate_limited_per_ip_and_per_address(
    app, client, factory, smtp_inbox
):
    await factory.user("frank", email="frank@example.org")
    limit = app.state.settings.mail_rate_limit
    for n in range(limit):  # different addresses, one IP
        assert (
            await client.post("/auth/password", data={"email": f"u{n}@x.org"})
        ).status_code == 204
    throttled = await client.post("/auth/password", data={"email": "frank@example.org"})
    assert (throttled.status_code, throttled.json()) == (429, {"error": "Throttled"})
    assert await delivered(app, smtp_inbox) == []  # the throttled request sent nothing


@pytest.mark.parametrize("settings_overrides", [{"mailer_enabled": False}])
async def test_with_the_mailer_off_nothing_is_queued_but_admin_links_work(app, client, factory, db):
    grace = await factory.user("grace", email="grace@example.org")
    answer = await client.post("/auth/password", data={"email": "grace@example.org"})
    assert answer.status_code == 204
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Job)) == 0
        assert await session.scalar(select(func.count()).select_from(PasswordResetToken)) == 0
        # The admin API's way in: a link, not mailed.
        account = await session.get(Account, grace.account.id)
        link = await create_reset_token(session, app.state.settings, account)
        await session.commit()
    assert link.startswith("http://pyleroma.test/api/v1/pleroma/password_reset/")
    path = link.removeprefix("http://pyleroma.test")
    assert (await client.get(path)).status_code == 200
    secret = path.rsplit("/", 1)[1]
    done = await client.post(
        "/api/v1/pleroma/password_reset",
        data={"data[token]": secret, "data[password]": NEW, "data[password_confirmation]": NEW},
    )
    assert done.status_code == 200
    assert verify_password((await _account(db, grace.account.id)).password_hash, NEW)
