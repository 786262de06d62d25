"""NUL characters from clients are refused before they reach the database.

PostgreSQL cannot store or even compare text holding U+0000 ("invalid byte sequence for
encoding UTF8: 0x00"), so such a parameter was a 500 there (schemathesis found it with
``POST /api/v1/follows`` and ``uri=bob\\x00``). No text a client sends may hold one: a
parameter (query, form, JSON, at any depth) is a 422 naming it, a path segment is a 404,
HTTP Basic credentials are a 401.
"""

from __future__ import annotations

import base64

import pytest


async def test_a_json_parameter_with_nul_is_a_422(client, factory):
    alice = await factory.user("alice")
    await factory.user("bob")
    response = await client.post("/api/v1/follows", json={"uri": "bob\x00"}, headers=alice.headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "uri: must not contain NUL characters"


async def test_a_nested_json_parameter_with_nul_is_a_422(client, factory, db):
    alice = await factory.user("alice")
    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        json={"display_name": "Alice", "source": {"language": "e\x00n"}},
        headers=alice.headers,
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "source[language]: must not contain NUL characters"
    async with db() as session:
        from pyleroma.models import Account

        stored = await session.get(Account, alice.account.id)
        assert stored.display_name is None  # nothing of the request was written


async def test_a_list_item_with_nul_is_a_422(client, factory):
    alice = await factory.user("alice")
    response = await client.post(
        "/api/v1/statuses",
        json={"status": "hi", "to": ["bob", "car\x00ol"]},
        headers=alice.headers,
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "to[]: must not contain NUL characters"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/accounts/lookup?acct=bob%00",
        "/api/v1/accounts/search?q=b%00",
        "/api/v2/search?q=hello%00",
        "/api/v1/timelines/public?instance=a%00",
    ],
)
async def test_a_query_parameter_with_nul_is_a_422(client, factory, path):
    alice = await factory.user("alice")
    response = await client.get(path, headers=alice.headers)
    assert response.status_code == 422, response.text
    assert "must not contain NUL characters" in response.json()["error"]


async def test_a_form_field_with_nul_is_a_422(client, factory):
    alice = await factory.user("alice")
    response = await client.post(
        "/api/v1/lists", data={"title": "fri\x00ends"}, headers=alice.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "title: must not contain NUL characters"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/accounts/bob%00",
        "/api/v1/accounts/bob%00/statuses",
        "/api/v1/tags/cats%00",
        "/api/v1/timelines/tag/cats%00",
        "/api/v1/pleroma/accounts/bob%00/favourites",
    ],
)
async def test_a_path_with_nul_is_a_404(client, factory, path):
    alice = await factory.user("alice")
    await factory.user("bob")
    response = await client.get(path, headers=alice.headers)
    assert response.status_code == 404, response.text
    assert response.json() == {"error": "Not found"}


async def test_basic_credentials_with_nul_are_a_401(client, factory):
    await factory.user("alice")
    credentials = base64.b64encode(b"alice\x00:correct horse battery").decode()
    response = await client.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Basic {credentials}"},
    )
    assert response.status_code == 401, response.text


async def test_client_credentials_with_nul_are_refused(client):
    credentials = base64.b64encode(b"some\x00client:secret").decode()
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {credentials}"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "Invalid credentials"
