"""The streaming endpoint: handshake (tokens, scopes, streams), subscribe messages, health,
and sockets closed when their token goes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from pyleroma.db.base import utcnow
from pyleroma.models import Account, OAuthToken
from tests.streaming.helpers import marker, open_socket, refused


async def token_id(app, account_id) -> int:
    async with app.state.sessionmaker() as session:
        rows = await session.execute(
            select(OAuthToken.id)
            .where(OAuthToken.account_id == int(account_id))
            .order_by(OAuthToken.id)
        )
        return list(rows.scalars())[-1]


async def test_health_answers_ok_as_mastodon(client):
    response = await client.get("/api/v1/streaming/health")
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["content-type"].startswith("text/plain")


async def test_instance_advertises_the_streaming_api(client):
    data = (await client.get("/api/v1/instance")).json()
    assert data["urls"]["streaming_api"] == "ws://pyleroma.test"
    assert "mastodon_api_streaming" in data["pleroma"]["metadata"]["features"]
    v2 = (await client.get("/api/v2/instance")).json()
    assert v2["configuration"]["urls"]["streaming"] == "ws://pyleroma.test"


@pytest.mark.parametrize("settings_overrides", [{"base_url": "https://social.example"}])
async def test_https_instances_advertise_wss(client):
    data = (await client.get("/api/v1/instance")).json()
    assert data["urls"]["streaming_api"] == "wss://social.example"


async def test_invalid_tokens_are_refused_before_the_upgrade(stream_server, factory, app):
    assert await refused(stream_server, "not-a-token", stream="user") == 401
    assert await refused(stream_server, "not-a-token", stream="public") == 401
    with pytest.raises(InvalidStatus) as bad_protocol:
        await open_socket(stream_server, protocol="friend", stream="user")
    assert bad_protocol.value.response.status_code == 401

    expired = await factory.user()
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(OAuthToken)
            .where(OAuthToken.account_id == expired.account.id)
            .values(valid_until=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()
    assert await refused(stream_server, expired.token, stream="public") == 401

    gone = await factory.user()
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Account).where(Account.id == gone.account.id).values(is_active=False)
        )
        await session.commit()
    assert await refused(stream_server, gone.token, stream="user") == 401


async def test_user_streams_need_a_user_token_with_the_right_scope(stream_server, factory):
    assert await refused(stream_server, stream="user") == 401
    assert await refused(stream_server, stream="user:notification") == 401
    assert await refused(stream_server, stream="direct") == 401

    user = await factory.user()
    statuses = await factory.token(user.account, ["read:statuses"])
    notifications = await factory.token(user.account, ["read:notifications"])
    write_only = await factory.token(user.account, ["write"])
    app_only = await factory.token(None, ["read"])

    for token in (user.token, statuses):
        for stream in ("user", "direct"):
            await (await open_socket(stream_server, token, stream=stream)).close()
    for token in (notifications, write_only, app_only):
        assert await refused(stream_server, token, stream="user") == 401
    for token in (user.token, notifications):
        await (await open_socket(stream_server, token, stream="user:notification")).close()
    for token in (statuses, write_only):
        assert await refused(stream_server, token, stream="user:notification") == 401


async def test_unknown_streams_and_missing_parameters_are_404(stream_server, factory, client):
    user = await factory.user()
    assert await refused(stream_server, stream="ncjdk") == 404
    assert await refused(stream_server, stream="hashtag") == 404
    assert await refused(stream_server, user.token, stream="list") == 404
    assert await refused(stream_server, stream="public:remote") == 404

    other = await factory.user()
    theirs = (
        await client.post("/api/v1/lists", json={"title": "theirs"}, headers=other.headers)
    ).json()
    assert await refused(stream_server, user.token, stream="list", list=theirs["id"]) == 404
    assert await refused(stream_server, user.token, stream="list", list="999999") == 404
    assert await refused(stream_server, stream="list", list=theirs["id"]) == 401
    lists_only = await factory.token(other.account, ["read:lists"])
    await (await open_socket(stream_server, lists_only, stream="list", list=theirs["id"])).close()
    no_lists = await factory.token(other.account, ["read:statuses"])
    assert await refused(stream_server, no_lists, stream="list", list=theirs["id"]) == 401


async def test_public_streams_are_open_to_anonymous_clients_by_default(stream_server):
    for query in (
        {"stream": "public"},
        {"stream": "public:local"},
        {"stream": "public:media"},
        {"stream": "public:local:media"},
        {"stream": "hashtag", "tag": "cats"},
        {"stream": "public:remote", "instance": "lain.com"},
        {},
    ):
        socket = await open_socket(stream_server, **query)
        await socket.call({"type": "subscribe", "stream": "public"})
        await socket.close()


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "restrict_unauthenticated_local_timeline": True,
            "restrict_unauthenticated_federated_timeline": False,
        }
    ],
)
async def test_restricted_local_timeline_refuses_anonymous_local_streams(stream_server, factory):
    for query in (
        {"stream": "public:local"},
        {"stream": "public:local:media"},
        {"stream": "hashtag:local", "tag": "cats"},
    ):
        assert await refused(stream_server, **query) == 401
    await (await open_socket(stream_server, stream="public")).close()
    user = await factory.user()
    await (await open_socket(stream_server, user.token, stream="public:local")).close()
    notifications_only = await factory.token(user.account, ["read:notifications"])
    assert await refused(stream_server, notifications_only, stream="public:local") == 401


@pytest.mark.parametrize(
    "settings_overrides", [{"restrict_unauthenticated_federated_timeline": True}]
)
async def test_restricted_federated_timeline_refuses_anonymous_public_streams(
    stream_server, factory
):
    for query in (
        {"stream": "public"},
        {"stream": "public:media"},
        {"stream": "hashtag", "tag": "cats"},
        {"stream": "public:remote", "instance": "lain.com"},
    ):
        assert await refused(stream_server, **query) == 401
    await (await open_socket(stream_server, stream="public:local")).close()
    user = await factory.user()
    await (await open_socket(stream_server, user.token, stream="public")).close()


async def test_token_in_sec_websocket_protocol_is_echoed(stream_server, factory, app):
    user = await factory.user()
    socket = await open_socket(stream_server, protocol=user.token, stream="user")
    assert socket.ws.subprotocol == user.token
    await marker(app, user.id)
    assert (await socket.next())["event"] == "filters_changed"
    await socket.close()


async def test_bearer_header_and_trailing_slash_path(stream_server, factory, app):
    user = await factory.user()
    async with connect(
        f"{stream_server}/api/v1/streaming/?stream=user",
        additional_headers={"Authorization": f"Bearer {user.token}"},
    ) as ws:
        await marker(app, user.id)
        assert '"filters_changed"' in await ws.recv()


async def test_bad_subscriptions_answer_an_error_and_keep_the_socket(stream_server, factory):
    user = await factory.user()
    other = await factory.user()
    anonymous = await open_socket(stream_server)
    await anonymous.send({"type": "subscribe", "stream": "nope"})
    assert await anonymous.next() == {"error": "Unknown stream type", "status": 404}
    await anonymous.send({"type": "subscribe", "stream": "user"})
    assert await anonymous.next() == {"error": "Missing access token", "status": 401}
    await anonymous.send({"type": "subscribe", "stream": "hashtag"})
    assert await anonymous.next() == {"error": "No tag for stream provided", "status": 404}
    await anonymous.send("{not json")
    assert await anonymous.next() == {"error": "Invalid JSON", "status": 400}
    await anonymous.send({"type": "dance"})
    assert await anonymous.next() == {"error": "Unknown message type", "status": 400}
    await anonymous.send("ping")
    assert await anonymous.next() == {"pong": True}
    await anonymous.close()

    weak = await factory.token(user.account, ["read:notifications"])
    socket = await open_socket(stream_server, weak)
    await socket.send({"type": "subscribe", "stream": "user"})
    reply = await socket.next()
    assert reply == {"error": "Access token does not have the required scopes", "status": 401}
    lists = await factory.token(other.account, ["read"])
    theirs = await open_socket(stream_server, lists)
    await theirs.send({"type": "subscribe", "stream": "list", "list": "12345"})
    assert await theirs.next() == {"error": "List not found", "status": 404}
    await socket.close()
    await theirs.close()


async def test_revoking_the_token_closes_its_sockets_only(stream_server, factory, client, app):
    oauth_app = await factory.oauth_app()
    user = await factory.user()
    other_token = await factory.token(user.account)
    token = await factory.token(user.account, app=oauth_app)
    first = await open_socket(stream_server, token, stream="user")
    second = await open_socket(stream_server, token, stream="user:notification")
    kept = await open_socket(stream_server, other_token, stream="user")

    response = await client.post("/oauth/revoke", data={"token": token})
    assert response.status_code == 200

    for socket in (first, second):
        closed = await socket.closed()
        assert closed.rcvd.code == 1008
        assert closed.rcvd.reason == "Access token revoked"
    await marker(app, user.id)
    assert (await kept.next())["event"] == "filters_changed"
    await kept.close()


async def test_deleting_a_session_closes_its_sockets(stream_server, factory, client, app):
    user = await factory.user()
    doomed = await factory.token(user.account)
    socket = await open_socket(stream_server, doomed, stream="user")
    ident = await token_id(app, user.id)
    response = await client.delete(f"/api/oauth_tokens/{ident}", headers=user.headers)
    assert response.status_code == 200, response.text
    assert (await socket.closed()).rcvd.code == 1008


async def test_the_sweep_closes_expired_tokens_and_deactivated_accounts(
    stream_server, factory, app, hub
):
    expiring = await factory.user()
    deactivated = await factory.user()
    fine = await factory.user()
    sockets = {
        name: await open_socket(stream_server, user.token, stream="user")
        for name, user in (("expiring", expiring), ("deactivated", deactivated), ("fine", fine))
    }
    anonymous = await open_socket(stream_server, stream="public")
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(OAuthToken)
            .where(OAuthToken.account_id == expiring.account.id)
            .values(valid_until=utcnow() - dt.timedelta(seconds=1))
        )
        # As the CLI deactivates: no stream event, the sweep notices.
        await session.execute(
            update(Account).where(Account.id == deactivated.account.id).values(is_active=False)
        )
        await session.commit()
    await hub.sweep()
    for name in ("expiring", "deactivated"):
        closed = await sockets[name].closed()
        assert closed.rcvd.code == 1008
    await marker(app, fine.id)
    assert (await sockets["fine"].next())["event"] == "filters_changed"
    await anonymous.call({"type": "subscribe", "stream": "public:local"})
    await sockets["fine"].close()
    await anonymous.close()


async def test_refreshing_a_token_closes_the_old_tokens_sockets(stream_server, factory, client):
    from tests.api.oauth_helpers import password_grant, register_app

    user = await factory.user()
    registered = await register_app(client, scopes="read")
    issued = (await password_grant(client, registered, user.nickname)).json()
    socket = await open_socket(stream_server, issued["access_token"], stream="user")
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": issued["refresh_token"],
            "client_id": registered["client_id"],
            "client_secret": registered["client_secret"],
        },
    )
    assert response.status_code == 200, response.text
    assert (await socket.closed()).rcvd.code == 1008


def _respond(result: str, error: str | None = None) -> dict:
    payload = {"type": "pleroma:authenticate", "result": result}
    if error is not None:
        payload["error"] = error
    return {"event": "pleroma:respond", "payload": payload}


async def test_a_socket_logs_in_after_opening_as_pleroma_fe_does(
    stream_server, factory, client, app
):
    user = await factory.user()
    socket = await open_socket(stream_server)
    for bad in ("not a token", "", 42, None):
        await socket.send({"type": "pleroma:authenticate", "token": bad})
        assert await socket.next() == _respond("error", "unauthorized"), bad
    await socket.send({"type": "subscribe", "stream": "user"})
    assert await socket.next() == {"error": "Missing access token", "status": 401}

    await socket.send({"type": "pleroma:authenticate", "token": user.token})
    assert await socket.next() == _respond("success")
    await socket.call({"type": "subscribe", "stream": "user"})
    await marker(app, user.account.id)
    assert (await socket.next())["event"] == "filters_changed"
    await socket.send({"type": "pleroma:authenticate", "token": user.token})
    assert await socket.next() == _respond("error", "already_authenticated")

    # the socket is the token's now: revoking it closes the socket
    response = await client.post("/oauth/revoke", data={"token": user.token})
    assert response.status_code == 200
    closed = await socket.closed()
    assert (closed.rcvd.code, closed.rcvd.reason) == (1008, "Access token revoked")
