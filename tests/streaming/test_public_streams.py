"""Public, remote, media, hashtag, list and direct streams, and several streams on one
socket."""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.db.ids import new_id
from pyleroma.models import HomeTimelineEntry, Status
from tests.api.posting_helpers import media
from tests.api.relationship_helpers import remote_account
from tests.streaming.helpers import marker, open_socket, publish, settle, status_marker
from tests.streaming.test_user_stream import follow, next_event, post


async def ids_until(socket, stop_id: str) -> list[str]:
    """The ids of the statuses a socket gets until (and without) ``stop_id``."""
    found = []
    while True:
        message = await socket.next()
        status_id = message["payload"]["id"]
        if status_id == stop_id:
            return found
        found.append(status_id)


async def test_public_streams_get_public_originals(stream_server, client, factory, app):
    alice, bob = await factory.user(), await factory.user()
    anonymous = await open_socket(stream_server, stream="public")
    local = await open_socket(stream_server, stream="public:local")
    logged_in = await open_socket(stream_server, alice.token, stream="public")

    public = await post(client, bob, "for everyone")
    for visibility in ("unlisted", "private", "direct"):
        await post(client, bob, f"{visibility} post", visibility=visibility)
    local_only = await post(client, bob, "local only", visibility="local")
    reblog = await client.post(f"/api/v1/statuses/{public['id']}/reblog", headers=alice.headers)
    assert reblog.status_code == 200
    await status_marker(app, public["id"])

    # Anonymous readers never get local-only posts; logged-in ones do, as the timelines.
    assert await ids_until(anonymous, public["id"]) == []
    for socket, expected in ((local, []), (logged_in, [local_only["id"]])):
        message = await socket.next()
        assert message["event"] == "update"
        assert message["payload"]["id"] == public["id"]
        assert await ids_until(socket, public["id"]) == expected
    logged_in_local = await open_socket(stream_server, alice.token, stream="public:local")
    again = await post(client, bob, "local only again", visibility="local")
    message = await next_event(logged_in_local, "update")
    assert message["stream"] == ["public:local"]
    assert message["payload"]["id"] == again["id"]


async def test_blocked_and_muted_authors_stay_out_of_public_streams(
    stream_server, client, factory, app
):
    alice, blocked, muted, blocker, fine = [await factory.user() for _ in range(5)]
    await client.post(f"/api/v1/accounts/{blocked.id}/block", headers=alice.headers)
    await client.post(f"/api/v1/accounts/{muted.id}/mute", headers=alice.headers)
    await client.post(f"/api/v1/accounts/{alice.id}/block", headers=blocker.headers)
    await settle(app)
    socket = await open_socket(stream_server, alice.token, stream="public")
    anonymous = await open_socket(stream_server, stream="public")
    posted = [await post(client, user, "hello world") for user in (blocked, muted, blocker)]
    await settle(app)  # fan-out jobs run side by side: the sentinel must come after them all
    last = await post(client, fine, "the last one")
    await settle(app)
    assert await ids_until(socket, last["id"]) == []
    assert sorted(await ids_until(anonymous, last["id"])) == sorted(p["id"] for p in posted)


async def remote_status(app, author, text: str = "from afar", **fields) -> Status:
    """A remote public status, as federation would store it."""
    async with app.state.sessionmaker() as session:
        status = Status(
            id=new_id(),
            account_id=author.id,
            local=False,
            visibility="public",
            content=f"<p>{text}</p>",
            source=text,
            uri=f"https://{author.domain}/objects/{new_id()}",
            **fields,
        )
        status.conversation_id = status.id
        session.add(status)
        await session.commit()
        return status


async def test_remote_posts_and_domain_blocks(stream_server, client, factory, app):
    alice, bob = await factory.user(), await factory.user()
    lain = await remote_account(app.state.sessionmaker, "lain", "lain.com")
    response = await client.post(
        "/api/v1/domain_blocks", data={"domain": "lain.com"}, headers=alice.headers
    )
    assert response.status_code == 200
    await settle(app)
    blocking = await open_socket(stream_server, alice.token, stream="public")
    anonymous = await open_socket(stream_server, stream="public")
    local = await open_socket(stream_server, stream="public:local")
    instance = await open_socket(stream_server, stream="public:remote", instance="LAIN.com")
    other = await open_socket(stream_server, stream="public:remote", instance="other.example")

    remote = await remote_status(app, lain)
    # The federation pipeline's fan-out publishes this, as ours does for local posts.
    await publish(app, {"type": "status", "status_id": remote.id})
    last = await post(client, bob, "local again")
    await settle(app)
    assert await ids_until(anonymous, last["id"]) == [str(remote.id)]
    assert await ids_until(blocking, last["id"]) == []
    assert await ids_until(local, last["id"]) == []
    message = await instance.next()
    assert message["stream"] == ["public:remote", "lain.com"]
    assert message["payload"]["id"] == str(remote.id)
    # The other instance's stream did not get it: its first message is its own.
    wired = await remote_account(app.state.sessionmaker, "wired", "other.example")
    elsewhere = await remote_status(app, wired)
    await publish(app, {"type": "status", "status_id": elsewhere.id})
    assert (await other.next())["payload"]["id"] == str(elsewhere.id)


