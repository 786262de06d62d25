"""The notification endpoints: list (filters, pagination), show, dismiss, clear,
destroy_multiple, Pleroma's notifications/read, follow notifications and the unread count."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from pyleroma.models import Account, Notification
from tests.api.notification_helpers import add, mention, notification_ids, stored
from tests.api.relationship_helpers import next_link, prev_link

URL = "/api/v1/notifications"


def _path(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


# --- GET /api/v1/notifications -------------------------------------------------------------


async def test_list_renders_pleroma_notification_entity(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    status = await mention(factory, bob, alice, "hello")
    response = await client.get(URL, headers=alice.headers)
    assert response.status_code == 200
    [item] = response.json()
    assert item["type"] == "mention"
    assert item["created_at"].endswith("Z")
    assert item["account"]["id"] == bob.id and item["account"]["acct"] == "bob"
    # the sender's account carries no relationship by default (as Pleroma)
    assert item["account"]["pleroma"]["relationship"] == {}
    assert item["status"]["id"] == str(status.id)
    assert item["status"]["account"]["id"] == bob.id
    assert 'class="u-url mention"' in item["status"]["content"]
    assert item["pleroma"] == {"is_seen": False, "is_muted": False}
    assert item["id"] == str((await _only(factory, alice)).id)


async def _only(factory, user) -> Notification:
    [notification] = await stored(factory.app.state.sessionmaker, user.id)
    return notification


async def test_list_auth_and_scopes(client, factory):
    alice = await factory.user("alice")
    assert (await client.get(URL)).status_code == 401
    wrong = await factory.token(alice.account, ["read:statuses"])
    response = await client.get(URL, headers={"Authorization": f"Bearer {wrong}"})
    assert response.status_code == 403
    assert "read:notifications" in response.json()["error"]
    for scopes in (["read:notifications"], ["read"]):
        token = await factory.token(alice.account, scopes)
        ok = await client.get(URL, headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200 and ok.json() == []


async def test_list_type_filters(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    own = await factory.status(alice.account, "my post")
    m = await mention(factory, bob, alice)
    fav = await add(db, alice, bob, "favourite", own)
    response = await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    assert response.status_code == 200
    report = await add(db, alice, bob, "pleroma:report")
    [mention_n, _fav, follow_n, _report] = await stored(db, alice.id)
    assert mention_n.status_id == m.id and follow_n.type == "follow"

    async def listed(query: str) -> list[str]:
        response = await client.get(f"{URL}?{query}", headers=alice.headers)
        assert response.status_code == 200
        return [item["type"] for item in response.json()]

    # reports only on request (as Pleroma)
    assert await listed("") == ["follow", "favourite", "mention"]
    assert await listed("include_types[]=pleroma:report") == ["pleroma:report"]
    assert await listed("types[]=follow") == ["follow"]
    assert await listed("types[]=mention&include_types[]=favourite") == ["favourite", "mention"]
    assert await listed("exclude_types[]=mention&exclude_types[]=follow") == ["favourite"]
    # unknown types are ignored, as Mastodon and Pleroma do
    assert await listed("exclude_types[]=admin.sign_up") == ["follow", "favourite", "mention"]
    # ... but asking only for types that never occur matches nothing
    assert await listed("types[]=admin.sign_up") == []
    assert report is not None and fav is not None


async def test_list_rejects_malformed_parameters(client, factory):
    alice = await factory.user("alice")
    for query in (
        "exclude_types[x]=mention",
        "with_muted=perhaps",
        "max_id=abc",
        "limit=lots",
    ):
        response = await client.get(f"{URL}?{query}", headers=alice.headers)
        assert response.status_code == 422, query
        assert "error" in response.json()


async def test_list_account_id_filter(client, factory):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    await mention(factory, bob, alice)
    await mention(factory, carol, alice)
    response = await client.get(f"{URL}?account_id={bob.id}", headers=alice.headers)
    assert [item["account"]["id"] for item in response.json()] == [bob.id]
    for bad in ("cofe", "123456"):
        missing = await client.get(f"{URL}?account_id={bad}", headers=alice.headers)
        assert missing.status_code == 404
        assert missing.json() == {"error": "Account is not found"}


async def test_list_exclude_visibilities(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    made = {}
    for visibility in ("public", "unlisted", "private", "direct"):
        made[visibility] = await mention(factory, bob, alice, visibility=visibility)

    async def statuses(query: str) -> set[str]:
        response = await client.get(f"{URL}?{query}", headers=alice.headers)
        return {item["status"]["id"] for item in response.json()}

    assert await statuses("exclude_visibilities[]=public&exclude_visibilities[]=private") == {
        str(made["unlisted"].id),
        str(made["direct"].id),
    }
    # an unknown visibility is ignored
    assert len(await statuses("exclude_visibilities[]=sideways")) == 4


async def test_reblog_notification_shows_the_original_and_visibility_of_it(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    post = await factory.status(alice.account, "unlisted post", visibility="unlisted")
    await add(db, alice, bob, "reblog", post)
    response = await client.get(URL, headers=alice.headers)
    [item] = response.json()
    assert item["type"] == "reblog" and item["status"]["id"] == str(post.id)
    excluded = await client.get(f"{URL}?exclude_visibilities[]=unlisted", headers=alice.headers)
    assert excluded.json() == []


async def test_pagination_follows_link_headers(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    for n in range(5):
        await mention(factory, bob, alice, f"number {n}")
    first = await client.get(f"{URL}?limit=2", headers=alice.headers)
    all_ids = notification_ids(await client.get(URL, headers=alice.headers))
    assert len(all_ids) == 5 and all_ids == sorted(all_ids, key=int, reverse=True)
    assert notification_ids(first) == all_ids[:2]
    link = first.headers["link"]
    assert "limit=2" in link and f"max_id={all_ids[1]}" in link and f"min_id={all_ids[0]}" in link
    second = await client.get(_path(next_link(first)), headers=alice.headers)
    assert notification_ids(second) == all_ids[2:4]
    third = await client.get(_path(next_link(second)), headers=alice.headers)
    assert notification_ids(third) == all_ids[4:]
    back = await client.get(_path(prev_link(third)), headers=alice.headers)
    assert notification_ids(back) == all_ids[2:4]
    since = await client.get(f"{URL}?since_id={all_ids[4]}&limit=2", headers=alice.headers)
    assert notification_ids(since) == all_ids[:2]
    min_page = await client.get(f"{URL}?min_id={all_ids[4]}&limit=2", headers=alice.headers)
    assert notification_ids(min_page) == all_ids[2:4]
    # a limit above 40 is clamped, not refused
    assert (await client.get(f"{URL}?limit=500", headers=alice.headers)).status_code == 200


# --- GET /api/v1/notifications/:id ---------------------------------------------------------


async def test_show_own_notification_only(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await mention(factory, bob, alice)
    notification = await _only(factory, alice)
    response = await client.get(f"{URL}/{notification.id}", headers=alice.headers)
    assert response.status_code == 200
    assert response.json()["id"] == str(notification.id)
    assert response.json()["type"] == "mention"
    for who, path in ((bob, notification.id), (alice, 424242), (alice, "nope")):
        missing = await client.get(f"{URL}/{path}", headers=who.headers)
        assert missing.status_code == 404
        assert missing.json() == {"error": "Record not found"}
    assert (await client.get(f"{URL}/{notification.id}")).status_code == 401
    writer = await factory.token(alice.account, ["write:notifications"])
    forbidden = await client.get(
        f"{URL}/{notification.id}", headers={"Authorization": f"Bearer {writer}"}
    )
    assert forbidden.status_code == 403


# --- dismiss / clear / destroy_multiple ------------------------------------------------------


async def test_dismiss(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await mention(factory, bob, alice, "one")
    await mention(factory, bob, alice, "two")
    first, second = await stored(db, alice.id)
    # someone else's notification is "not found" and stays
    other = await client.post(f"{URL}/{first.id}/dismiss", headers=bob.headers)
    assert other.status_code == 404
    reader = await factory.token(alice.account, ["read:notifications"])
    forbidden = await client.post(
        f"{URL}/{first.id}/dismiss", headers={"Authorization": f"Bearer {reader}"}
    )
    assert forbidden.status_code == 403
    assert (await client.post(f"{URL}/{first.id}/dismiss")).status_code == 401
    assert len(await stored(db, alice.id)) == 2

    response = await client.post(f"{URL}/{first.id}/dismiss", headers=alice.headers)
    assert response.status_code == 200 and response.json() == {}
    assert [n.id for n in await stored(db, alice.id)] == [second.id]
    again = await client.post(f"{URL}/{first.id}/dismiss", headers=alice.headers)
    assert again.status_code == 404

    # the older form with the id in the body
    legacy = await client.post(f"{URL}/dismiss", headers=alice.headers, data={"id": second.id})
    assert legacy.status_code == 200 and legacy.json() == {}
    assert await stored(db, alice.id) == []
    missing = await client.post(f"{URL}/dismiss", headers=alice.headers)
    assert missing.status_code == 422


async def test_clear_removes_only_own(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await mention(factory, bob, alice)
    await mention(factory, bob, alice)
    await mention(factory, alice, bob)
    reader = await factory.token(alice.account, ["read:notifications"])
    forbidden = await client.post(f"{URL}/clear", headers={"Authorization": f"Bearer {reader}"})
    assert forbidden.status_code == 403
    assert (await client.post(f"{URL}/clear")).status_code == 401
    response = await client.post(f"{URL}/clear", headers=alice.headers)
    assert response.status_code == 200 and response.json() == {}
    assert await stored(db, alice.id) == []
    assert len(await stored(db, bob.id)) == 1
    assert (await client.get(URL, headers=alice.headers)).json() == []


async def test_destroy_multiple(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    for _ in range(3):
        await mention(factory, bob, alice)
    await mention(factory, alice, bob)
    one, two, three = await stored(db, alice.id)
    [bobs] = await stored(db, bob.id)
    response = await client.delete(
        f"{URL}/destroy_multiple?ids[]={one.id}&ids[]={two.id}&ids[]={bobs.id}",
        headers=alice.headers,
    )
    assert response.status_code == 200 and response.json() == {}
    assert [n.id for n in await stored(db, alice.id)] == [three.id]
    assert [n.id for n in await stored(db, bob.id)] == [bobs.id]

    bad = await client.delete(f"{URL}/destroy_multiple?ids[]=abc", headers=alice.headers)
    assert bad.status_code == 422
    missing = await client.delete(f"{URL}/destroy_multiple", headers=alice.headers)
    assert missing.status_code == 422
    reader = await factory.token(alice.account, ["read:notifications"])
    forbidden = await client.delete(
        f"{URL}/destroy_multiple?ids[]={three.id}", headers={"Authorization": f"Bearer {reader}"}
    )
    assert forbidden.status_code == 403
    assert [n.id for n in await stored(db, alice.id)] == [three.id]


# --- POST /api/v1/pleroma/notifications/read -----------------------------------------------


@pytest.mark.parametrize("prefix", ["/api/v1/pleroma", "/api/pleroma"])
async def test_pleroma_read_one(client, factory, db, prefix):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await mention(factory, bob, alice, "one")
    await mention(factory, bob, alice, "two")
    first, second = await stored(db, alice.id)
    response = await client.post(
        f"{prefix}/notifications/read", headers=alice.headers, json={"id": first.id}
    )
    assert response.status_code == 200
    assert response.json()["id"] == str(first.id)
    assert response.json()["pleroma"]["is_seen"] is True
    first, second = await stored(db, alice.id)
    assert first.seen is True and second.seen is False


async def test_pleroma_read_up_to_max_id(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    for n in range(3):
        await mention(factory, bob, alice, f"n{n}")
    one, two, three = await stored(db, alice.id)
    response = await client.post(
        "/api/v1/pleroma/notifications/read", headers=alice.headers, data={"max_id": str(two.id)}
    )
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body] == [str(two.id), str(one.id)]
    assert all(item["pleroma"]["is_seen"] for item in body)
    assert [n.seen for n in await stored(db, alice.id)] == [True, True, False]
    listed = (await client.get(URL, headers=alice.headers)).json()
    assert [item["pleroma"]["is_seen"] for item in listed] == [False, True, True]
    # reading again marks nothing new
    again = await client.post(
        "/api/v1/pleroma/notifications/read", headers=alice.headers, json={"max_id": two.id}
    )
    assert again.json() == []
    assert [n.seen for n in await stored(db, alice.id)] == [True, True, False]
    assert three.id == int(listed[0]["id"])


async def test_pleroma_read_moves_the_notifications_marker(client, factory, db):
    """As Akkoma: reading notifications points the marker at the newest seen one."""
    alice, bob = await factory.user("alice"), await factory.user("bob")
    for n in range(3):
        await mention(factory, bob, alice, f"n{n}")
    one, two, three = await stored(db, alice.id)
    url = "/api/v1/pleroma/notifications/read"
    await client.post(url, headers=alice.headers, json={"max_id": str(two.id)})
    markers = await client.get("/api/v1/markers?timeline[]=notifications", headers=alice.headers)
    marker = markers.json()["notifications"]
    assert marker["last_read_id"] == str(two.id)
    assert marker["pleroma"]["unread_count"] == 1
    await client.post(url, headers=alice.headers, json={"id": str(three.id)})
    marker = (
        await client.get("/api/v1/markers?timeline[]=notifications", headers=alice.headers)
    ).json()["notifications"]
    assert marker["last_read_id"] == str(three.id)
    assert marker["version"] == 1
    assert marker["pleroma"]["unread_count"] == 0


async def test_pleroma_read_errors(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await mention(factory, alice, bob)
    [bobs] = await stored(db, bob.id)
    url = "/api/v1/pleroma/notifications/read"
    foreign = await client.post(url, headers=alice.headers, json={"id": bobs.id})
    assert foreign.status_code == 400
    assert foreign.json() == {"error": "Cannot get notification"}
    unknown = await client.post(url, headers=alice.headers, json={"id": 22222222222222})
    assert unknown.status_code == 400
    assert (await client.post(url, headers=alice.headers, json={})).status_code == 422
    assert (await client.post(url, headers=alice.headers, json={"id": "x"})).status_code == 422
    assert (await client.post(url, headers=alice.headers, json={"max_id": "x"})).status_code == 422
    assert (await client.post(url, json={"id": bobs.id})).status_code == 401
    reader = await factory.token(bob.account, ["read:notifications"])
    forbidden = await client.post(
        url, headers={"Authorization": f"Bearer {reader}"}, json={"id": bobs.id}
    )
    assert forbidden.status_code == 403
    [bobs] = await stored(db, bob.id)
    assert bobs.seen is False


# --- follow notifications --------------------------------------------------------------------


async def test_follow_creates_follow_notification(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    response = await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    assert response.status_code == 200
    [notification] = await stored(db, bob.id)
    assert (notification.type, notification.from_account_id) == ("follow", alice.account.id)
    [item] = (await client.get(URL, headers=bob.headers)).json()
    assert item["type"] == "follow" and item["account"]["id"] == alice.id
    assert "status" not in item

    # unfollowing keeps it, and following again does not notify twice (Pleroma)
    await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=alice.headers)
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    assert [n.id for n in await stored(db, bob.id)] == [notification.id]


async def test_follow_request_authorized_becomes_follow(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob", locked=True)
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    [request] = await stored(db, bob.id)
    assert request.type == "follow_request"
    [item] = (await client.get(URL, headers=bob.headers)).json()
    assert item["type"] == "follow_request" and "status" not in item
    response = await client.post(
        f"/api/v1/follow_requests/{alice.id}/authorize", headers=bob.headers
    )
    assert response.status_code == 200
    [accepted] = await stored(db, bob.id)
    assert accepted.id == request.id and accepted.type == "follow"


async def test_follow_request_rejected_or_withdrawn_is_removed(client, factory, db):
    alice, carol = await factory.user("alice"), await factory.user("carol")
    bob = await factory.user("bob", locked=True)
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=carol.headers)
    assert [n.type for n in await stored(db, bob.id)] == ["follow_request"] * 2
    response = await client.post(f"/api/v1/follow_requests/{alice.id}/reject", headers=bob.headers)
    assert response.status_code == 200
    assert [n.from_account_id for n in await stored(db, bob.id)] == [carol.account.id]
    await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=carol.headers)
    assert await stored(db, bob.id) == []


# --- the unread counter ----------------------------------------------------------------------


async def test_unread_count_on_verify_credentials(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await mention(factory, bob, alice)
    await mention(factory, bob, alice)

    async def unread() -> int:
        response = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
        return response.json()["pleroma"]["unread_notifications_count"]

    assert await unread() == 2
    first = (await stored(factory.app.state.sessionmaker, alice.id))[0]
    await client.post(
        "/api/v1/pleroma/notifications/read", headers=alice.headers, json={"id": first.id}
    )
    assert await unread() == 1
    # someone else's view of alice carries no counter
    other = await client.get(f"/api/v1/accounts/{alice.id}", headers=bob.headers)
    assert "unread_notifications_count" not in other.json()["pleroma"]


async def test_notification_from_deactivated_sender_is_hidden(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await mention(factory, bob, alice)
    async with db() as session:
        (await session.get(Account, bob.account.id)).is_active = False
        await session.commit()
    assert (await client.get(URL, headers=alice.headers)).json() == []


def _as_javascript_number(ident: int) -> str:
    """What a JavaScript client that parsed the id with parseInt sends back (Pleroma-FE):
    the shortest decimal of the nearest double, as an integer."""
    from decimal import Decimal

    return str(int(Decimal(repr(float(ident)))))


async def test_ids_a_javascript_client_rounded_still_name_their_notification(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    for n in range(3):
        await mention(factory, bob, alice, f"n{n}")
    one, two, three = await stored(db, alice.id)
    rounded = _as_javascript_number(two.id)
    assert rounded != str(two.id) or two.id % 64 == 0
    read = "/api/v1/pleroma/notifications/read"
    response = await client.post(read, headers=alice.headers, data={"id": rounded})
    assert (response.status_code, response.json()["id"]) == (200, str(two.id))
    assert [n.seen for n in await stored(db, alice.id)] == [False, True, False]
    response = await client.post(read, headers=alice.headers, data={"max_id": rounded})
    assert [item["id"] for item in response.json()] == [str(one.id)]
    assert [n.seen for n in await stored(db, alice.id)] == [True, True, False]
    dismissed = await client.post(
        f"{URL}/{_as_javascript_number(three.id)}/dismiss", headers=alice.headers
    )
    assert dismissed.status_code == 200
    assert [n.id for n in await stored(db, alice.id)] == [one.id, two.id]
    # another account's notification is not found by rounding either
    carol = await factory.user("carol")
    refused = await client.post(read, headers=carol.headers, data={"id": rounded})
    assert (refused.status_code, refused.json()) == (400, {"error": "Cannot get notification"})
