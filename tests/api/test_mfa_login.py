"""Logging in with two-factor authentication on: the password grant's ``mfa_required``, the
challenge (TOTP and recovery), the HTML form's second step, and HTTP Basic refused."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from sqlalchemy import func, select, update

from pyleroma.api.deps import BASIC_WITH_MFA
from pyleroma.db.base import utcnow
from pyleroma.models import Account, MfaToken, OAuthAuthorization, OAuthToken
from pyleroma.services.oauth.secrets import digest
from tests.api.mfa_helpers import mfa_account, mfa_tokens, stored_account, totp_code, wrong_code
from tests.api.oauth_helpers import (
    OOB,
    REDIRECT_URI,
    LoginForm,
    basic,
    bearer,
    code_from,
    exchange_code,
    login_through_form,
    password_grant,
    register_app,
)

BACKUP = ("0123456789abcdef", "fedcba9876543210")


async def _count(db, model) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def _challenge(client, app, mfa_token, code, challenge_type="totp", **extra):
    data = {
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "mfa_token": mfa_token,
        "challenge_type": challenge_type,
        "code": code,
        **extra,
    }
    return await client.post("/oauth/mfa/challenge", data=data)


async def _mfa_token(client, app, nickname="alice", **extra) -> str:
    response = await password_grant(client, app, nickname, **extra)
    assert response.status_code == 403, response.text
    return response.json()["mfa_token"]


async def _verify_me(client, access_token) -> dict:
    response = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(access_token))
    assert response.status_code == 200, response.text
    return response.json()


# --- the password grant and the challenge ----------------------------------------------------


async def test_password_grant_asks_for_the_second_factor(client, factory, db):
    account, _ = await mfa_account(factory, "alice")
    app = await register_app(client)
    response = await password_grant(client, app, "alice", scope="read")
    assert response.status_code == 403
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"error", "mfa_token", "supported_challenge_types"}
    assert body["error"] == "mfa_required"
    assert body["supported_challenge_types"] == "totp"
    (stored,) = await mfa_tokens(db)
    assert stored.token_digest == digest(body["mfa_token"])  # only the digest is kept
    assert stored.account_id == account.id and stored.scopes == ["read"]
    assert stored.redirect_uri is None
    assert await _count(db, OAuthToken) == 0


async def test_totp_challenge_issues_the_token_the_grant_would_have(client, factory, db):
    account, secret = await mfa_account(factory, "alice")
    app = await register_app(client)
    mfa_token = await _mfa_token(client, app, scope="read write")
    response = await _challenge(client, app, mfa_token, totp_code(secret))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {
        "id",
        "token_type",
        "access_token",
        "refresh_token",
        "scope",
        "created_at",
        "expires_in",
        "me",
    }
    assert body["token_type"] == "Bearer" and body["scope"] == "read write"
    assert body["me"] == account.ap_id
    assert (await _verify_me(client, body["access_token"]))["username"] == "alice"
    assert await mfa_tokens(db) == []  # spent

    again = await _challenge(client, app, mfa_token, totp_code(secret, 1))
    assert (again.status_code, again.json()) == (400, {"error": "Invalid code"})


async def test_a_totp_code_works_once(client, factory, db):
    account, secret = await mfa_account(factory, "alice")
    app = await register_app(client)
    code = totp_code(secret)
    first = await _challenge(client, app, await _mfa_token(client, app), code)
    assert first.status_code == 200
    # The accepted period is stored, so no other server process takes the code either.
    async with db() as session:
        stored = (await session.get(Account, account.id)).totp_last_step
    assert stored is not None and pyotp.TOTP(secret).at(stored * 30) == code
    replay = await _challenge(client, app, await _mfa_token(client, app), code)
    assert (replay.status_code, replay.json()) == (400, {"error": "Invalid code"})
    later = await _challenge(client, app, await _mfa_token(client, app), totp_code(secret, 1))
    assert later.status_code == 200


async def test_recovery_codes_work_once_each(client, factory, db):
    account, _ = await mfa_account(factory, "alice", BACKUP)
    app = await register_app(client)
    first = await _challenge(client, app, await _mfa_token(client, app), BACKUP[0], "recovery")
    assert first.status_code == 200, first.text
    assert (await _verify_me(client, first.json()["access_token"]))["username"] == "alice"
    assert len((await stored_account(db, account.id)).mfa_backup_codes) == 1

    reused = await _challenge(client, app, await _mfa_token(client, app), BACKUP[0], "recovery")
    assert (reused.status_code, reused.json()) == (400, {"error": "Invalid code"})
    # Typed with spaces and capitals, the other one still works.
    spaced = " FEDC BA98 7654 3210 "
    second = await _challenge(client, app, await _mfa_token(client, app), spaced, "recovery")
    assert second.status_code == 200
    assert (await stored_account(db, account.id)).mfa_backup_codes == []


async def test_backup_codes_from_the_api_log_in(client, factory, db):
    account, _ = await mfa_account(factory, "alice")
    user_token = await factory.token(account, ["write"])
    codes = await client.get("/api/pleroma/accounts/mfa/backup_codes", headers=bearer(user_token))
    code = codes.json()["codes"][2]
    app = await register_app(client)
    response = await _challenge(client, app, await _mfa_token(client, app), code, "recovery")
    assert response.status_code == 200
    assert len((await stored_account(db, account.id)).mfa_backup_codes) == 4


async def test_challenge_errors(client, factory, db):
    _, secret = await mfa_account(factory, "alice", BACKUP)
    app = await register_app(client)
    other = await register_app(client, name="Other")
    mfa_token = await _mfa_token(client, app)
    invalid = (400, {"error": "Invalid code"})

    async def status(response):
        return response.status_code, response.json()

    assert await status(await _challenge(client, app, mfa_token, wrong_code(secret))) == invalid
    assert await status(await _challenge(client, app, mfa_token, "not a code")) == invalid
    assert (
        await status(await _challenge(client, app, mfa_token, "0000000000", "recovery")) == invalid
    )
    assert (
        await status(await _challenge(client, app, mfa_token, totp_code(secret), "sms")) == invalid
    )
    assert await status(await _challenge(client, app, "bogus", totp_code(secret))) == invalid
    assert await status(await _challenge(client, other, mfa_token, totp_code(secret))) == invalid
    wrong_secret = await _challenge(
        client, app, mfa_token, totp_code(secret), client_secret="wrong"
    )
    assert await status(wrong_secret) == invalid
    for name in ("mfa_token", "challenge_type", "code"):
        fields = {"mfa_token": mfa_token, "challenge_type": "totp", "code": totp_code(secret)}
        fields[name] = ""
        blank = await _challenge(client, app, **fields)
        assert await status(blank) == (400, {"error": f"{name}: can't be blank"})
    assert await _count(db, OAuthToken) == 0
    assert len(await mfa_tokens(db)) == 1  # failures leave the login open

    ok = await _challenge(client, app, mfa_token, totp_code(secret))
    assert ok.status_code == 200


async def test_an_expired_mfa_token_is_refused(client, factory, db):
    _, secret = await mfa_account(factory, "alice")
    app = await register_app(client)
    mfa_token = await _mfa_token(client, app)
    async with db() as session:
        await session.execute(
            update(MfaToken).values(valid_until=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()
    response = await _challenge(client, app, mfa_token, totp_code(secret))
    assert (response.status_code, response.json()) == (400, {"error": "Invalid code"})
    await _mfa_token(client, app)  # a new login sweeps the expired one
    assert [t.token_digest for t in await mfa_tokens(db)] != [digest(mfa_token)]
    assert len(await mfa_tokens(db)) == 1


@pytest.mark.parametrize("settings_overrides", [{"mfa_token_ttl": 120}])
async def test_mfa_token_lifetime_follows_the_setting(client, factory, db):
    await mfa_account(factory, "alice")
    app = await register_app(client)
    before = utcnow()
    await _mfa_token(client, app)
    after = utcnow()
    (stored,) = await mfa_tokens(db)
    # 120 s from the moment the token was made, somewhere between before and after (the
    # password check alone can take seconds on a loaded machine).
    assert before + dt.timedelta(seconds=119) <= stored.valid_until
    assert stored.valid_until <= after + dt.timedelta(seconds=121)


async def test_the_first_step_still_refuses_what_it_refused(client, factory, db):
    await mfa_account(factory, "alice")
    await mfa_account(factory, "dave", is_active=False)
    app = await register_app(client, scopes="read")
    wrong = await password_grant(client, app, "alice", "wrong password")
    assert (wrong.status_code, wrong.json()) == (400, {"error": "Invalid credentials"})
    disabled = await password_grant(client, app, "dave")
    assert disabled.status_code == 403
    assert disabled.json()["identifier"] == "account_is_disabled"
    beyond = await password_grant(client, app, "alice", scope="write")
    assert beyond.status_code == 400
    assert await mfa_tokens(db) == []


async def test_wrong_codes_use_up_the_login_allowance(client, factory):
    _, secret = await mfa_account(factory, "alice")
    app = await register_app(client)
    mfa_token = await _mfa_token(client, app)
    for _ in range(15):
        response = await _challenge(client, app, mfa_token, wrong_code(secret))
        assert response.status_code == 400
    throttled = await _challenge(client, app, mfa_token, totp_code(secret))
    assert throttled.status_code == 429


async def test_a_form_login_token_cannot_finish_a_password_grant(client, factory):
    _, secret = await mfa_account(factory, "alice")
    app = await register_app(client)
    page = await login_through_form(client, app, "alice")
    form_token = LoginForm(page.text).value("mfa[mfa_token]")
    response = await _challenge(client, app, form_token, totp_code(secret))
    assert (response.status_code, response.json()) == (400, {"error": "Invalid code"})


# --- the HTML form ---------------------------------------------------------------------------


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _answer(page_html: str, code: str, challenge_type: str | None = None) -> dict:
    """The code page filled in as a person would (the select left alone unless given)."""
    form = LoginForm(page_html)
    assert form.action == "/oauth/mfa/verify" and form.method == "post"
    data = {key: value for key, value in form.fields}
    data["mfa[code]"] = code
    if challenge_type:
        data["mfa[challenge_type]"] = challenge_type
    return data


async def test_form_login_goes_through_the_second_step(client, factory, db):
    account, secret = await mfa_account(factory, "alice")
    app = await register_app(client)
    verifier = "v" * 50
    page = await login_through_form(
        client,
        app,
        "alice",
        query={"code_challenge": _s256(verifier), "code_challenge_method": "S256"},
    )
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert "Two-factor authentication" in page.text and "@alice" in page.text
    assert "set-cookie" not in page.headers and "_pleroma_key" not in client.cookies
    assert await _count(db, OAuthAuthorization) == 0
    (stored,) = await mfa_tokens(db)
    form = LoginForm(page.text)
    assert stored.token_digest == digest(form.value("mfa[mfa_token]"))
    assert (stored.redirect_uri, stored.state, stored.scopes) == (
        REDIRECT_URI,
        "st4te",
        ["read", "write"],
    )

    response = await client.post("/oauth/mfa/verify", data=_answer(page.text, totp_code(secret)))
    code = code_from(response)
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    assert parse_qs(location.query)["state"] == ["st4te"]
    assert response.headers["set-cookie"].startswith("_pleroma_key=")
    assert await mfa_tokens(db) == []

    no_verifier = await exchange_code(client, app, code)
    assert no_verifier.status_code == 400
    token = await exchange_code(client, app, code, code_verifier=verifier)
    assert token.status_code == 200 and token.json()["scope"] == "read write"
    assert (await _verify_me(client, token.json()["access_token"]))["id"] == str(account.id)

    sessions = await client.get("/api/oauth_tokens")  # the cookie speaks for alice now
    assert sessions.status_code == 200 and len(sessions.json()) == 2


async def test_form_wrong_code_then_recovery_code(client, factory, db):
    account, secret = await mfa_account(factory, "alice", BACKUP)
    app = await register_app(client)
    page = await login_through_form(client, app, "alice")
    failed = await client.post("/oauth/mfa/verify", data=_answer(page.text, wrong_code(secret)))
    assert failed.status_code == 401
    assert "Two-factor authentication failed." in failed.text
    assert LoginForm(failed.text).value("mfa[mfa_token]") == LoginForm(page.text).value(
        "mfa[mfa_token]"
    )
    wrong_kind = await client.post("/oauth/mfa/verify", data=_answer(page.text, BACKUP[1]))
    assert wrong_kind.status_code == 401  # a backup code is no TOTP code
    assert await _count(db, OAuthAuthorization) == 0

    response = await client.post(
        "/oauth/mfa/verify", data=_answer(failed.text, BACKUP[1], "recovery")
    )
    code_from(response)
    assert len((await stored_account(db, account.id)).mfa_backup_codes) == 1
    again = await client.post("/oauth/mfa/verify", data=_answer(failed.text, totp_code(secret)))
    assert again.status_code == 401 and "expired" in again.text


async def test_form_out_of_band_shows_the_code(client, factory, db):
    _, secret = await mfa_account(factory, "alice")
    app = await register_app(client)
    page = await login_through_form(client, app, "alice", query={"redirect_uri": OOB})
    response = await client.post("/oauth/mfa/verify", data=_answer(page.text, totp_code(secret)))
    assert response.status_code == 200 and "Successfully authorized" in response.text
    async with db() as session:
        auth = (await session.execute(select(OAuthAuthorization))).scalar_one()
    assert auth.redirect_uri == OOB


async def test_form_second_step_refuses_other_sites_and_dead_tokens(client, factory, db):
    _, secret = await mfa_account(factory, "alice")
    app = await register_app(client)
    page = await login_through_form(client, app, "alice")
    data = _answer(page.text, totp_code(secret))
    cross = await client.post(
        "/oauth/mfa/verify", data=data, headers={"Origin": "https://evil.example"}
    )
    assert cross.status_code == 403 and "Cross-site request refused" in cross.text
    assert len(await mfa_tokens(db)) == 1
    bogus = await client.post("/oauth/mfa/verify", data={**data, "mfa[mfa_token]": "nope"})
    assert bogus.status_code == 401
    grant_token = await _mfa_token(client, app)
    other_flow = await client.post(
        "/oauth/mfa/verify", data={**data, "mfa[mfa_token]": grant_token}
    )
    assert other_flow.status_code == 401  # a password grant's token is not the form's
    async with db() as session:
        await session.execute(
            update(MfaToken).values(valid_until=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()
    expired = await client.post("/oauth/mfa/verify", data=data)
    assert expired.status_code == 401 and "expired" in expired.text
    assert await _count(db, OAuthAuthorization) == 0 and "_pleroma_key" not in client.cookies


async def test_get_oauth_mfa_shows_the_code_page(client, factory):
    await mfa_account(factory, "alice")
    app = await register_app(client)
    page = await login_through_form(client, app, "alice")
    token = LoginForm(page.text).value("mfa[mfa_token]")
    shown = await client.get("/oauth/mfa", params={"mfa_token": token})
    assert shown.status_code == 200 and "Authentication code" in shown.text
    assert LoginForm(shown.text).value("mfa[mfa_token]") == token
    recovery = await client.get(
        "/oauth/mfa", params={"mfa_token": token, "challenge_type": "recovery"}
    )
    assert recovery.status_code == 200 and "Recovery code" in recovery.text
    assert (await client.get("/oauth/mfa", params={"mfa_token": "nope"})).status_code == 401


async def test_form_wrong_password_never_reaches_the_second_step(client, factory, db):
    await mfa_account(factory, "alice")
    app = await register_app(client)
    response = await login_through_form(client, app, "alice", "wrong password")
    assert response.status_code == 401 and "Invalid Username/Password" in response.text
    assert await mfa_tokens(db) == []


async def test_session_cookie_after_the_second_step_allows_one_click(client, factory, db):
    _, secret = await mfa_account(factory, "alice")
    app = await register_app(client)
    page = await login_through_form(client, app, "alice")
    code_from(await client.post("/oauth/mfa/verify", data=_answer(page.text, totp_code(secret))))
    other = await register_app(client, name="Other")
    form_page = await client.get(
        "/oauth/authorize",
        params={"client_id": other["client_id"], "redirect_uri": REDIRECT_URI, "scope": "read"},
    )
    assert "Authorize as @alice" in form_page.text
    form = LoginForm(form_page.text)
    one_click = await client.post(form.action, data=form.submit(name="", password=""))
    code_from(one_click)  # the browser session already passed the second step
    assert await mfa_tokens(db) == []


# --- HTTP Basic ------------------------------------------------------------------------------


async def test_basic_auth_is_refused_with_mfa_on(client, factory):
    await mfa_account(factory, "alice")
    await factory.account("bob")
    url = "/api/v1/accounts/verify_credentials"
    refused = await client.get(url, headers=basic("alice", "correct horse battery"))
    assert (refused.status_code, refused.json()) == (403, {"error": BASIC_WITH_MFA})
    wrong = await client.get(url, headers=basic("alice", "wrong"))
    assert wrong.status_code == 401
    allowed = await client.get(url, headers=basic("bob", "correct horse battery"))
    assert allowed.status_code == 200 and allowed.json()["username"] == "bob"
