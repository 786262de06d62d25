"""What the browser tests share: the OAuth login through the form, as a person does it."""

from __future__ import annotations

from urllib.parse import urlencode

from playwright.async_api import Page, expect

from tests.api.oauth_helpers import OOB, bearer, exchange_code

OOB_HEADING = "Successfully authorized"


def authorize_path(app: dict, scope: str = "read", redirect_uri: str = OOB) -> str:
    query = {
        "client_id": app["client_id"],
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": scope,
    }
    return "/oauth/authorize?" + urlencode(query)


async def fill_login(page: Page, name: str, password: str) -> None:
    """Type the nickname and password into the login form and press its button."""
    await page.get_by_label("Username or email").fill(name)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_role("button", name="Log in").click()


async def shown_code(page: Page) -> str:
    """The code the out-of-band page shows, once it is there."""
    await expect(page.get_by_role("heading", name=OOB_HEADING)).to_be_visible()
    code = (await page.locator("code").inner_text()).strip()
    assert code, await page.content()
    return code


async def token_for(live_server, app: dict, code: str) -> str:
    """Exchange an out-of-band code for an access token (as the client app would)."""
    response = await exchange_code(live_server.http, app, code, redirect_uri=OOB)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def me(live_server, token: str) -> dict:
    response = await live_server.http.get(
        "/api/v1/accounts/verify_credentials", headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    return response.json()
