"""GET/POST /oauth/authorize: the login form, codes, PKCE, the session cookie."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select, update

from pyleroma.db.base import utcnow
from pyleroma.models import OAuthAuthorization, OAuthToken
from pyleroma.services.oauth.secrets import digest
from tests.api.oauth_helpers import (
    OOB,
    REDIRECT_URI,
    LoginForm,
    authorize_query,
    bearer,
    code_from,
    exchange_code,
    login_through_form,
    open_form,
    register_app,
)


async def _count(db, model) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(model))


# --- the form --------------------------------------------------------------------------------


async def test_form_carries_the_request_and_offers_the_scopes(client):
    app = await register_app(client, name="Tusky <3")
    response = await client.get("/oauth/authorize", params=authorize_query(app))
    assert response.status_code == 200
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert "Tusky &lt;3" in response.text and "Tusky <3" not in response.text
    form = LoginForm(response.text)
    assert form.action == "/oauth/authorize" and form.method == "post"
    assert form.value("authorization[client_id]") == app["client_id"]
    assert form.value("authorization[redirect_uri]") == REDIRECT_URI
    assert form.value("authorization[state]") == "st4te"
    assert form.value("authorization[response_type]") == "code"
    assert form.value("authorization[name]") == ""
    assert form.checkboxes["authorization[scope][]"] == ["read", "write", "follow", "push"]
    assert [v for v in form.values("authorization[scope][]") if v] == ["read", "write"]


async def test_form_defaults_to_all_app_scopes_and_the_first_redirect_uri(client):
    app = await register_app(client)
    form = await open_form(client, app, scope=None, redirect_uri=None)
    assert form.value("authorization[redirect_uri]") == REDIRECT_URI
    assert [v for v in form.values("authorization[scope][]") if v] == [
        "read",
        "write",
        "follow",
        "push",
    ]


async def test_form_escapes_reflected_values(client):
    app = await register_app(client)
    response = await client.get(
        "/oauth/authorize", params=authorize_query(app, state='"><script>x</script>')
    )
    assert response.status_code == 200
    assert "<script>x" not in response.text
    assert LoginForm(response.text).value("authorization[state]") == '"><script>x</script>'


async def test_bad_authorization_requests_get_an_error_page_never_a_redirect(client):
    app = await register_app(client)
    cases = [
        ({"client_id": "unknown"}, "Unknown client_id"),
        ({"redirect_uri": "https://evil.example/cb"}, "Unlisted redirect_uri"),
        ({"response_type": "token"}, "response_type"),
        ({"scope": "read admin"}, "outside of authorized scopes"),
        ({"code_challenge": "x" * 43, "code_challenge_method": "S512"}, "code_challenge_method"),
        ({"code_challenge": "short"}, "code_challenge"),
    ]
    for extra, message in cases:
        response = await client.get("/oauth/authorize", params=authorize_query(app, **extra))
        assert response.status_code == 400, extra
        assert "location" not in response.headers
        assert response.headers["content-type"].startswith("text/html")
        assert message in response.text, extra
    response = await client.get(
        "/oauth/authorize",
        params=authorize_query(app, client_id="unknown"),
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Unknown client_id"}


# --- the authorization-code flow -------------------------------------------------------------


async def test_full_authorization_code_flow(client, factory, db):
    alice = await factory.account("alice")
    app = await register_app(client)
    form = await open_form(client, app)
    response = await client.post(
        form.action, data=form.submit(name="alice", password="correct horse battery")
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    query = parse_qs(location.query)
    assert query["state"] == ["st4te"]
    code = query["code"][0]
    async with db() as session:
        stored = (await session.execute(select(OAuthAuthorization))).scalar_one()
    assert stored.code_digest == digest(code) and stored.account_id == alice.id
    assert stored.scopes == ["read", "write"] and stored.used is False

    client.cookies.clear()
    response = await exchange_code(client, app, code)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "read write"
    assert body["me"] == "http://pyleroma.test/users/alice"
    headers = bearer(body["access_token"])
    check = await client.get("/api/v1/apps/verify_credentials", headers=headers)
    assert check.status_code == 200 and check.json()["name"] == "Tusky"
    sessions = await client.get("/api/oauth_tokens", headers=headers)
    assert sessions.status_code == 200
    assert body["id"] in [s["id"] for s in sessions.json()]
    async with db() as session:
        used = (await session.execute(select(OAuthAuthorization))).scalar_one()
    assert used.used is True


async def test_existing_query_of_the_redirect_uri_is_kept(client, factory):
    await factory.account("alice")
    app = await register_app(client, redirect_uris="https://client.example/cb?x=1")
    response = await login_through_form(
        client, app, "alice", query={"redirect_uri": "https://client.example/cb?x=1"}
    )
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["x"] == ["1"] and query["state"] == ["st4te"] and query["code"]


async def test_out_of_band_shows_the_code(client, factory):
    await factory.account("alice")
    app = await register_app(client)
    response = await login_through_form(client, app, "alice", query={"redirect_uri": OOB})
    assert response.status_code == 200 and "location" not in response.headers
    assert "Successfully authorized" in response.text
    code = response.text.split('<code id="code">')[1].split("</code>")[0]
    token = await exchange_code(client, app, code, redirect_uri=OOB)
    assert token.status_code == 200 and token.json()["scope"] == "read write"


async def test_login_by_email_and_flat_field_names(client, factory):
    await factory.account("alice", email="Alice@Example.com")
    app = await register_app(client)
    response = await client.post(
        "/oauth/authorize",
        data={
            "name": "alice@example.com",
            "password": "correct horse battery",
            "client_id": app["client_id"],
            "redirect_uri": REDIRECT_URI,
            "scope": "read",
            "state": "s",
        },
    )
    code = code_from(response)
    token = await exchange_code(client, app, code)
    assert token.json()["scope"] == "read"


async def test_wrong_password_shows_the_form_again(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    response = await login_through_form(client, app, "alice", "wrong password")
    assert response.status_code == 401
    assert "Invalid Username/Password" in response.text
    form = LoginForm(response.text)
    assert form.value("authorization[client_id]") == app["client_id"]
    assert form.value("authorization[redirect_uri]") == REDIRECT_URI
    assert form.value("authorization[name]") == "alice"
    response = await login_through_form(client, app, "nobody")
    assert response.status_code == 401
    response = await login_through_form(client, app, "", "")
    assert response.status_code == 401
    assert await _count(db, OAuthAuthorization) == 0
    assert await _count(db, OAuthToken) == 0
    assert "_pleroma_key" not in client.cookies


async def test_wrong_password_as_json(client, factory):
    await factory.account("alice")
    app = await register_app(client)
    form = await open_form(client, app)
    response = await client.post(
        "/oauth/authorize",
        data=form.submit(name="alice", password="nope"),
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid Username/Password"}


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"is_active": False}, "Your account is currently disabled"),
        ({"is_approved": False}, "Your account is awaiting approval."),
        ({"is_confirmed": False}, "Your login is missing a confirmed e-mail address"),
    ],
)
async def test_accounts_that_cannot_log_in_are_refused(client, factory, db, flags, message):
    await factory.account("alice", **flags)
    app = await register_app(client)
    response = await login_through_form(client, app, "alice")
    assert response.status_code == 403
    assert message in response.text
    assert await _count(db, OAuthAuthorization) == 0
    assert await _count(db, OAuthToken) == 0


async def test_rate_limit_after_15_failures(client, factory):
    await factory.account("alice")
    app = await register_app(client)
    form = await open_form(client, app)
    for _ in range(15):
        response = await client.post(form.action, data=form.submit(name="alice", password="x"))
        assert response.status_code == 401
    response = await client.post(
        form.action, data=form.submit(name="alice", password="correct horse battery")
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert "location" not in response.headers


async def test_successful_logins_do_not_use_up_the_allowance(client, factory):
    await factory.account("alice")
    app = await register_app(client)
    for _ in range(20):
        response = await login_through_form(client, app, "alice")
        assert response.status_code == 302


# --- scopes ----------------------------------------------------------------------------------


async def test_the_user_can_narrow_the_scopes(client, factory):
    await factory.account("alice")
    app = await register_app(client)
    response = await login_through_form(client, app, "alice", scope=["", "read"])
    token = await exchange_code(client, app, code_from(response))
    assert token.json()["scope"] == "read"


async def test_sub_scopes_within_the_app_scopes_are_granted(client, factory):
    await factory.account("alice")
    app = await register_app(client)
    form = await open_form(client, app, scope="read:statuses write:media")
    assert [v for v in form.values("authorization[scope][]") if v] == [
        "read:statuses",
        "write:media",
    ]
    response = await client.post(
        form.action, data=form.submit(name="alice", password="correct horse battery")
    )
    token = await exchange_code(client, app, code_from(response))
    assert token.json()["scope"] == "read:statuses write:media"


async def test_scopes_beyond_the_app_or_none_at_all_are_refused(client, factory, db):
    await factory.account("alice")
    app = await register_app(client, scopes="read write")
    response = await login_through_form(client, app, "alice", scope=["read", "follow"])
    assert response.status_code == 401
    assert "This action is outside of authorized scopes" in response.text
    response = await login_through_form(client, app, "alice", scope=[""])
    assert response.status_code == 401
    assert await _count(db, OAuthAuthorization) == 0


async def test_admin_scopes_are_dropped_for_non_admins(client, factory):
    await factory.account("alice")
    await factory.account("boss", is_admin=True)
    app = await register_app(client, scopes="read admin")
    wanted = {"scope": "read admin"}
    response = await login_through_form(client, app, "alice", query=wanted)
    token = await exchange_code(client, app, code_from(response))
    assert token.json()["scope"] == "read"
    response = await login_through_form(client, app, "boss", query=wanted)
    token = await exchange_code(client, app, code_from(response))
    assert token.json()["scope"] == "read admin"
    # Only admin scopes asked for, by a non-admin: nothing is left to grant.
    response = await login_through_form(
        client, app, "alice", query={"scope": "admin:read"}, scope=["admin:read"]
    )
    assert response.status_code == 401


# --- PKCE, code reuse and expiry -------------------------------------------------------------


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


async def test_pkce_s256(client, factory):
    await factory.account("alice")
    app = await register_app(client)
    verifier = "v" * 20 + "-._~" + "x" * 30
    pkce = {"code_challenge": _s256(verifier), "code_challenge_method": "S256"}
    form = await open_form(client, app, **pkce)
    assert form.value("authorization[code_challenge]") == pkce["code_challenge"]

    response = await login_through_form(client, app, "alice", query=pkce)
    code = code_from(response)
    wrong = await exchange_code(client, app, code, code_verifier="w" * 50)
    assert wrong.status_code == 400 and "code_verifier" in wrong.json()["error"]
    missing = await exchange_code(client, app, code)
    assert missing.status_code == 400
    right = await exchange_code(client, app, code, code_verifier=verifier)
    assert right.status_code == 200 and right.json()["access_token"]


async def test_pkce_plain(client, factory):
    await factory.account("alice")
    app = await register_app(client)
    verifier = "p" * 43
    response = await login_through_form(
        client, app, "alice", query={"code_challenge": verifier, "code_challenge_method": "plain"}
    )
    code = code_from(response)
    assert (await exchange_code(client, app, code, code_verifier="q" * 43)).status_code == 400
    assert (await exchange_code(client, app, code, code_verifier=verifier)).status_code == 200


async def test_a_code_works_once(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    code = code_from(await login_through_form(client, app, "alice"))
    first = await exchange_code(client, app, code)
    assert first.status_code == 200
    tokens = await _count(db, OAuthToken)
    second = await exchange_code(client, app, code)
    assert second.status_code == 400 and "error" in second.json()
    assert await _count(db, OAuthToken) == tokens


async def test_an_expired_code_is_refused(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    code = code_from(await login_through_form(client, app, "alice"))
    async with db() as session:
        await session.execute(
            update(OAuthAuthorization).values(valid_until=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()
    response = await exchange_code(client, app, code)
    assert response.status_code == 400 and "error" in response.json()


@pytest.mark.parametrize("settings_overrides", [{"auth_code_ttl": 42}])
async def test_code_lifetime_follows_the_setting(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    code_from(await login_through_form(client, app, "alice"))
    async with db() as session:
        auth = (await session.execute(select(OAuthAuthorization))).scalar_one()
    remaining = (auth.valid_until - utcnow()).total_seconds()
    assert 30 < remaining <= 42


async def test_the_code_is_bound_to_its_app_and_redirect_uri(client, factory):
    await factory.account("alice")
    app = await register_app(client)
    other = await register_app(client, name="Other")
    code = code_from(await login_through_form(client, app, "alice"))
    assert (await exchange_code(client, other, code)).status_code == 400
    assert (await exchange_code(client, app, code, redirect_uri=OOB)).status_code == 400
    bad_secret = {**app, "client_secret": "wrong"}
    assert (await exchange_code(client, bad_secret, code)).status_code == 400
    assert (await exchange_code(client, app, code)).status_code == 200


async def test_an_account_disabled_after_login_cannot_exchange_its_code(client, factory, db):
    alice = await factory.account("alice")
    app = await register_app(client)
    code = code_from(await login_through_form(client, app, "alice"))
    async with db() as session:
        from pyleroma.models import Account

        await session.execute(update(Account).where(Account.id == alice.id).values(is_active=False))
        await session.commit()
    response = await exchange_code(client, app, code)
    assert response.status_code == 403
    assert response.json()["identifier"] == "account_is_disabled"


# --- the session cookie ----------------------------------------------------------------------


async def test_login_sets_the_session_cookie_and_it_authenticates_api_calls(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    response = await login_through_form(client, app, "alice")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("_pleroma_key=")
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "path=/" in lowered
    assert "secure" not in lowered  # base_url is http in tests
    secret = client.cookies["_pleroma_key"]
    async with db() as session:
        stored = (
            await session.execute(
                select(OAuthToken).where(OAuthToken.token_digest == digest(secret))
            )
        ).scalar_one()
    assert stored.scopes == ["read", "write"] and stored.refresh_digest is None

    sessions = await client.get("/api/oauth_tokens")  # no header: the cookie speaks
    assert sessions.status_code == 200
    assert str(stored.id) in [s["id"] for s in sessions.json()]


@pytest.mark.parametrize("settings_overrides", [{"base_url": "https://pyleroma.example"}])
async def test_the_cookie_is_secure_on_https(client, factory):
    await factory.account("alice")
    app = await register_app(client)
    response = await login_through_form(client, app, "alice")
    assert response.status_code == 302
    assert "secure" in response.headers["set-cookie"].lower()


async def test_one_click_authorization_with_the_session_cookie(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    code_from(await login_through_form(client, app, "alice"))
    other = await register_app(client, name="Other")
    tokens = await _count(db, OAuthToken)

    form = await open_form(client, other)
    page = await client.get("/oauth/authorize", params=authorize_query(other))
    assert "Authorize as @alice" in page.text
    response = await client.post(form.action, data=form.submit(name="", password=""))
    code = code_from(response)
    assert "set-cookie" not in response.headers  # the session goes on; no new session token
    assert await _count(db, OAuthToken) == tokens
    token = await exchange_code(client, other, code)
    assert token.status_code == 200 and token.json()["me"].endswith("/users/alice")


async def test_force_login_and_stale_cookies_show_the_plain_form(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    code_from(await login_through_form(client, app, "alice"))
    page = await client.get("/oauth/authorize", params=authorize_query(app, force_login="true"))
    assert "Authorize as" not in page.text
    async with db() as session:
        await session.execute(
            update(OAuthToken).values(valid_until=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()
    page = await client.get("/oauth/authorize", params=authorize_query(app))
    assert page.status_code == 200 and "Authorize as" not in page.text
    form = LoginForm(page.text)
    response = await client.post(form.action, data=form.submit(name="", password=""))
    assert response.status_code == 401


async def test_logging_in_as_someone_else_replaces_the_session(client, factory):
    await factory.account("alice")
    await factory.account("bob")
    app = await register_app(client)
    code_from(await login_through_form(client, app, "alice"))
    alice_cookie = client.cookies["_pleroma_key"]
    response = await login_through_form(client, app, "bob")
    code = code_from(response)
    assert client.cookies["_pleroma_key"] != alice_cookie
    token = await exchange_code(client, app, code)
    assert token.json()["me"].endswith("/users/bob")
