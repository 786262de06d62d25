"""The ``user`` and ``user:notification`` streams: what a logged-in client's home and
notifications receive, and what they must never receive."""

from __future__ import annotations

import json

from tests.api.filter_helpers import v2_filter
from tests.streaming.helpers import marker, open_socket, settle

FILTERS_CHANGED = "filters_changed"


async def follow(client, follower, target) -> None:
    response = await client.post(f"/api/v1/accounts/{target.id}/follow", headers=follower.headers)
    assert response.status_code == 200, response.text


async def post(client, user, text: str = "hello", **body) -> dict:
    response = await client.post(
        "/api/v1/statuses", json={"status": text, **body}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def next_event(socket, event: str) -> dict:
    message = await socket.next()
    assert message["event"] == event, message
    return message


async def test_followed_accounts_posts_arrive_as_rendered_by_the_api(
    stream_server, client, factory, app
):
    alice, bob = await factory.user(), await factory.user()
    await follow(client, alice, bob)
    await settle(app)
    socket = await open_socket(stream_server, alice.token, stream="user")

    status = await post(client, bob, "hello followers", visibility="private")
    message = await next_event(socket, "update")
    assert message["stream"] == ["user"]
    shown = await client.get(f"/api/v1/statuses/{status['id']}", headers=alice.headers)
    assert message["payload"] == shown.json()

    own = await post(client, alice, "my own words")
    message = await next_event(socket, "update")
    assert message["payload"]["id"] == own["id"]
    assert message["payload"]["account"]["id"] == alice.id
    await socket.close()


async def test_the_raw_message_is_json_with_a_json_string_payload(stream_server, client, factory):
    alice = await factory.user()
    socket = await open_socket(stream_server, alice.token, stream="user")
    status = await post(client, alice, "raw")

    raw = json.loads(await socket.ws.recv())
    assert set(raw) == {"stream", "event", "payload"}
    assert isinstance(raw["payload"], str)
    assert json.loads(raw["payload"])["id"] == status["id"]
    await socket.close()


async def test_never_what_the_viewer_may_not_or_would_not_see(stream_server, client, factory, app):
    alice, bob, carol, dave = [await factory.user() for _ in range(4)]
    await follow(client, alice, bob)
    await follow(client, alice, dave)
    await settle(app)
    socket = await open_socket(stream_server, alice.token, stream="user")
    # A followers-only post of someone alice does not follow, even one she may not see.
    await post(client, carol, "only for my followers", visibility="private")
    # A direct message among others.
    await post(client, bob, f"psst @{carol.nickname}", visibility="direct")
    # A muted account's post.
    response = await client.post(f"/api/v1/accounts/{dave.id}/mute", headers=alice.headers)
    assert response.status_code == 200
    await post(client, dave, "you muted me")
    await marker(app, alice.id)
    assert (await socket.next())["event"] == FILTERS_CHANGED

    # A block (which also ends the follow, and says so): bob's posts stop at once.
    response = await client.post(f"/api/v1/accounts/{bob.id}/block", headers=alice.headers)
    assert response.status_code == 200
    unfollowed = await next_event(socket, "pleroma:follow_relationships_update")
    assert unfollowed["payload"]["state"] == "unfollow"
    await post(client, bob, "blocked now")
    await marker(app, alice.id)
    assert (await socket.next())["event"] == FILTERS_CHANGED
    await socket.close()


async def test_hide_filters_drop_and_warn_filters_mark_statuses(
    stream_server, client, factory, app
):
    alice, bob = await factory.user(), await factory.user()
    await follow(client, alice, bob)
    hide = await v2_filter(client, alice, "spoilers", action="hide", context=["home"])
    warn = await v2_filter(client, alice, "sports", action="warn", context=["home"])
    await settle(app)
    socket = await open_socket(stream_server, alice.token, stream="user")

    await post(client, bob, "big spoilers ahead")
    await marker(app, alice.id)
    assert (await socket.next())["event"] == FILTERS_CHANGED

    warned = await post(client, bob, "sports results")
    message = await next_event(socket, "update")
    assert message["payload"]["id"] == warned["id"]
    [result] = message["payload"]["filtered"]
    assert result["filter"]["id"] == warn["id"]
    assert result["keyword_matches"] == ["sports"]
    assert hide["id"] != warn["id"]
    await socket.close()


async def test_notifications_reach_both_user_streams(stream_server, client, factory, app):
    alice, bob = await factory.user(), await factory.user()
    status = await post(client, alice, "like me")
    await settle(app)
    user_socket = await open_socket(stream_server, alice.token, stream="user")
    notification_socket = await open_socket(stream_server, alice.token, stream="user:notification")

    response = await client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=bob.headers)
    assert response.status_code == 200
    for socket, stream in ((user_socket, "user"), (notification_socket, "user:notification")):
        message = await next_event(socket, "notification")
        assert message["stream"] == [stream]
        payload = message["payload"]
        assert payload["type"] == "favourite"
        assert payload["account"]["id"] == bob.id
        assert payload["status"]["id"] == status["id"]
        stored = await client.get(f"/api/v1/notifications/{payload['id']}", headers=alice.headers)
        assert payload == stored.json()

    # A mention is a notification and, in her home, an update.
    mention = await post(client, bob, f"hey @{alice.nickname}")
    message = await next_event(notification_socket, "notification")
    assert message["payload"]["type"] == "mention"
    assert message["payload"]["status"]["id"] == mention["id"]
    events = {(await user_socket.next())["event"] for _ in range(2)}
    assert events == {"notification", "update"}
    await user_socket.close()
    await notification_socket.close()


