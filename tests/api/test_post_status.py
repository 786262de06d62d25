"""POST /api/v1/statuses: text, content types, mentions, visibility, replies, the limits and
the errors (docs/api/posting.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.models import Account, Follow, Hashtag, Job, StatusMention, StatusTag
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from tests.api.posting_helpers import count, notifications, post, status_row


async def test_post_a_status_renders_and_stores_it(client, factory, db, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")

    response = await post(
        client,
        alice,
        status="hi @bob, see #Python at https://example.com/a",
        spoiler_text="cw",
        sensitive="true",
        language="ja",
    )

    assert response.status_code == 200
    data = response.json()
    assert data["account"]["id"] == alice.id
    assert data["visibility"] == "public"
    assert data["spoiler_text"] == "cw"
    assert data["sensitive"] is True
    assert data["language"] == "ja"
    assert data["in_reply_to_id"] is None
    assert [m["acct"] for m in data["mentions"]] == ["bob"]
    assert [t["name"] for t in data["tags"]] == ["python"]
    assert 'class="u-url mention"' in data["content"]
    assert 'class="hashtag"' in data["content"]
    assert '<a href="https://example.com/a" rel="ugc">' in data["content"]
    assert data["application"] == {"name": "Test App", "website": "https://app.example"}
    assert data["pleroma"]["local"] is True
    assert data["pleroma"]["conversation_id"] == int(data["id"])
    assert data["pleroma"]["content"]["text/plain"] == (
        "hi @bob, see #Python at https://example.com/a"
    )

    stored = await status_row(db, data["id"])
    assert stored.source == "hi @bob, see #Python at https://example.com/a"
    assert stored.content == data["content"]
    assert stored.application_id is not None
    assert stored.conversation_id == stored.id
    assert await count(db, StatusMention, StatusMention.status_id == stored.id) == 1
    async with db() as session:
        tag = await session.scalar(
            select(Hashtag.name)
            .join(StatusTag, StatusTag.hashtag_id == Hashtag.id)
            .where(StatusTag.status_id == stored.id)
        )
        author = await session.get(Account, alice.account.id)
        fanout = await session.scalar(select(Job).where(Job.kind == "timeline.fanout"))
    assert tag == "python"
    assert author.statuses_count == 1
    assert author.last_status_at is not None
    assert fanout.args == {"status_id": stored.id}
    assert await notifications(db) == [("mention", bob.account.id, alice.account.id, stored.id)]


async def test_mention_with_our_own_domain_is_a_local_mention(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")

    data = (await post(client, alice, status="hey @bob@pyleroma.test and @nobody")).json()

    assert [m["id"] for m in data["mentions"]] == [bob.id]
    assert "@nobody" in data["content"] and data["content"].count("mention") == 1
    assert [n[1] for n in await notifications(db)] == [bob.account.id]


async def test_form_encoded_post_works_like_json(client, factory):
    alice = await factory.user("alice")

    response = await client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        data={"status": "from a form", "visibility": "unlisted", "sensitive": "1"},
    )

    assert response.status_code == 200
    assert response.json()["visibility"] == "unlisted"
    assert response.json()["sensitive"] is True


async def test_markdown_is_rendered_and_html_is_sanitised(client, factory, db):
    alice = await factory.user("alice")

    markdown = (
        await post(client, alice, status="**bold** and *it* #tag", content_type="text/markdown")
    ).json()
    html = (
        await post(
            client,
            alice,
            status='<b>ok</b><script>alert(1)</script><a href="javascript:x()">x</a>',
            content_type="text/html",
        )
    ).json()

    assert markdown["content"].startswith("<p><strong>bold</strong> and <em>it</em> ")
    assert 'class="hashtag"' in markdown["content"]
    assert [t["name"] for t in markdown["tags"]] == ["tag"]
    assert "<b>ok</b>" in html["content"]
    assert "script" not in html["content"] and "alert" not in html["content"]
    assert "javascript" not in html["content"]
    stored = await status_row(db, html["id"])
    assert stored.content_type == "text/html"
    assert stored.source.startswith("<b>ok</b><script>")


async def test_unknown_content_type_is_422(client, factory, db):
    alice = await factory.user("alice")

    response = await post(client, alice, status="x", content_type="text/bbcode")

    assert response.status_code == 422
    assert "content_type" in response.json()["error"]
    assert await count(db, StatusMention) == 0


@pytest.mark.parametrize("settings_overrides", [{"allowed_post_formats": ["text/plain"]}])
async def test_content_type_must_be_allowed_by_the_instance(client, factory):
    alice = await factory.user("alice")

    response = await post(client, alice, status="*x*", content_type="text/markdown")

    assert response.status_code == 422
    assert response.json()["error"] == ("content_type: text/markdown is not an allowed post format")


@pytest.mark.parametrize("visibility", ["public", "unlisted", "private", "direct", "local"])
async def test_each_visibility_is_stored(client, factory, db, visibility):
    alice = await factory.user("alice")

    data = (await post(client, alice, status="x", visibility=visibility)).json()

    assert data["visibility"] == visibility
    assert (await status_row(db, data["id"])).visibility == visibility


async def test_invalid_visibility_is_422(client, factory):
    alice = await factory.user("alice")

    response = await post(client, alice, status="x", visibility="everyone")

    assert response.status_code == 422
    assert "visibility" in response.json()["error"]


async def test_default_visibility_is_the_accounts_default_scope(client, factory):
    alice = await factory.user("alice", default_scope="unlisted")

    assert (await post(client, alice, status="x")).json()["visibility"] == "unlisted"


async def test_direct_status_is_visible_only_to_those_it_mentions(client, factory, db):
    alice, bob, carol = (
        await factory.user("alice"),
        await factory.user("bob"),
        await factory.user("carol"),
    )

    response = await post(client, alice, status="@bob secret", visibility="direct")

    data = response.json()
    assert data["visibility"] == "direct"
    assert isinstance(data["pleroma"]["direct_conversation_id"], int)
    url = f"/api/v1/statuses/{data['id']}"
    assert (await client.get(url, headers=bob.headers)).status_code == 200
    assert (await client.get(url, headers=carol.headers)).status_code == 404
    assert (await client.get(url)).status_code == 404
    assert [n[1] for n in await notifications(db)] == [bob.account.id]


async def test_reply_addresses_the_parent_author_and_counts(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    parent = await factory.status(alice.account, "root")

    data = (await post(client, bob, status="no mention here", in_reply_to_id=str(parent.id))).json()

    assert data["in_reply_to_id"] == str(parent.id)
    assert data["in_reply_to_account_id"] == alice.id
    assert data["pleroma"]["conversation_id"] == parent.id
    assert data["pleroma"]["in_reply_to_account_acct"] == "alice"
    assert [m["acct"] for m in data["mentions"]] == ["alice"]
    assert (await status_row(db, parent.id)).replies_count == 1
    assert ("mention", alice.account.id, bob.account.id, int(data["id"])) in await notifications(db)


async def test_reply_inherits_the_parents_visibility(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    async with db() as session:
        session.add(
            Follow(follower_id=bob.account.id, followed_id=alice.account.id, state=FOLLOW_ACCEPTED)
        )
        await session.commit()
    private = await factory.status(alice.account, "followers", visibility="private")
    direct = await factory.status(alice.account, "@bob psst", visibility="direct")

    to_private = (
        await post(client, bob, status="@alice ok", in_reply_to_id=str(private.id))
    ).json()
    to_direct = (await post(client, bob, status="sure", in_reply_to_id=str(direct.id))).json()

    assert to_private["visibility"] == "private"
    assert to_direct["visibility"] == "direct"
    # A direct reply to a direct status addresses its author without a mention.
    assert [m["acct"] for m in to_direct["mentions"]] == ["alice"]
    assert to_direct["pleroma"]["conversation_id"] == direct.id


async def test_private_reply_without_mention_does_not_address_the_parent(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    parent = await factory.status(alice.account, "root")

    data = (
        await post(client, bob, status="quiet", visibility="private", in_reply_to_id=str(parent.id))
    ).json()

    assert data["mentions"] == []
    assert await notifications(db) == []
    assert (
        await client.get(f"/api/v1/statuses/{data['id']}", headers=alice.headers)
    ).status_code == 404


async def test_reply_to_a_direct_status_must_be_direct(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    direct = await factory.status(alice.account, "@bob hi", visibility="direct")

    for visibility in ("public", "unlisted", "private"):
        response = await post(
            client, bob, status="@alice hey", in_reply_to_id=str(direct.id), visibility=visibility
        )
        assert response.status_code == 422
        assert response.json() == {"error": "The message visibility must be direct"}
    assert (await status_row(db, direct.id)).replies_count == 0


async def test_reply_to_missing_or_invisible_status_is_404(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    private = await factory.status(alice.account, "followers only", visibility="private")

    for target in (str(private.id), "12345", "not-an-id"):
        response = await post(client, bob, status="reply", in_reply_to_id=target)
        assert response.status_code == 404
        assert response.json() == {"error": "Record not found"}
    assert await count(db, StatusMention) == 0
    async with db() as session:
        assert (await session.get(Account, bob.account.id)).statuses_count == 0


async def test_empty_in_reply_to_id_is_ignored(client, factory):
    alice = await factory.user("alice")

    response = await post(client, alice, status="xD", in_reply_to_id="")

    assert response.status_code == 200
    assert response.json()["in_reply_to_id"] is None


async def test_reply_to_a_reblog_replies_to_the_original(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    original = await factory.status(alice.account, "original")
    reblog = await client.post(f"/api/v1/statuses/{original.id}/reblog", headers=bob.headers)
    assert reblog.status_code == 200

    data = (await post(client, bob, status="reply", in_reply_to_id=reblog.json()["id"])).json()

    assert data["in_reply_to_id"] == str(original.id)


async def test_language_is_checked(client, factory, db):
    alice = await factory.user("alice", default_language="de")

    assert (await post(client, alice, status="x", language="pt-BR")).json()["language"] == "pt-BR"
    assert (await post(client, alice, status="x")).json()["language"] == "de"
    response = await post(client, alice, status="x", language="invalid")
    assert response.status_code == 422
    assert response.json() == {"error": "Invalid language"}


async def test_nsfw_hashtag_marks_sensitive_and_default_sensitive_applies(client, factory):
    alice = await factory.user("alice")
    careful = await factory.user("careful", default_sensitive=True)

    assert (await post(client, alice, status="look #NSFW")).json()["sensitive"] is True
    assert (await post(client, alice, status="plain")).json()["sensitive"] is False
    assert (await post(client, careful, status="plain")).json()["sensitive"] is True
    assert (await post(client, careful, status="x", sensitive=False)).json()["sensitive"] is False


async def test_blank_status_is_422_but_a_content_warning_alone_is_enough(client, factory, db):
    alice = await factory.user("alice")

    for body in ({"status": "   "}, {}, {"status": "", "poll": None}):
        response = await post(client, alice, **body)
        assert response.status_code == 422
        assert response.json() == {"error": "Cannot post an empty status without attachments"}
    assert (await post(client, alice, status="", spoiler_text="cw only")).status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"max_status_chars": 10}])
async def test_character_limit_counts_text_and_content_warning(client, factory, db):
    alice = await factory.user("alice")

    assert (await post(client, alice, status="x" * 10)).status_code == 200
    too_long = await post(client, alice, status="x" * 6, spoiler_text="y" * 5)
    assert too_long.status_code == 422
    assert too_long.json() == {"error": "The status is over the character limit"}
    async with db() as session:
        assert (await session.get(Account, alice.account.id)).statuses_count == 1


async def test_mentioning_someone_who_blocks_you_renders_without_notifying(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    blocked = await client.post(f"/api/v1/accounts/{alice.id}/block", headers=bob.headers)
    assert blocked.status_code == 200

    data = (await post(client, alice, status="@bob hello")).json()

    assert [m["acct"] for m in data["mentions"]] == ["bob"]
    assert await notifications(db) == []


async def test_direct_messages_refused_by_the_recipient_are_not_addressed(client, factory, db):
    alice = await factory.user("alice")
    await factory.user("shy", accepts_direct_messages_from="nobody")
    picky = await factory.user("picky", accepts_direct_messages_from="people_i_follow")
    async with db() as session:
        session.add(
            Follow(
                follower_id=picky.account.id, followed_id=alice.account.id, state=FOLLOW_ACCEPTED
            )
        )
        await session.commit()

    direct = (await post(client, alice, status="@shy @picky hi", visibility="direct")).json()
    public = (await post(client, alice, status="@shy hi")).json()

    assert [m["acct"] for m in direct["mentions"]] == ["picky"]
    assert [m["acct"] for m in public["mentions"]] == ["shy"]


async def test_posting_needs_a_token_with_write_statuses(client, factory, db):
    alice = await factory.user("alice")
    read_only = await factory.token(alice.account, ["read"])
    narrow = await factory.token(alice.account, ["write:statuses"])

    anonymous = await client.post("/api/v1/statuses", json={"status": "x"})
    forbidden = await client.post(
        "/api/v1/statuses", json={"status": "x"}, headers={"Authorization": f"Bearer {read_only}"}
    )
    allowed = await client.post(
        "/api/v1/statuses", json={"status": "x"}, headers={"Authorization": f"Bearer {narrow}"}
    )

    assert anonymous.status_code == 401
    assert forbidden.status_code == 403
    assert "error" in forbidden.json()
    assert allowed.status_code == 200
    async with db() as session:
        assert (await session.get(Account, alice.account.id)).statuses_count == 1


async def test_malformed_json_and_bad_types_are_client_errors(client, factory):
    alice = await factory.user("alice")

    broken = await client.post(
        "/api/v1/statuses",
        content=b"{not json",
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    bad_bool = await post(client, alice, status="x", sensitive="maybe")
    bad_expiry = await post(client, alice, status="x", expires_in="soon")

    assert broken.status_code == 400
    assert bad_bool.status_code == 422
    assert bad_expiry.status_code == 422
