"""POST/GET/PUT/DELETE /api/v1/push/subscription: shapes, one per token, validation, errors
(docs/api/push.md)."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from pyleroma.models import OAuthToken
from pyleroma.services.notifications.push_subscriptions import ALERT_TYPES
from pyleroma.services.oauth.secrets import digest
from tests.api.push_helpers import URL, Subscriber, stored_subscriptions, subscribe

ENDPOINT = "https://push.example/wpush/v2/abc"
SHAPE = {"id", "endpoint", "alerts", "policy", "standard", "server_key"}


async def _token(db, secret: str) -> OAuthToken:
    async with db() as session:
        return await session.scalar(
            select(OAuthToken).where(OAuthToken.token_digest == digest(secret))
        )


async def test_create_answers_subscription_and_stores_it(client, factory, db):
    alice = await factory.user("alice")
    subscriber = Subscriber()
    body = subscriber.body(
        ENDPOINT, alerts={"mention": True, "follow": "true", "reblog": False}, policy="followed"
    )
    response = await client.post(URL, json=body, headers=alice.headers)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == SHAPE
    assert data["endpoint"] == ENDPOINT and data["policy"] == "followed"
    assert data["standard"] is False
    assert set(data["alerts"]) == set(ALERT_TYPES)
    on = {name for name, value in data["alerts"].items() if value}
    # follow_request follows the follow switch when the client did not set it (Pleroma).
    assert on == {"mention", "follow", "follow_request"}

    [stored] = await stored_subscriptions(db)
    token = await _token(db, alice.token)
    assert str(stored.id) == data["id"]
    assert stored.account_id == alice.account.id and stored.token_id == token.id
    assert stored.endpoint == ENDPOINT and stored.policy == "followed"
    assert stored.key_p256dh == subscriber.p256dh and stored.key_auth == subscriber.auth
    assert stored.alerts == {"mention": True, "follow": True, "reblog": False}


async def test_server_key_is_the_instance_key_everywhere(client, factory):
    alice = await factory.user("alice")
    _, data = await subscribe(client, alice, ENDPOINT)
    key = data["server_key"]
    assert len(base64.urlsafe_b64decode(key + "=")) == 65 and key.startswith("B")
    v1 = (await client.get("/api/v1/instance")).json()
    v2 = (await client.get("/api/v2/instance")).json()
    assert v1["pleroma"]["vapid_public_key"] == key
    assert v2["configuration"]["vapid"] == {"public_key": key}
    assert v2["pleroma"]["vapid_public_key"] == key
    app = await client.post(
        "/api/v1/apps", data={"client_name": "Toot", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    )
    assert app.json()["vapid_key"] == key
    verified = await client.get("/api/v1/apps/verify_credentials", headers=alice.headers)
    assert verified.json()["vapid_key"] == key


async def test_form_encoded_with_standard_base64_keys(client, factory, db):
    """Rails brackets, and keys in padded standard base64 (as some iOS apps send them) are
    stored as base64url without padding."""
    alice = await factory.user("alice")
    subscriber = Subscriber()
    std_p256dh = base64.b64encode(subscriber.public_bytes).decode()
    std_auth = base64.b64encode(subscriber.auth_secret).decode()
    form = {
        "subscription[endpoint]": ENDPOINT,
        "subscription[keys][p256dh]": std_p256dh,
        "subscription[keys][auth]": std_auth,
        "subscription[standard]": "true",
        "data[alerts][favourite]": "1",
        "data[alerts][follow_request]": "0",
        "data[alerts][follow]": "true",
        "data[alerts][admin.sign_up]": "true",
    }
    response = await client.post(URL, data=form, headers=alice.headers)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["standard"] is True and data["policy"] == "all"
    on = {name for name, value in data["alerts"].items() if value}
    assert on == {"favourite", "follow"}  # unknown alerts ignored; follow_request set off
    [stored] = await stored_subscriptions(db)
    assert stored.key_p256dh == subscriber.p256dh and stored.key_auth == subscriber.auth
    assert stored.standard is True
    assert stored.alerts == {"favourite": True, "follow": True, "follow_request": False}


async def test_get_answers_the_tokens_subscription(client, factory):
    alice = await factory.user("alice")
    _, created = await subscribe(client, alice, ENDPOINT)
    response = await client.get(URL, headers=alice.headers)
    assert response.status_code == 200 and response.json() == created


async def test_get_put_delete_without_subscription_are_404(client, factory):
    alice = await factory.user("alice")
    assert (await client.get(URL, headers=alice.headers)).status_code == 404
    put = await client.put(URL, json={"data": {"alerts": {"poll": True}}}, headers=alice.headers)
    assert put.status_code == 404 and put.json() == {"error": "Record not found"}
    assert (await client.delete(URL, headers=alice.headers)).status_code == 404


async def test_post_again_replaces_the_subscription(client, factory, db):
    alice = await factory.user("alice")
    _, first = await subscribe(client, alice, ENDPOINT)
    _, second = await subscribe(client, alice, "https://push.example/other", alerts={"poll": True})
    assert second["id"] != first["id"] and second["endpoint"] == "https://push.example/other"
    [stored] = await stored_subscriptions(db)
    assert str(stored.id) == second["id"] and stored.alerts == {"poll": True}


async def test_one_subscription_per_token(client, factory, db):
    """Two tokens of one user (two devices) have a subscription each."""
    alice = await factory.user("alice")
    phone_token = await factory.token(alice.account)
    phone = {"Authorization": f"Bearer {phone_token}"}
    _, desktop_sub = await subscribe(client, alice, ENDPOINT)
    response = await client.post(
        URL, json=Subscriber().body("https://push.example/phone"), headers=phone
    )
    assert response.status_code == 200
    assert len(await stored_subscriptions(db, alice.id)) == 2
    assert (await client.get(URL, headers=phone)).json()["endpoint"].endswith("/phone")
    assert (await client.get(URL, headers=alice.headers)).json()["id"] == desktop_sub["id"]
    await client.delete(URL, headers=phone)
    [left] = await stored_subscriptions(db)
    assert str(left.id) == desktop_sub["id"]


async def test_put_replaces_alerts_and_policy_only(client, factory, db):
    alice = await factory.user("alice")
    subscriber, created = await subscribe(
        client, alice, ENDPOINT, alerts={"mention": True, "follow": True}, policy="follower"
    )
    response = await client.put(
        URL,
        data={"data[alerts][favourite]": "true", "data[policy]": "none"},
        headers=alice.headers,
    )
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == created["id"] and data["endpoint"] == ENDPOINT
    assert {name for name, on in data["alerts"].items() if on} == {"favourite"}
    assert data["policy"] == "none"
    [stored] = await stored_subscriptions(db)
    assert stored.alerts == {"favourite": True} and stored.policy == "none"
    assert stored.key_p256dh == subscriber.p256dh
    # Without data[policy] the policy is back to "all" (Mastodon replaces the whole data).
    again = await client.put(URL, json={"data": {"alerts": {}}}, headers=alice.headers)
    assert again.json()["policy"] == "all" and not any(again.json()["alerts"].values())


async def test_delete_removes_it(client, factory, db):
    alice = await factory.user("alice")
    await subscribe(client, alice, ENDPOINT)
    response = await client.delete(URL, headers=alice.headers)
    assert response.status_code == 200 and response.json() == {}
    assert await stored_subscriptions(db) == []
    assert (await client.get(URL, headers=alice.headers)).status_code == 404


async def test_revoking_the_token_deletes_its_subscription(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await subscribe(client, alice, ENDPOINT)
    await subscribe(client, bob, ENDPOINT)
    response = await client.post("/oauth/revoke", data={"token": alice.token})
    assert response.status_code == 200
    assert [s.account_id for s in await stored_subscriptions(db)] == [bob.account.id]


async def test_deleting_the_account_deletes_its_subscriptions(client, factory, db):
    from pyleroma.models import Account

    alice = await factory.user("alice")
    await subscribe(client, alice, ENDPOINT)
    async with db() as session:
        await session.delete(await session.get(Account, alice.account.id))
        await session.commit()
    assert await stored_subscriptions(db) == []


# --- authentication ----------------------------------------------------------------------


async def test_without_token_is_401(client):
    for method in ("GET", "POST", "PUT", "DELETE"):
        response = await client.request(method, URL)
        assert response.status_code == 401, method


async def test_token_without_push_scope_is_403(client, factory, db):
    user = await factory.user("alice", scopes=["read", "write", "follow"])
    body = Subscriber().body(ENDPOINT)
    for method in ("GET", "POST", "PUT", "DELETE"):
        response = await client.request(method, URL, json=body, headers=user.headers)
        assert response.status_code == 403, method
        assert "push" in response.json()["error"]
    assert await stored_subscriptions(db) == []


async def test_basic_auth_has_no_token_to_subscribe_with(client, factory, db):
    await factory.user("alice")
    auth = base64.b64encode(b"alice:correct horse battery").decode()
    response = await client.post(
        URL, json=Subscriber().body(ENDPOINT), headers={"Authorization": f"Basic {auth}"}
    )
    assert response.status_code == 403
    assert await stored_subscriptions(db) == []


# --- validation --------------------------------------------------------------------------


async def _refused(client, user, body, db, status=422) -> str:
    response = await client.post(URL, json=body, headers=user.headers)
    assert response.status_code == status, response.text
    assert await stored_subscriptions(db) == []
    return response.json()["error"]


@pytest.mark.parametrize(
    "endpoint",
    [
        "",
        "not a url",
        "ftp://push.example/x",
        "http://push.example/x",  # plain http only to loopback, and only when allowed
        "https:///nohost",
        "https://push.example:notaport/x",
        "https://push.example/" + "x" * 2048,
    ],
)
async def test_bad_endpoint_is_422(client, factory, db, endpoint):
    alice = await factory.user("alice")
    error = await _refused(client, alice, Subscriber().body(endpoint), db)
    assert error.startswith("subscription[endpoint]")


async def test_loopback_http_endpoint_allowed_when_private_fetch_is(client, factory):
    alice = await factory.user("alice")
    _, data = await subscribe(client, alice, "http://127.0.0.1:8443/push")
    assert data["endpoint"] == "http://127.0.0.1:8443/push"


@pytest.mark.parametrize("settings_overrides", [{"allow_private_fetch": False}])
@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8443/push",
        "https://127.0.0.1/push",
        "https://localhost/push",
        "https://10.1.2.3/push",
        "https://169.254.169.254/latest",
        "https://[::1]/push",
        "https://[fd00::1]/push",
    ],
)
async def test_private_endpoint_is_422_without_private_fetch(client, factory, db, endpoint):
    alice = await factory.user("alice")
    error = await _refused(client, alice, Subscriber().body(endpoint), db)
    assert error.startswith("subscription[endpoint]")


async def test_missing_subscription_or_keys_is_422(client, factory, db):
    alice = await factory.user("alice")
    assert "subscription" in await _refused(client, alice, {"data": {}}, db)
    no_keys = {"subscription": {"endpoint": ENDPOINT}}
    assert "keys" in await _refused(client, alice, no_keys, db)
    body = Subscriber().body(ENDPOINT)
    del body["subscription"]["keys"]["auth"]
    assert "auth" in await _refused(client, alice, body, db)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("p256dh", "!!!not base64!!!"),
        ("p256dh", base64.urlsafe_b64encode(b"\x04" + b"\x01" * 63).decode()),  # 64 bytes
        ("p256dh", base64.urlsafe_b64encode(b"\x04" + b"\x00" * 64).decode()),  # off the curve
        ("p256dh", 12345),
        ("auth", base64.urlsafe_b64encode(b"x" * 15).decode()),
        ("auth", base64.urlsafe_b64encode(b"x" * 32).decode()),
        ("auth", "%%%"),
    ],
)
async def test_bad_keys_are_422(client, factory, db, name, value):
    alice = await factory.user("alice")
    body = Subscriber().body(ENDPOINT)
    body["subscription"]["keys"][name] = value
    error = await _refused(client, alice, body, db)
    assert error.startswith(f"subscription[keys][{name}]")


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"alerts": {"mention": "maybe"}}, "data[alerts][mention]"),
        ({"alerts": ["mention"]}, "data[alerts]"),
        ({"policy": "friends"}, "data[policy]"),
        ("everything", "data"),
    ],
)
async def test_bad_data_is_422(client, factory, db, data, where):
    alice = await factory.user("alice")
    body = Subscriber().body(ENDPOINT)
    body["data"] = data
    assert (await _refused(client, alice, body, db)).startswith(where)


async def test_bad_put_changes_nothing(client, factory, db):
    alice = await factory.user("alice")
    await subscribe(client, alice, ENDPOINT, alerts={"mention": True})
    response = await client.put(
        URL, json={"data": {"alerts": {"poll": "sometimes"}}}, headers=alice.headers
    )
    assert response.status_code == 422
    [stored] = await stored_subscriptions(db)
    assert stored.alerts == {"mention": True}


async def test_malformed_json_is_400(client, factory, db):
    alice = await factory.user("alice")
    response = await client.post(
        URL,
        content=b'{"subscription": ',
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert await stored_subscriptions(db) == []
