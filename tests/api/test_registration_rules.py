"""Registration's email and nickname rules: Pleroma's email format, refusals that say why."""

from __future__ import annotations

import pytest

from tests.api.oauth_helpers import bearer
from tests.api.test_registration import VALID, account_count, app_token, stored


async def _register(client, factory, **change):
    token = await app_token(factory)
    body = {**VALID, **change}
    return await client.post("/api/v1/accounts", json=body, headers=bearer(token))


@pytest.mark.parametrize(
    "email",
    [
        "lain@localhost",
        "lain@pyleroma.test",
        "lain@wired.local",
        "lain@node.internal",
        "lain@example.invalid",
        "o'brien+news.2024@mail-1.example.co.uk",
        "LAIN@Example.ORG",
    ],
)
async def test_addresses_pleroma_accepts_are_accepted_and_stored(client, factory, db, email):
    response = await _register(client, factory, email=email)
    assert response.status_code == 200, response.text
    account = await stored(db, "lain")
    local, domain = email.split("@")
    assert account.email == f"{local}@{domain.lower()}" and account.email_key == email.lower()


@pytest.mark.parametrize(
    "email",
    [
        "no-at-sign",
        "two@@example.com",
        "@example.com",
        "lain@",
        "la in@example.com",
        "lain@-example.com",
        "lain@example-.com",
        "lain@example..com",
        "lain@exa_mple.com",
        "lain@example.com.",
        "läin@example.com",
        "lain@[127.0.0.1]",
        "lain@" + "a" * 64 + ".com",
        "lain@example.com\n",
    ],
)
async def test_garbage_addresses_are_refused_saying_what_is_expected(client, factory, db, email):
    response = await _register(client, factory, email=email)
    assert response.status_code == 422, response.text
    assert response.json() == {
        "error": "Email has invalid format: expected name@domain, such as alice@example.com"
    }
    assert await account_count(db) == 0


async def test_an_overlong_address_is_refused_by_its_length(client, factory, db):
    response = await _register(client, factory, email="l" * 64 + "@" + "a" * 63 + ".b" * 128)
    assert response.status_code == 422
    assert response.json() == {"error": "Email is too long (maximum is 320 characters)"}
    assert await account_count(db) == 0


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("admin", "Username is reserved: this server keeps that name for its own pages or staff"),
        ("Relationships", "Username is reserved: this server keeps that name"),
        ("bad name!", "Username has invalid format: ' ', '!' not allowed; use only letters"),
        ("x" * 65, "Username is too long: 65 characters, the maximum is 64"),
        ("", "Username can't be blank"),
    ],
)
async def test_refused_names_say_why(client, factory, db, username, message):
    response = await _register(client, factory, username=username)
    assert response.status_code == 422, response.text
    assert response.json()["error"].startswith(message)
    assert await account_count(db) == 0


async def test_a_taken_name_says_so(client, factory, db):
    await factory.account("lain", email="other@example.org")
    response = await _register(client, factory)
    assert response.status_code == 422
    assert response.json() == {"error": "Username has already been taken"}
    assert await account_count(db) == 1