async def test_media_streams_get_posts_with_attachments(stream_server, client, factory, app):
    bob = await factory.user()
    media_socket = await open_socket(stream_server, stream="public:media")
    local_media = await open_socket(stream_server, stream="public:local:media")
    await post(client, bob, "no picture")
    picture = await media(app.state.sessionmaker, bob.account)
    with_media = await post(client, bob, "a picture", media_ids=[str(picture)])
    for socket, stream in ((media_socket, "public:media"), (local_media, "public:local:media")):
        message = await next_event(socket, "update")
        assert message["stream"] == [stream]
        assert message["payload"]["id"] == with_media["id"]
        assert len(message["payload"]["media_attachments"]) == 1


async def test_hashtag_streams(stream_server, client, factory, app):
    bob = await factory.user()
    cats = await open_socket(stream_server, stream="hashtag", tag="Cats")
    local_cats = await open_socket(stream_server, stream="hashtag:local", tag="cats")
    dogs = await open_socket(stream_server, stream="hashtag", tag="dogs")
    await post(client, bob, "not tagged")
    await post(client, bob, "only #cats for followers", visibility="private")
    tagged = await post(client, bob, "look at my #CATS")
    for socket, stream in ((cats, ["hashtag", "cats"]), (local_cats, ["hashtag:local", "cats"])):
        message = await next_event(socket, "update")
        assert message["stream"] == stream
        assert message["payload"]["id"] == tagged["id"]
    last = await post(client, bob, "#dogs only")
    assert (await dogs.next())["payload"]["id"] == last["id"]


