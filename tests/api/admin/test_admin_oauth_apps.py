"""Admin API OAuth apps: list and search, create, update, delete (tokens included), and a
trusted app's authorization without the consent click (GET /oauth/authorize)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pyleroma.models import OAuthApp, OAuthToken
from tests.api.admin.helpers import PREFIXES, admin, log_messages
from tests.api.oauth_helpers import (
    OOB,
    REDIRECT_URI,
    authorize_query,
    code_from,
    exchange_code,
    login_through_form,
)

KEYS = {"id", "name", "client_id", "client_secret", "redirect_uri", "website", "trusted"}


async def _create(client, staff, prefix="/api/pleroma/admin", **body):
    body = {"name": "Trusted app", "redirect_uris": f"{REDIRECT_URI} {OOB}", **body}
    response = await client.post(f"{prefix}/oauth_app", json=body, headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _list(client, staff, **query) -> dict:
    response = await client.get("/api/pleroma/admin/oauth_app", params=query, headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _stored(db, app_id: str) -> OAuthApp | None:
    async with db() as session:
        return await session.get(OAuthApp, int(app_id))


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_create_and_find_apps(client, factory, db, prefix):
    boss = await admin(factory)
    plain = await _create(client, boss, prefix, name="Plain app", redirect_uris=REDIRECT_URI)
    assert set(plain) == KEYS
    assert (plain["name"], plain["redirect_uri"], plain["trusted"]) == (
        "Plain app",
        REDIRECT_URI,
        False,
    )
    assert plain["website"] is None and isinstance(plain["id"], str)
    trusted = await _create(
        client, boss, prefix, trusted=True, scopes=["read", "write"], website="https://a.example"
    )
    assert trusted["trusted"] is True and trusted["website"] == "https://a.example"
    stored = await _stored(db, trusted["id"])
    assert stored.scopes == ["read", "write"] and stored.trusted
    assert stored.redirect_uris == f"{REDIRECT_URI}\n{OOB}"
    assert (await _stored(db, plain["id"])).scopes == ["read"]  # Mastodon's default

    # The admin's own token came with an app ("Test App", the factory's): three in all.
    everything = await _list(client, boss)
    assert everything["count"] == 3 and everything["page_size"] == 50
    assert [a["name"] for a in everything["apps"]] == ["Test App", "Plain app", "Trusted app"]
    assert everything["apps"][2] == trusted
    assert _names(await _list(client, boss, trusted="true")) == ["Trusted app"]
    assert _names(await _list(client, boss, trusted="false")) == ["Test App", "Plain app"]
    assert _names(await _list(client, boss, name="Plain app")) == ["Plain app"]
    assert _names(await _list(client, boss, name="Plain")) == []  # the whole name
    assert _names(await _list(client, boss, client_id=trusted["client_id"])) == ["Trusted app"]
    found = await _list(client, boss, trusted="false", name="Trusted app")
    assert found == {"apps": [], "count": 0, "page_size": 50}
    first = await _list(client, boss, page_size=2)
    second = await _list(client, boss, page_size=2, page=2)
    assert (first["count"], first["page_size"], second["count"]) == (3, 2, 3)
    assert _names(first) + _names(second) == ["Test App", "Plain app", "Trusted app"]
    assert _names(await _list(client, boss, page=9)) == []
    # Pleroma logs no app change; pyleroma does (tests/api/admin/test_moderation_log_more.py).
    assert await log_messages(client, boss) == [
        f"@boss created OAuth app #{trusted['id']} (Trusted app)",
        f"@boss created OAuth app #{plain['id']} (Plain app)",
    ]


def _names(listing: dict) -> list[str]:
    return [app["name"] for app in listing["apps"]]


async def test_bad_values_are_refused(client, factory, db):
    boss = await admin(factory)
    cases = [
        ({}, 422, "name: can't be blank; redirect_uris: can't be blank"),
        ({"name": "x"}, 422, "redirect_uris: can't be blank"),
        ({"name": " ", "redirect_uris": OOB}, 422, "name: can't be blank"),
        ({"name": "x", "redirect_uris": "nowhere"}, 422, "redirect_uris: must be absolute URIs"),
        ({"name": "x", "redirect_uris": OOB, "scopes": ["fly"]}, 422, "unknown scope fly"),
        ({"name": "x", "redirect_uris": OOB, "trusted": "maybe"}, 422, "trusted: must be a"),
        ({"name": "x" * 300, "redirect_uris": OOB}, 422, "name: is too long"),
        ({"name": "x", "redirect_uris": OOB, "website": 5}, 422, "website: must be a string"),
    ]
    before = await _list(client, boss)
    for body, status, message in cases:
        response = await client.post(
            "/api/pleroma/admin/oauth_app", json=body, headers=boss.headers
        )
        assert response.status_code == status, (body, response.text)
        assert message in response.json()["error"], (body, response.text)
    assert await _list(client, boss) == before
    bad_query = await client.get(
        "/api/pleroma/admin/oauth_app", params={"trusted": "sure"}, headers=boss.headers
    )
    assert bad_query.status_code == 422
    bad_page = await client.get(
        "/api/pleroma/admin/oauth_app", params={"page": "0"}, headers=boss.headers
    )
    assert bad_page.status_code == 422


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_update_an_app(client, factory, db, prefix):
    boss = await admin(factory)
    made = await _create(client, boss, prefix)
    response = await client.patch(
        f"{prefix}/oauth_app/{made['id']}",
        json={
            "name": "another name",
            "trusted": True,
            "redirect_uris": "https://example.com",
            "scopes": ["admin"],
            "website": "http://website.com",
        },
        headers=boss.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        **made,
        "name": "another name",
        "trusted": True,
        "redirect_uri": "https://example.com",
        "website": "http://website.com",
    }
    stored = await _stored(db, made["id"])
    assert stored.scopes == ["admin"] and stored.client_secret == made["client_secret"]
    # Only what is given changes; a refused value changes nothing.
    partial = await client.patch(
        f"{prefix}/oauth_app/{made['id']}",
        json={"trusted": False, "website": None},
        headers=boss.headers,
    )
    assert partial.json()["trusted"] is False and partial.json()["website"] is None
    assert partial.json()["name"] == "another name"
    refused = await client.patch(
        f"{prefix}/oauth_app/{made['id']}",
        json={"name": "third", "redirect_uris": "relative/path"},
        headers=boss.headers,
    )
    assert refused.status_code == 422
    assert (await _stored(db, made["id"])).name == "another name"

    for missing in ("0", "123456789", "abc", "²"):
        unknown = await client.patch(
            f"{prefix}/oauth_app/{missing}", json={"name": "x"}, headers=boss.headers
        )
        assert unknown.status_code == 400, (missing, unknown.text)
        assert "no OAuth app has this id" in unknown.json()["error"]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_delete_an_app_ends_its_tokens(client, factory, db, prefix):
    boss = await admin(factory)
    app = await factory.oauth_app(name="Doomed", scopes=["read"])
    user = await factory.account("alice")
    token = await factory.token(user, scopes=["read"], app=app)
    seen = await client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    assert seen.status_code == 200  # and its token is now cached

    deleted = await client.delete(f"{prefix}/oauth_app/{app.id}", headers=boss.headers)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert await _stored(db, str(app.id)) is None
    async with db() as session:
        left = await session.scalar(
            select(func.count()).select_from(OAuthToken).where(OAuthToken.app_id == app.id)
        )
    assert left == 0
    ended = await client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    assert ended.status_code == 401
    assert "Doomed" not in _names(await _list(client, boss))
    again = await client.delete(f"{prefix}/oauth_app/{app.id}", headers=boss.headers)
    assert again.status_code == 400 and "error" in again.json()
    assert (await client.delete(f"{prefix}/oauth_app/x", headers=boss.headers)).status_code == 400


# --- trusted apps skip the consent click -------------------------------------------------------


async def test_a_trusted_app_gets_its_code_without_the_click(client, factory):
    boss = await admin(factory)
    await factory.account("alice")
    trusted = await _create(client, boss, trusted=True, scopes=["read", "write"])
    plain = await _create(client, boss, name="Plain", scopes=["read", "write"])
    # Logged in once (through the plain app's form): the browser has its session cookie.
    code_from(await login_through_form(client, plain, "alice"))

    page = await client.get("/oauth/authorize", params=authorize_query(plain))
    assert page.status_code == 200 and "Authorize as @alice" in page.text

    straight = await client.get("/oauth/authorize", params=authorize_query(trusted))
    assert straight.status_code == 302
    assert straight.headers["location"].startswith(REDIRECT_URI)
    assert "state=st4te" in straight.headers["location"]
    assert "set-cookie" not in straight.headers  # the session goes on
    token = await exchange_code(client, trusted, code_from(straight))
    assert token.status_code == 200, token.text
    assert token.json()["me"].endswith("/users/alice")
    assert token.json()["scope"] == "read write"

    oob = await client.get(
        "/oauth/authorize", params=authorize_query(trusted, redirect_uri=OOB, scope="read")
    )
    assert oob.status_code == 200 and "Authorize as" not in oob.text  # the code, shown

    # Asking to log in again, or no session at all, shows the form as for any app.
    forced = await client.get(
        "/oauth/authorize", params=authorize_query(trusted, force_login="true")
    )
    assert forced.status_code == 200 and "Authorize as" not in forced.text
    client.cookies.clear()
    anonymous = await client.get("/oauth/authorize", params=authorize_query(trusted))
    assert anonymous.status_code == 200 and "Authorize as" not in anonymous.text

    # Untrusted again: the click is back.
    code_from(await login_through_form(client, plain, "alice"))
    await client.patch(
        f"/api/pleroma/admin/oauth_app/{trusted['id']}",
        json={"trusted": False},
        headers=boss.headers,
    )
    page = await client.get("/oauth/authorize", params=authorize_query(trusted))
    assert page.status_code == 200 and "Authorize as @alice" in page.text


async def test_a_trusted_app_never_gets_more_than_it_may(client, factory):
    """Scopes beyond the app's are refused before anything (an error page), and an
    admin scope asked for by a user who is no staff is dropped as always."""
    boss = await admin(factory)
    await factory.account("alice")
    trusted = await _create(client, boss, trusted=True, scopes=["read", "admin"])
    plain = await _create(client, boss, name="Plain", scopes=["read"])
    code_from(await login_through_form(client, plain, "alice", query={"scope": "read"}))
    beyond = await client.get(
        "/oauth/authorize", params=authorize_query(trusted, scope="read write")
    )
    assert beyond.status_code == 400
    admin_only = await client.get(
        "/oauth/authorize", params=authorize_query(trusted, scope="admin")
    )
    assert admin_only.status_code == 200 and "Authorize as @alice" in admin_only.text
    mixed = await client.get(
        "/oauth/authorize", params=authorize_query(trusted, scope="read admin")
    )
    token = await exchange_code(client, trusted, code_from(mixed))
    assert token.json()["scope"] == "read"