async def test_muted_and_blocked_senders_notify_nobody_live(stream_server, client, factory, app):
    alice, muted, blocked = await factory.user(), await factory.user(), await factory.user()
    status = await post(client, alice, "popular")
    await client.post(f"/api/v1/accounts/{muted.id}/mute", headers=alice.headers)
    await client.post(f"/api/v1/accounts/{blocked.id}/block", headers=alice.headers)
    await settle(app)
    socket = await open_socket(stream_server, alice.token, stream="user:notification")
    user_socket = await open_socket(stream_server, alice.token, stream="user")
    for sender in (muted, blocked):
        await client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=sender.headers)
    await marker(app, alice.id)
    assert (await user_socket.next())["event"] == FILTERS_CHANGED
    # user:notification has no marker of its own: a notification that should arrive does.
    friend = await factory.user()
    await client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=friend.headers)
    message = await next_event(socket, "notification")
    assert message["payload"]["account"]["id"] == friend.id
    await socket.close()
    await user_socket.close()


async def test_deletes_reach_those_who_had_the_status(stream_server, client, factory, app):
    alice, bob = await factory.user(), await factory.user()
    await follow(client, alice, bob)
    await settle(app)
    socket = await open_socket(stream_server, alice.token, stream="user")
    status = await post(client, bob, "soon gone")
    assert (await next_event(socket, "update"))["payload"]["id"] == status["id"]
    await settle(app)
    response = await client.delete(f"/api/v1/statuses/{status['id']}", headers=bob.headers)
    assert response.status_code == 200
    message = await next_event(socket, "delete")
    assert message == {"stream": ["user"], "event": "delete", "payload": status["id"]}
    await socket.close()


async def test_reblogs_arrive_and_unreblogs_delete_them(stream_server, client, factory, app):
    alice, bob, carol = await factory.user(), await factory.user(), await factory.user()
    await follow(client, alice, bob)
    original = await post(client, carol, "boost me")
    await settle(app)
    socket = await open_socket(stream_server, alice.token, stream="user")
    response = await client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=bob.headers)
    assert response.status_code == 200
    reblog_id = response.json()["id"]
    message = await next_event(socket, "update")
    assert message["payload"]["id"] == reblog_id
    assert message["payload"]["reblog"]["id"] == original["id"]
    await settle(app)
    response = await client.post(f"/api/v1/statuses/{original['id']}/unreblog", headers=bob.headers)
    assert response.status_code == 200
    assert (await next_event(socket, "delete"))["payload"] == reblog_id

    # Reblogs hidden for a followed account stay out of the stream.
    response = await client.post(
        f"/api/v1/accounts/{bob.id}/follow", json={"reblogs": False}, headers=alice.headers
    )
    assert response.status_code == 200
    await client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=bob.headers)
    await marker(app, alice.id)
    assert (await socket.next())["event"] == FILTERS_CHANGED
    await socket.close()


