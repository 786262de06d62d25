"""The OAuth login form in a browser: a person types the nickname and password, the
out-of-band page shows a code, and the client app exchanges it for a working token; the
browser keeps the session cookie, so the next authorization is one click (with the form's
CSRF token); a wrong password shows an error on the form; with two-factor authentication on,
the form asks for the authenticator's code as a second step."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.api.mfa_helpers import mfa_account, totp_code, wrong_code
from tests.api.oauth_helpers import OOB, exchange_code, password_grant, register_app
from tests.browser.helpers import authorize_path, fill_login, me, shown_code, token_for
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_login_form_gives_a_code_that_becomes_a_token(live_server, page):
    alice = await live_server.factory.account("alice")
    app = await register_app(live_server.http, scopes="read write")

    await page.goto(authorize_path(app, scope="read"))
    await expect(page).to_have_title(re.compile(r"\bLog in\b"))
    await expect(page.get_by_text("Tusky")).to_be_visible()  # the app asking
    await expect(page.get_by_label("read", exact=True)).to_be_checked()
    await expect(page.get_by_label("write", exact=True)).not_to_be_checked()
    await fill_login(page, "alice", DEFAULT_PASSWORD)
    code = await shown_code(page)

    token = await token_for(live_server, app, code)
    assert (await me(live_server, token))["id"] == str(alice.id)
    again = await exchange_code(live_server.http, app, code, redirect_uri=OOB)
    assert again.status_code == 400  # a code works once

    # The browser now holds the session: authorizing again is one click, no password.
    cookies = {c["name"]: c for c in await page.context.cookies()}
    assert cookies["_pleroma_key"]["httpOnly"] and cookies["_pleroma_key"]["sameSite"] == "Lax"
    await page.goto(authorize_path(app, scope="read"))
    await page.get_by_role("button", name="Authorize as @alice").click()
    second = await shown_code(page)
    assert second != code
    assert (await me(live_server, await token_for(live_server, app, second)))["id"] == str(alice.id)


async def test_wrong_password_shows_an_error_on_the_form(live_server, page, console):
    await live_server.factory.account("alice")
    app = await register_app(live_server.http)
    # The form answers 401 with the page; Chromium logs the status of the document.
    console.expect(r"status of 401")

    await page.goto(authorize_path(app))
    await fill_login(page, "alice", "not the password")
    await expect(page.get_by_role("alert")).to_have_text("Invalid Username/Password")
    # the same form again, the name kept, the password not
    await expect(page.get_by_label("Username or email")).to_have_value("alice")
    await expect(page.get_by_label("Password", exact=True)).to_have_value("")
    assert "_pleroma_key" not in {c["name"] for c in await page.context.cookies()}

    # and it still logs in with the right one
    await fill_login(page, "alice", DEFAULT_PASSWORD)
    code = await shown_code(page)
    assert (await me(live_server, await token_for(live_server, app, code)))["acct"] == "alice"


async def test_two_factor_login_asks_for_the_code_as_a_second_step(live_server, page, console):
    alice, secret = await mfa_account(live_server.factory, "alice")
    app = await register_app(live_server.http)
    console.expect(r"status of 401")  # the wrong code's page

    await page.goto(authorize_path(app))
    await fill_login(page, "alice", DEFAULT_PASSWORD)
    await expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    await expect(page.get_by_text("@alice")).to_be_visible()
    assert "_pleroma_key" not in {c["name"] for c in await page.context.cookies()}

    code_field = page.get_by_label("Authentication code")
    await code_field.fill(wrong_code(secret))
    await page.get_by_role("button", name="Verify").click()
    await expect(page.get_by_role("alert")).to_have_text("Two-factor authentication failed.")

    await code_field.fill(totp_code(secret))
    await page.get_by_role("button", name="Verify").click()
    code = await shown_code(page)
    assert (await me(live_server, await token_for(live_server, app, code)))["id"] == str(alice.id)
    assert "_pleroma_key" in {c["name"] for c in await page.context.cookies()}
    # the password alone is still not enough for a token
    refused = await password_grant(live_server.http, app, "alice")
    assert refused.status_code == 403 and refused.json()["error"] == "mfa_required"
