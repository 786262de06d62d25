"""Password reset in a browser: the link mailed by POST /auth/password (read from the test
SMTP server) opens the form, a mismatched confirmation shows the form again with the error,
the new password is set through it, the old one stops working and the new one logs in
through the OAuth form; the used link then says it is not valid."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.api.oauth_helpers import password_grant, register_app
from tests.browser.helpers import authorize_path, fill_login, me, shown_code, token_for
from tests.factories import DEFAULT_PASSWORD
from tests.mail_server import text_of

pytestmark = pytest.mark.asyncio(loop_scope="session")

RESET = "/api/v1/pleroma/password_reset/"
NEW = "a brand new password"


async def _mailed_link(live_server, email: str) -> str:
    answer = await live_server.http.post("/auth/password", data={"email": email})
    assert (answer.status_code, answer.content) == (204, b"")
    inbox = live_server.smtp_inbox
    await inbox.wait_for(1)  # the mail job runs in the server's own process
    [message] = inbox.to(email)
    [link] = live_server.links_in(text_of(message), RESET)
    return link


async def test_the_mailed_link_sets_a_new_password(live_server, page, console):
    alice = await live_server.factory.account("alice", email="alice@example.org")
    link = await _mailed_link(live_server, "alice@example.org")
    # the mismatched confirmation's page (422) and the used link's (404)
    console.expect(r"status of 422 .*/password_reset")
    console.expect(r"status of 404 .*/password_reset/")

    await page.goto(link)
    await expect(page.get_by_role("heading", name="Password reset for alice")).to_be_visible()
    await page.get_by_label("New password").fill(NEW)
    await page.get_by_label("Confirmation").fill(NEW + " typo")
    await page.get_by_role("button", name="Reset").click()
    await expect(page.get_by_role("alert")).to_have_text("Password does not match confirmation.")

    await page.get_by_label("New password").fill(NEW)
    await page.get_by_label("Confirmation").fill(NEW)
    await page.get_by_role("button", name="Reset").click()
    await expect(page.get_by_role("heading", name="Password changed!")).to_be_visible()

    app = await register_app(live_server.http)
    old = await password_grant(live_server.http, app, "alice", DEFAULT_PASSWORD)
    assert (old.status_code, old.json()) == (400, {"error": "Invalid credentials"})
    await page.goto(authorize_path(app))
    await fill_login(page, "alice", NEW)
    code = await shown_code(page)
    assert (await me(live_server, await token_for(live_server, app, code)))["id"] == str(alice.id)

    await page.goto(link)  # a link works once
    await expect(page.get_by_role("alert")).to_contain_text("Invalid Token")
    await expect(page.get_by_label("New password")).to_have_count(0)