async def make_list(client, owner, *members, **fields) -> str:
    response = await client.post(
        "/api/v1/lists", json={"title": "friends", **fields}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    list_id = response.json()["id"]
    response = await client.post(
        f"/api/v1/lists/{list_id}/accounts",
        json={"account_ids": [m.id for m in members]},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    return list_id


async def test_list_streams_follow_the_list_timeline_rules(stream_server, client, factory, app):
    alice, bob, carol, dave = [await factory.user() for _ in range(4)]
    await follow(client, alice, bob)
    list_id = await make_list(client, alice, bob, replies_policy="list")
    await settle(app)
    socket = await open_socket(stream_server, alice.token, stream="list", list=list_id)

    member = await post(client, bob, "in the list")
    private = await post(client, bob, "followers only", visibility="private")
    await post(client, carol, "not a member")
    to_stranger = await post(client, dave, "dave speaks")
    await post(client, bob, "a reply to a non-member", in_reply_to_id=to_stranger["id"])
    own = await post(client, alice, "alice speaks")
    reply_to_owner = await post(client, bob, "a reply to alice", in_reply_to_id=own["id"])
    await post(client, bob, f"a direct to @{alice.nickname}", visibility="direct")
    await settle(app)  # fan-out jobs run side by side: the sentinel must come after them all
    last = await post(client, bob, "the end")
    await settle(app)
    received = await ids_until(socket, last["id"])
    assert sorted(received) == sorted([member["id"], private["id"], reply_to_owner["id"]])

    # A followers-only post of a member the owner does not follow is not hers to see.
    response = await client.post(
        f"/api/v1/lists/{list_id}/accounts", json={"account_ids": [carol.id]}, headers=alice.headers
    )
    assert response.status_code == 200
    await post(client, carol, "my followers only", visibility="private")
    visible = await post(client, carol, "public now")
    message = await socket.next()
    assert message["stream"] == ["list", list_id]
    assert message["payload"]["id"] == visible["id"]


async def test_direct_streams_get_updates_and_conversations(stream_server, client, factory, app):
    alice, bob, carol = [await factory.user() for _ in range(3)]
    socket = await open_socket(stream_server, alice.token, stream="direct")
    bystander = await open_socket(stream_server, carol.token, stream="direct")

    first = await post(client, bob, f"hi @{alice.nickname}", visibility="direct")
    conversation = await next_event(socket, "conversation")
    assert conversation["stream"] == ["direct"]
    listed = (await client.get("/api/v1/conversations", headers=alice.headers)).json()
    assert conversation["payload"] == listed[0]
    assert conversation["payload"]["unread"] is True
    assert conversation["payload"]["last_status"]["id"] == first["id"]
    assert [a["id"] for a in conversation["payload"]["accounts"]] == [bob.id]
    update = await next_event(socket, "update")
    assert update["payload"]["id"] == first["id"]

    second = await post(
        client, bob, f"again @{alice.nickname}", visibility="direct", in_reply_to_id=first["id"]
    )
    assert (await next_event(socket, "conversation"))["payload"]["last_status"]["id"] == second[
        "id"
    ]
    assert (await next_event(socket, "update"))["payload"]["id"] == second["id"]
    await settle(app)
    await client.delete(f"/api/v1/statuses/{second['id']}", headers=bob.headers)
    assert (await next_event(socket, "delete"))["payload"] == second["id"]
    rewound = await next_event(socket, "conversation")
    assert rewound["payload"]["last_status"]["id"] == first["id"]

    # Carol was never addressed: the first thing she hears is her own message.
    to_carol = await post(client, bob, f"now @{carol.nickname}", visibility="direct")
    assert (await next_event(bystander, "conversation"))["payload"]["last_status"]["id"] == (
        to_carol["id"]
    )


async def test_one_socket_subscribes_and_unsubscribes(stream_server, client, factory, app):
    alice, bob = await factory.user(), await factory.user()
    socket = await open_socket(stream_server, alice.token)
    await socket.call({"type": "subscribe", "stream": "hashtag", "tag": "cats"})
    await socket.call({"type": "subscribe", "stream": "public:local"})
    await socket.call({"type": "subscribe", "stream": "user"})

    tagged = await post(client, bob, "#cats")
    received = {}
    for _ in range(2):
        message = await next_event(socket, "update")
        received[tuple(message["stream"])] = message["payload"]["id"]
    assert received == {("hashtag", "cats"): tagged["id"], ("public:local",): tagged["id"]}

    await socket.call({"type": "unsubscribe", "stream": "hashtag", "tag": "cats"})
    await socket.call({"type": "unsubscribe", "stream": "user"})
    again = await post(client, bob, "#cats again")
    message = await next_event(socket, "update")
    assert message["stream"] == ["public:local"]
    assert message["payload"]["id"] == again["id"]
    await settle(app)
    await publish(app, {"type": "filters_changed", "account_id": int(alice.id)})
    last = await post(client, bob, "last")
    assert (await socket.next())["payload"]["id"] == last["id"]  # no filters_changed


async def test_large_deletes_reach_each_socket_once(stream_server, client, factory, app):
    """A delete held by many homes is split into NOTIFY-sized parts on PostgreSQL; each
    holder still gets it once and public streams once."""
    alice, bob = await factory.user(), await factory.user()
    status = await post(client, bob, "soon gone")
    await settle(app)
    user_socket = await open_socket(stream_server, alice.token, stream="user")
    public = await open_socket(stream_server, stream="public")
    holders = [int(alice.id), *range(10**15, 10**15 + 1500)]
    await publish(
        app,
        {
            "type": "delete",
            "status_id": int(status["id"]),
            "author_id": int(bob.id),
            "visibility": "public",
            "local": True,
            "has_media": False,
            "reblog": False,
            "domain": None,
            "tags": [],
            "holder_ids": holders,
        },
    )
    last = await post(client, bob, "after")
    await settle(app)
    assert (await next_event(public, "delete"))["payload"] == status["id"]
    assert (await next_event(public, "update"))["payload"]["id"] == last["id"]
    assert (await next_event(user_socket, "delete"))["payload"] == status["id"]
    await marker(app, alice.id)
    assert (await user_socket.next())["event"] == "filters_changed"


async def test_rolled_back_transactions_stream_nothing(stream_server, client, factory, app):
    from pyleroma.models import Account
    from pyleroma.services.notifications.notifications import notify
    from pyleroma.streaming.events import emit

    alice, bob = await factory.user(), await factory.user()
    status = await post(client, alice, "mine")
    await settle(app)
    socket = await open_socket(stream_server, alice.token, stream="user")
    async with app.state.sessionmaker() as session:
        recipient = await session.get(Account, int(alice.id))
        row = await session.get(Status, int(status["id"]))
        assert await notify(session, recipient, int(bob.id), "favourite", row) is not None
        emit(session, {"type": "filters_changed", "account_id": int(alice.id)})
        await session.flush()
        await session.rollback()
    async with app.state.sessionmaker() as session:
        entries = await session.execute(
            select(HomeTimelineEntry).where(HomeTimelineEntry.account_id == int(alice.id))
        )
        assert len(entries.all()) == 1
    last = await post(client, alice, "after the rollback")
    assert (await next_event(socket, "update"))["payload"]["id"] == last["id"]
