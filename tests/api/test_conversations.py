"""Direct conversations: Mastodon's list/read/delete and Pleroma's show/statuses/patch/read."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from pyleroma.models import Block, ConversationParticipation
from tests.api.relationship_helpers import ids, next_link, prev_link
from tests.api.timeline_helpers import sid, users

CONVS = "/api/v1/conversations"
PLEROMA = "/api/v1/pleroma/conversations"


async def _participation(db, account, status) -> ConversationParticipation | None:
    """The account's participation in the conversation of ``status``'s thread."""
    from pyleroma.models import Conversation

    async with db() as session:
        return await session.scalar(
            select(ConversationParticipation)
            .join(Conversation, Conversation.id == ConversationParticipation.conversation_id)
            .where(
                Conversation.thread_id == status.conversation_id,
                ConversationParticipation.account_id == account.id,
            )
        )


async def _dm(factory, author, text, **draft):
    return await factory.status(author.account, text, visibility="direct", **draft)


async def test_list_read_and_delete(client, factory, db):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    first = await _dm(factory, alice, "@bob hi")
    reply = await _dm(factory, bob, "@alice hello back", in_reply_to_id=first.id)
    await factory.status(alice.account, "public post")

    listed = await client.get(CONVS, headers=bob.headers)
    assert listed.status_code == 200, listed.text
    [conv] = listed.json()
    bob_part = await _participation(db, bob.account, first)
    assert conv["id"] == str(bob_part.id)
    assert conv["unread"] is False  # bob wrote the last post
    assert [a["id"] for a in conv["accounts"]] == [str(alice.account.id)]
    assert conv["last_status"]["id"] == sid(reply)
    assert conv["last_status"]["pleroma"]["direct_conversation_id"] == bob_part.id
    assert sorted(a["id"] for a in conv["pleroma"]["recipients"]) == sorted(
        [str(alice.account.id), str(bob.account.id)]
    )

    [alice_conv] = (await client.get(CONVS, headers=alice.headers)).json()
    assert alice_conv["unread"] is True
    assert [a["acct"] for a in alice_conv["accounts"]] == ["bob"]

    # A third user sees nothing and cannot touch it.
    assert (await client.get(CONVS, headers=carol.headers)).json() == []
    for method, url in [
        ("POST", f"{CONVS}/{alice_conv['id']}/read"),
        ("DELETE", f"{CONVS}/{alice_conv['id']}"),
        ("GET", f"{PLEROMA}/{alice_conv['id']}"),
        ("GET", f"{PLEROMA}/{alice_conv['id']}/statuses"),
        ("PATCH", f"{PLEROMA}/{alice_conv['id']}"),
    ]:
        response = await client.request(method, url, headers=carol.headers, json={"recipients": []})
        assert response.status_code == 404, (method, url, response.text)
        assert response.json() == {"error": "Unknown conversation id"}

    read = await client.post(f"{CONVS}/{alice_conv['id']}/read", headers=alice.headers)
    assert read.status_code == 200
    assert read.json()["unread"] is False
    assert (await _participation(db, alice.account, first)).read is True

    deleted = await client.delete(f"{CONVS}/{alice_conv['id']}", headers=alice.headers)
    assert deleted.status_code == 200 and deleted.json() == {}
    assert await _participation(db, alice.account, first) is None
    assert (await client.get(CONVS, headers=alice.headers)).json() == []
    assert len((await client.get(CONVS, headers=bob.headers)).json()) == 1
    gone = await client.post(f"{CONVS}/{alice_conv['id']}/read", headers=alice.headers)
    assert gone.status_code == 404

    # A new post in the thread brings the conversation back, unread.
    await _dm(factory, bob, "@alice still there?", in_reply_to_id=reply.id)
    [back] = (await client.get(CONVS, headers=alice.headers)).json()
    assert back["unread"] is True


async def test_order_pagination_and_recipients_filter(client, factory):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    with_bob = await _dm(factory, alice, "@bob one")
    with_carol = await _dm(factory, alice, "@carol two")
    with_both = await _dm(factory, alice, "@bob @carol three")

    listed = await client.get(CONVS, headers=alice.headers)
    order = [c["last_status"]["id"] for c in listed.json()]
    assert order == [sid(with_both), sid(with_carol), sid(with_bob)]
    conv_ids = ids(listed)

    # Bumping the oldest conversation moves it first; pages still cover everything once.
    await _dm(factory, alice, "@bob bump", in_reply_to_id=with_bob.id)
    listed = await client.get(CONVS, headers=alice.headers)
    assert ids(listed) == [conv_ids[2], conv_ids[0], conv_ids[1]]

    page1 = await client.get(CONVS, headers=alice.headers, params={"limit": 2})
    assert ids(page1) == [conv_ids[2], conv_ids[0]]
    link = next_link(page1)
    assert parse_qs(urlsplit(link).query)["max_id"] == [conv_ids[0]]
    assert parse_qs(urlsplit(link).query)["limit"] == ["2"]
    page2 = await client.get(link, headers=alice.headers)
    assert ids(page2) == [conv_ids[1]]
    back = await client.get(prev_link(page2), headers=alice.headers)
    assert ids(back) == [conv_ids[2], conv_ids[0]]
    since = await client.get(CONVS, headers=alice.headers, params={"since_id": conv_ids[0]})
    assert ids(since) == [conv_ids[2]]

    only_bob = await client.get(
        CONVS, headers=alice.headers, params={"recipients[]": str(bob.account.id)}
    )
    assert ids(only_bob) == [conv_ids[2]]
    both = await client.get(
        f"{CONVS}?recipients[]={bob.account.id}&recipients[]={carol.account.id}",
        headers=alice.headers,
    )
    assert ids(both) == [conv_ids[0]]
    bad = await client.get(CONVS, headers=alice.headers, params={"recipients[]": "nope"})
    assert bad.status_code == 422
    bad_page = await client.get(CONVS, headers=alice.headers, params={"max_id": "x"})
    assert bad_page.status_code == 422


async def test_last_status_hidden_when_invisible(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    await _dm(factory, alice, "@bob psst")
    async with db() as session:
        session.add(Block(id=1, account_id=alice.account.id, target_id=bob.account.id))
        await session.commit()
    [conv] = (await client.get(CONVS, headers=bob.headers)).json()
    assert conv["last_status"] is None
    assert [a["acct"] for a in conv["accounts"]] == ["alice"]


async def test_pleroma_show_statuses_and_read_all(client, factory, db):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    first = await _dm(factory, alice, "@bob hi")
    reply = await _dm(factory, bob, "@alice yo", in_reply_to_id=first.id)
    third = await _dm(factory, alice, "@bob @carol more", in_reply_to_id=reply.id)
    other = await _dm(factory, carol, "@bob elsewhere")

    bob_part = await _participation(db, bob.account, first)
    for prefix in (PLEROMA, "/api/pleroma/conversations"):
        shown = await client.get(f"{prefix}/{bob_part.id}", headers=bob.headers)
        assert shown.status_code == 200, shown.text
        assert shown.json()["id"] == str(bob_part.id)
        assert shown.json()["last_status"]["id"] == sid(third)

    statuses = await client.get(f"{PLEROMA}/{bob_part.id}/statuses", headers=bob.headers)
    assert ids(statuses) == [sid(third), sid(reply), sid(first)]
    assert sid(other) not in ids(statuses)
    page = await client.get(
        f"{PLEROMA}/{bob_part.id}/statuses", headers=bob.headers, params={"limit": 2}
    )
    assert ids(page) == [sid(third), sid(reply)]
    rest = await client.get(next_link(page), headers=bob.headers)
    assert ids(rest) == [sid(first)]

    # Carol joined late: she only sees the post addressed to her.
    carol_part = await _participation(db, carol.account, first)
    carol_statuses = await client.get(f"{PLEROMA}/{carol_part.id}/statuses", headers=carol.headers)
    assert ids(carol_statuses) == [sid(third)]

    unread = (await client.get(CONVS, headers=bob.headers)).json()
    assert sorted(c["unread"] for c in unread) == [True, True]
    read_all = await client.post(f"{PLEROMA}/read", headers=bob.headers)
    assert read_all.status_code == 200
    assert sorted(ids(read_all)) == sorted(c["id"] for c in unread)
    assert all(c["unread"] is False for c in read_all.json())
    assert all(c["unread"] is False for c in (await client.get(CONVS, headers=bob.headers)).json())
    again = await client.post("/api/pleroma/conversations/read", headers=bob.headers)
    assert again.json() == []
    # Other participants' read flags are untouched.
    assert (await _participation(db, carol.account, first)).read is False


async def test_pleroma_patch_recipients(client, factory, db):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    first = await _dm(factory, alice, "@bob hi")
    part = await _participation(db, alice.account, first)
    url = f"{PLEROMA}/{part.id}"

    patched = await client.patch(
        url,
        headers=alice.headers,
        json={"recipients": [str(carol.account.id), "999999999999"]},
    )
    assert patched.status_code == 200, patched.text
    recipients = {a["acct"] for a in patched.json()["pleroma"]["recipients"]}
    assert recipients == {"alice", "carol"}  # owner kept, unknown id dropped
    assert [a["acct"] for a in patched.json()["accounts"]] == ["carol"]
    stored = await _participation(db, alice.account, first)
    assert sorted(stored.recipient_ids) == sorted([alice.account.id, carol.account.id])

    form = await client.patch(
        url, headers=alice.headers, data={"recipients[]": [str(bob.account.id)]}
    )
    assert {a["acct"] for a in form.json()["pleroma"]["recipients"]} == {"alice", "bob"}

    only_me = await client.patch(url, headers=alice.headers, json={"recipients": []})
    assert [a["acct"] for a in only_me.json()["accounts"]] == ["alice"]

    missing = await client.patch(url, headers=alice.headers, json={})
    assert missing.status_code == 422
    malformed = await client.patch(url, headers=alice.headers, json={"recipients": ["bob!"]})
    assert malformed.status_code == 422
    assert (await _participation(db, alice.account, first)).recipient_ids == [alice.account.id]
    unknown = await client.patch(f"{PLEROMA}/12345", headers=alice.headers, json={})
    assert unknown.status_code == 404
    not_an_id = await client.get(f"{PLEROMA}/abc", headers=alice.headers)
    assert not_an_id.status_code == 404


async def test_auth_and_scopes(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    first = await _dm(factory, alice, "@bob hi")
    part = await _participation(db, alice.account, first)
    reader = await factory.token(alice.account, ["read:statuses"])
    writer = await factory.token(alice.account, ["write:conversations"])
    reading = [
        ("GET", CONVS),
        ("GET", f"{PLEROMA}/{part.id}"),
        ("GET", f"{PLEROMA}/{part.id}/statuses"),
    ]
    writing = [
        ("POST", f"{CONVS}/{part.id}/read"),
        ("PATCH", f"{PLEROMA}/{part.id}"),
        ("POST", f"{PLEROMA}/read"),
        ("DELETE", f"{CONVS}/{part.id}"),
    ]
    for method, url in reading + writing:
        anonymous = await client.request(method, url)
        assert anonymous.status_code == 401, (method, url)
    for method, url in reading:
        response = await client.request(method, url, headers={"Authorization": f"Bearer {writer}"})
        assert response.status_code == 403, (method, url)
        ok = await client.request(method, url, headers={"Authorization": f"Bearer {reader}"})
        assert ok.status_code == 200, (method, url, ok.text)
    for method, url in writing:
        response = await client.request(
            method, url, headers={"Authorization": f"Bearer {reader}"}, json={"recipients": []}
        )
        assert response.status_code == 403, (method, url)
    assert (await _participation(db, alice.account, first)) is not None
    for method, url in writing:
        ok = await client.request(
            method, url, headers={"Authorization": f"Bearer {writer}"}, json={"recipients": []}
        )
        assert ok.status_code == 200, (method, url, ok.text)
    assert (await _participation(db, alice.account, first)) is None


async def test_unread_conversation_count_on_the_credential_account(client, factory):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await factory.status(alice.account, "@bob secret", visibility="direct")
    me = (await client.get("/api/v1/accounts/verify_credentials", headers=bob.headers)).json()
    assert me["pleroma"]["unread_conversation_count"] == 1
    conversations = (await client.get("/api/v1/conversations", headers=bob.headers)).json()
    read = await client.post(
        f"/api/v1/conversations/{conversations[0]['id']}/read", headers=bob.headers
    )
    assert read.status_code == 200
    me = (await client.get("/api/v1/accounts/verify_credentials", headers=bob.headers)).json()
    assert me["pleroma"]["unread_conversation_count"] == 0
