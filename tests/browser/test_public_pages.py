"""The server's own pages in a browser (no front end installed): the landing page lists the
recent public posts and leads to a post's page with its thread; a profile and a post's page
do not show private posts; a person signs up through the form and then logs in through the
OAuth form; the pages follow the visitor's colour scheme and are usable by keyboard. Any
Content-Security-Policy violation would be a console error, which fails the test."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.api.oauth_helpers import register_app
from tests.browser.helpers import authorize_path, fill_login, me, shown_code, token_for

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_landing_lists_public_posts_and_leads_to_the_thread(live_server, page):
    alice = await live_server.factory.account("alice", display_name="Alice Moss")
    bob = await live_server.factory.account("bob")
    question = await live_server.factory.status(alice, "Which moss for a shady wall?")
    answer = await live_server.factory.status(
        bob, "@alice Hypnum does well there.", in_reply_to_id=question.id
    )
    await live_server.factory.status(alice, "only my followers see this", visibility="private")
    await live_server.factory.status(alice, "quiet one", visibility="unlisted")

    await page.goto("/")
    posts = page.get_by_role("article")
    await expect(posts).to_have_count(2)
    await expect(posts.nth(0)).to_contain_text("Hypnum does well there.")
    await expect(posts.nth(1)).to_contain_text("Which moss for a shady wall?")
    await expect(page.locator("body")).not_to_contain_text("only my followers")
    await expect(page.locator("body")).not_to_contain_text("quiet one")

    await posts.nth(0).locator("footer a").click()  # the post's date: its page
    await expect(page).to_have_url(f"{live_server.base_url}/notice/{answer.id}")
    thread = page.get_by_role("article")
    await expect(thread).to_have_count(2)
    await expect(thread.nth(0)).to_contain_text("Which moss")
    await expect(thread.nth(1)).to_contain_text("Hypnum")
    await page.get_by_role("link", name="Alice Moss").first.click()
    await expect(page).to_have_url(f"{live_server.base_url}/users/alice")
    await expect(page.get_by_role("heading", name="Alice Moss")).to_be_visible()


async def test_profile_and_post_pages_keep_private_posts_out(live_server, page, console):
    alice = await live_server.factory.account("alice")
    await live_server.factory.status(alice, "hello everyone")
    secret = await live_server.factory.status(alice, "for followers", visibility="private")
    console.expect(rf"status of 404 .*/notice/{secret.id}")

    await page.goto("/@alice")
    await expect(page.get_by_role("article")).to_have_count(1)
    await expect(page.get_by_role("article")).to_contain_text("hello everyone")
    await expect(page.locator("body")).not_to_contain_text("for followers")

    response = await page.goto(f"/notice/{secret.id}")
    assert response.status == 404
    await expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    await expect(page.locator("body")).not_to_contain_text("for followers")


@pytest.mark.parametrize("settings_overrides", [{"captcha_enabled": False}])
async def test_sign_up_through_the_form_then_log_in(live_server, page):
    await page.goto("/")
    await page.get_by_role("link", name="Sign up").first.click()
    await expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    await page.get_by_label("Username").fill("newcomer")
    await page.get_by_label("Display name (optional)").fill("New Comer")
    await page.get_by_label("Email", exact=False).first.fill("newcomer@example.org")
    await page.get_by_label("Password", exact=True).fill("a long passphrase")
    await page.get_by_label("Confirm password").fill("a long passphrase")
    await page.get_by_label("I have read and agree").check()
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.locator("main")).to_contain_text("newcomer")

    app = await register_app(live_server.http)
    fresh = await page.context.browser.new_context(base_url=live_server.base_url)
    try:
        other = await fresh.new_page()
        await other.goto(authorize_path(app))
        await fill_login(other, "newcomer", "a long passphrase")
        code = await shown_code(other)
    finally:
        await fresh.close()
    account = await me(live_server, await token_for(live_server, app, code))
    assert (account["username"], account["display_name"]) == ("newcomer", "New Comer")


async def test_pages_follow_the_colour_scheme_and_the_keyboard(live_server, page):
    alice = await live_server.factory.account("alice")
    await live_server.factory.status(alice, "colours")
    backgrounds = {}
    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)
        await page.goto("/@alice")
        backgrounds[scheme] = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert backgrounds["light"] != backgrounds["dark"]
    assert backgrounds["dark"] == "rgb(15, 22, 30)"
    await page.keyboard.press("Tab")  # the first stop skips to the content
    focused = page.locator(":focus")
    await expect(focused).to_have_text("Skip to content")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{live_server.base_url}/@alice#content")
