"""GET /api/v1/preferences: Pleroma's keys from the account's posting defaults."""

from __future__ import annotations

URL = "/api/v1/preferences"


async def test_defaults_for_a_new_account(client, factory):
    alice = await factory.user("alice")
    response = await client.get(URL, headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == {
        "posting:default:visibility": "public",
        "posting:default:sensitive": False,
        "posting:default:language": None,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    }


async def test_reflects_stored_posting_defaults(client, factory):
    alice = await factory.user(
        "alice", default_scope="private", default_sensitive=True, default_language="fr"
    )
    data = (await client.get(URL, headers=alice.headers)).json()
    assert data["posting:default:visibility"] == "private"
    assert data["posting:default:sensitive"] is True
    assert data["posting:default:language"] == "fr"


async def test_follows_credentials_update(client, factory):
    alice = await factory.user("alice")
    updated = await client.patch(
        "/api/v1/accounts/update_credentials",
        data={"source[privacy]": "unlisted"},
        headers=alice.headers,
    )
    assert updated.status_code == 200
    data = (await client.get(URL, headers=alice.headers)).json()
    assert data["posting:default:visibility"] == "unlisted"


async def test_auth_and_scopes(client, factory):
    alice = await factory.user("alice")
    assert (await client.get(URL)).status_code == 401
    wrong = await factory.token(alice.account, ["read:statuses"])
    denied = await client.get(URL, headers={"Authorization": f"Bearer {wrong}"})
    assert denied.status_code == 403 and "read:accounts" in denied.json()["error"]
    for scopes in (["read:accounts"], ["read"]):
        token = await factory.token(alice.account, scopes)
        ok = await client.get(URL, headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
    app_token = await factory.token(None, ["read"])
    anonymous_app = await client.get(URL, headers={"Authorization": f"Bearer {app_token}"})
    assert anonymous_app.status_code == 401