async def test_deleting_a_boosted_status_deletes_the_boost_too(stream_server, client, factory, app):
    alice, bob, carol = await factory.user(), await factory.user(), await factory.user()
    await follow(client, alice, bob)
    original = await post(client, carol, "boost me, then I go")
    response = await client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=bob.headers)
    reblog_id = response.json()["id"]
    await settle(app)
    socket = await open_socket(stream_server, alice.token, stream="user")
    await client.delete(f"/api/v1/statuses/{original['id']}", headers=carol.headers)
    assert (await next_event(socket, "delete"))["payload"] == reblog_id
    await socket.close()


async def test_edits_arrive_as_status_update(stream_server, client, factory, app):
    alice, bob, carol = await factory.user(), await factory.user(), await factory.user()
    await follow(client, alice, bob)
    await follow(client, carol, bob)
    status = await post(client, bob, "first version")
    await settle(app)
    # Carol has the post in her home, then mutes bob: the edit must not reach her.
    await client.post(f"/api/v1/accounts/{bob.id}/mute", headers=carol.headers)
    await settle(app)
    muted = await open_socket(stream_server, carol.token, stream="user")
    socket = await open_socket(stream_server, alice.token, stream="user")
    public = await open_socket(stream_server, stream="public")
    response = await client.put(
        f"/api/v1/statuses/{status['id']}", json={"status": "second version"}, headers=bob.headers
    )
    assert response.status_code == 200, response.text
    for sock, stream in ((socket, ["user"]), (public, ["public"])):
        message = await next_event(sock, "status.update")
        assert message["stream"] == stream
        assert message["payload"]["id"] == status["id"]
        assert "second version" in message["payload"]["content"]
        assert message["payload"]["edited_at"] is not None
    await marker(app, carol.id)
    assert (await muted.next())["event"] == FILTERS_CHANGED
    await socket.close()
    await public.close()
    await muted.close()


async def test_filter_changes_are_announced(stream_server, client, factory):
    alice = await factory.user()
    socket = await open_socket(stream_server, alice.token, stream="user")
    notifications = await open_socket(stream_server, alice.token, stream="user:notification")
    await v2_filter(client, alice, "spoilers")
    assert await socket.next() == {"stream": ["user"], "event": "filters_changed"}
    # Only the user stream hears it (Mastodon): the next thing on the other is a follow.
    bob = await factory.user()
    await follow(client, bob, alice)
    assert (await notifications.next())["payload"]["type"] == "follow"
    await socket.close()
    await notifications.close()


async def test_follow_relationship_updates_go_to_the_follower(stream_server, client, factory, app):
    alice, bob = await factory.user(), await factory.user()
    carol = await factory.user(locked=True)
    socket = await open_socket(stream_server, alice.token, stream="user")

    await follow(client, alice, bob)
    message = await next_event(socket, "pleroma:follow_relationships_update")
    assert message["stream"] == ["user"]
    assert message["payload"] == {
        "state": "follow_accept",
        "follower": {"id": alice.id, "follower_count": 0, "following_count": 1},
        "following": {"id": bob.id, "follower_count": 1, "following_count": 0},
    }

    await follow(client, alice, carol)
    message = await next_event(socket, "pleroma:follow_relationships_update")
    assert message["payload"]["state"] == "follow_pending"
    assert message["payload"]["following"] == {
        "id": carol.id,
        "follower_count": 0,
        "following_count": 0,
    }
    response = await client.post(
        f"/api/v1/follow_requests/{alice.id}/authorize", headers=carol.headers
    )
    assert response.status_code == 200
    message = await next_event(socket, "pleroma:follow_relationships_update")
    assert message["payload"]["state"] == "follow_accept"
    assert message["payload"]["follower"]["following_count"] == 2

    response = await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=alice.headers)
    assert response.status_code == 200
    message = await next_event(socket, "pleroma:follow_relationships_update")
    assert message["payload"]["state"] == "unfollow"
    assert message["payload"]["following"]["follower_count"] == 0
    await socket.close()
