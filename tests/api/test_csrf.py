"""Cross-site request forgery (issue 8): the ``_pleroma_key`` session cookie authenticates an
unsafe request only when it comes from the instance's own origin, and the one-click
"Authorize as @x" needs the login form's token, bound to the session (api/csrf.py).

The test instance's base URL is http://pyleroma.test, so its own pages send that Origin.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pyleroma.models import OAuthAuthorization, Status
from tests.api.oauth_helpers import (
    authorize_query,
    basic,
    code_from,
    login_through_form,
    open_form,
    register_app,
)

OURS = {"Origin": "http://pyleroma.test"}
EVIL = {"Origin": "https://evil.example"}
CROSS_SITE_HEADERS = [
    EVIL,
    {"Origin": "null"},  # sandboxed frames, data: URLs
    {"Origin": "http://pyleroma.test:8080"},
    {"Origin": "https://pyleroma.test"},
    {"Origin": "http://sub.pyleroma.test"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain: SameSite=Lax lets the cookie by
    {"Sec-Fetch-Site": "same-origin", **EVIL},
]
SAME_ORIGIN_HEADERS = [
    {},  # not a browser: curl or a script that was given the cookie on purpose
    OURS,
    {"Origin": "HTTP://PYLEROMA.TEST:80"},
    {"Sec-Fetch-Site": "same-origin", **OURS},
    {"Sec-Fetch-Site": "same-origin"},
    # A page with Referrer-Policy: no-referrer (the login and reset forms) posting to itself
    {"Sec-Fetch-Site": "same-origin", "Origin": "null"},
    {"Sec-Fetch-Site": "none"},  # typed or bookmarked by the user
]


async def _logged_in_browser(client, factory):
    """alice logged in through the form: the client now holds her session cookie."""
    alice = await factory.user("alice")
    app = await register_app(client)
    code_from(await login_through_form(client, app, "alice"))
    assert client.cookies.get("_pleroma_key")
    return alice, app


async def _count(db, model, *where) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("headers", CROSS_SITE_HEADERS)
async def test_cookie_authenticated_unsafe_requests_from_elsewhere_are_refused(
    client, factory, db, headers
):
    alice, _ = await _logged_in_browser(client, factory)
    mine = await factory.status(alice.account, "keep me")

    posted = await client.post("/api/v1/statuses", data={"status": "pwned"}, headers=headers)
    assert posted.status_code == 403
    assert posted.json()["error"].startswith("Cross-site request refused")
    assert "http://pyleroma.test" in posted.json()["error"]
    deleted = await client.delete(f"/api/v1/statuses/{mine.id}", headers=headers)
    assert deleted.status_code == 403
    patched = await client.patch(
        "/api/v1/accounts/update_credentials", data={"display_name": "pwned"}, headers=headers
    )
    assert patched.status_code == 403
    revoked = await client.delete("/api/oauth_tokens/1", headers=headers)
    assert revoked.status_code == 403

    assert await _count(db, Status, Status.account_id == alice.account.id) == 1
    shown = await client.get(f"/api/v1/accounts/{alice.id}")
    assert shown.json()["display_name"] == "alice"
    # Reading is not an action: safe methods keep working with the cookie from anywhere.
    me = await client.get("/api/v1/accounts/verify_credentials", headers=headers)
    assert me.status_code == 200 and me.json()["id"] == alice.id


@pytest.mark.parametrize("headers", SAME_ORIGIN_HEADERS)
async def test_cookie_authenticated_requests_from_our_own_pages_work(client, factory, headers):
    await _logged_in_browser(client, factory)

    posted = await client.post("/api/v1/statuses", data={"status": "hello"}, headers=headers)

    assert posted.status_code == 200, posted.text
    assert posted.json()["account"]["acct"] == "alice"


async def test_bearer_and_basic_do_not_care_where_a_request_comes_from(client, factory, db):
    """Web clients on other origins (Elk, Pleroma-FE elsewhere) send tokens, not cookies;
    a token wins over the cookie of whoever is logged in in the same browser."""
    alice = await factory.user("alice")
    await factory.user("bob")
    code_from(await login_through_form(client, await register_app(client), "bob"))
    by_token = await client.post(
        "/api/v1/statuses",
        data={"status": "from a web client"},
        headers={**alice.headers, **EVIL, "Sec-Fetch-Site": "cross-site"},
    )
    assert by_token.status_code == 200, by_token.text
    by_password = await client.post(
        "/api/v1/statuses",
        data={"status": "with a password"},
        headers={**basic("alice", alice.password), **EVIL},
    )
    assert by_password.status_code == 200, by_password.text
    assert by_token.json()["account"]["acct"] == by_password.json()["account"]["acct"] == "alice"
    assert await _count(db, Status, Status.account_id == alice.account.id) == 2


# --- POST /oauth/authorize: one click needs the form's token --------------------------------


async def test_the_form_carries_a_token_bound_to_the_session(client, factory):
    await factory.user("bob")
    alice, app = await _logged_in_browser(client, factory)
    form = await open_form(client, app)
    token = form.value("_csrf_token")
    assert token and len(token) >= 32
    assert (await open_form(client, app)).value("_csrf_token") == token  # stable per session

    # Another session (bob logs in through the form) gets another token.
    code_from(await login_through_form(client, app, "bob"))
    assert (await open_form(client, app)).value("_csrf_token") not in (None, token)
    # Without a session there is nothing to bind to, and only the login fields are shown.
    client.cookies.clear()
    plain = await open_form(client, app)
    assert plain.value("_csrf_token") is None


async def test_one_click_authorization_without_the_forms_token_is_refused(client, factory, db):
    """What an attacker's page can send: the cookie, and any client's parameters."""
    _, app = await _logged_in_browser(client, factory)
    attacker = await register_app(client, name="Evil")
    codes = await _count(db, OAuthAuthorization)
    form = await open_form(client, attacker)

    for headers, token in [
        ({}, None),  # no token at all (a non-browser replay of the cookie alone)
        ({}, "0" * 64),  # a made-up one
        (EVIL, None),  # the classic cross-site form post
        (EVIL, form.value("_csrf_token")),  # even with the right token, not from elsewhere
        ({"Sec-Fetch-Site": "same-site"}, form.value("_csrf_token")),
    ]:
        fields = form.submit(name="", password="")
        fields.pop("_csrf_token", None)
        if token is not None:
            fields["_csrf_token"] = [token]
        response = await client.post("/oauth/authorize", data=fields, headers=headers)
        assert response.status_code == 403, (headers, token)
        assert "location" not in response.headers
        # The form is shown again, so the person can see the request and decide.
        assert "Authorize as @alice" in response.text
        assert "Evil" in response.text
    assert await _count(db, OAuthAuthorization) == codes

    # The page this server showed, submitted from our origin, issues the code.
    response = await client.post(
        form.action, data=form.submit(name="", password=""), headers={**OURS}
    )
    code_from(response)
    assert await _count(db, OAuthAuthorization) == codes + 1


async def test_one_click_refusals_answer_json_to_json_clients(client, factory):
    _, app = await _logged_in_browser(client, factory)
    query = authorize_query(app)
    response = await client.post(
        "/oauth/authorize", data=query, headers={"Accept": "application/json", **EVIL}
    )
    assert response.status_code == 403
    assert response.json()["error"].startswith("Cross-site request refused")
    response = await client.post(
        "/oauth/authorize", data=query, headers={"Accept": "application/json"}
    )
    assert response.status_code == 403
    assert "did not come from a form this server showed you" in response.json()["error"]


async def test_logging_in_with_a_password_needs_no_session_token(client, factory):
    """The password is the proof: a fresh browser has no session to bind a token to."""
    await factory.user("alice")
    app = await register_app(client)
    response = await login_through_form(client, app, "alice")
    code_from(response)
    # With a session, logging in again by password works whether or not the token is sent.
    form = await open_form(client, app)
    fields = form.submit(name="alice", password="correct horse battery")
    fields.pop("_csrf_token")
    code_from(await client.post(form.action, data=fields, headers=OURS))
