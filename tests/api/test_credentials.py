"""GET /api/v1/accounts/verify_credentials and PATCH /api/v1/accounts/update_credentials."""

from __future__ import annotations

import pytest

from pyleroma.models import Account, Follow
from pyleroma.models.relationship import FOLLOW_PENDING

URL = "/api/v1/accounts/update_credentials"


async def reload(db, account_id: int) -> Account:
    async with db() as session:
        return await session.get(Account, account_id)


# --- verify_credentials ------------------------------------------------------------------------


async def test_verify_credentials_is_the_credential_account(client, factory, db):
    user = await factory.user("alice", scopes=["read:accounts"], default_scope="unlisted")
    fan = await factory.account("fan")
    async with db() as session:
        session.add(Follow(follower_id=fan.id, followed_id=user.account.id, state=FOLLOW_PENDING))
        await session.commit()
    response = await client.get("/api/v1/accounts/verify_credentials", headers=user.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.id and body["acct"] == "alice" and body["username"] == "alice"
    assert body["display_name"] == "alice" and body["fqn"] == "alice@pyleroma.test"
    assert body["url"] == "http://pyleroma.test/users/alice"
    assert body["avatar"] == "http://pyleroma.test/images/avi.png"
    assert body["header"] == "http://pyleroma.test/images/banner.png"
    assert body["follow_requests_count"] == 1
    assert body["source"] == {
        "note": "",
        "sensitive": False,
        "fields": [],
        "privacy": "unlisted",
        "language": None,
        "follow_requests_count": 1,
        "pleroma": {
            "discoverable": False,
            "actor_type": "Person",
            "show_role": True,
            "no_rich_text": False,
            "show_birthday": False,
        },
    }
    pleroma = body["pleroma"]
    assert pleroma["settings_store"] == {}
    assert pleroma["notification_settings"] == {
        "block_from_strangers": False,
        "hide_notification_contents": False,
    }
    assert pleroma["is_admin"] is False and pleroma["is_moderator"] is False
    assert pleroma["allow_following_move"] is True and pleroma["email"] == "alice@example.com"
    for key in (
        "hide_followers",
        "hide_follows",
        "hide_followers_count",
        "hide_follows_count",
        "skip_thread_containment",
    ):
        assert pleroma[key] is False
    assert pleroma["hide_favorites"] is True and pleroma["background_image"] is None
    assert body["accepts_direct_messages_from"] == "everybody"


async def test_verify_credentials_needs_a_token_with_read_accounts(client, factory):
    response = await client.get("/api/v1/accounts/verify_credentials")
    assert response.status_code == 401
    user = await factory.user("bob", scopes=["write", "follow"])
    response = await client.get("/api/v1/accounts/verify_credentials", headers=user.headers)
    assert response.status_code == 403
    assert response.json() == {"error": "Insufficient permissions: read:accounts."}
    app_only = await factory.token(None, scopes=["read"])
    response = await client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {app_only}"}
    )
    assert response.status_code == 401


# --- update_credentials: scopes and errors ---------------------------------------------------


async def test_update_credentials_needs_write_accounts(client, factory):
    assert (await client.patch(URL, data={"locked": "true"})).status_code == 401
    reader = await factory.user("reader", scopes=["read"])
    response = await client.patch(URL, data={"locked": "true"}, headers=reader.headers)
    assert response.status_code == 403
    assert response.json() == {"error": "Insufficient permissions: write:accounts."}
    writer = await factory.user("writer", scopes=["write", "follow"])
    response = await client.patch(URL, data={}, headers=writer.headers)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"locked": "maybe"}, "locked: must be a boolean"),
        ({"actor_type": "Application"}, "actor_type: must be one of Person, Service"),
        ({"default_scope": "everyone"}, "default_scope: must be one of"),
        ({"source": {"privacy": "secret"}}, "default_scope: must be one of"),
        ({"source": {"language": "not a language"}}, "source[language]: must be"),
        ({"accepts_direct_messages_from": "cats"}, "accepts_direct_messages_from: must be"),
        ({"also_known_as": ["aReallyCoolGuy"]}, "also_known_as: each alias must be"),
        ({"display_name": "d" * 101}, "display_name: is too long"),
        ({"note": "n" * 5001}, "note: is too long"),
        ({"pleroma_settings_store": ["x"]}, "pleroma_settings_store: must be an object"),
        ({"fields_attributes": ["x"]}, "fields_attributes: each field"),
        ({"fields_attributes": [{"name": "a", "value": "v" * 2049}]}, "fields_attributes: a value"),
        ({"fields_attributes": [{"name": "n" * 513, "value": "v"}]}, "fields_attributes: a name"),
        ({"avatar": "not a file"}, "avatar: must be a file upload"),
    ],
)
async def test_bad_values_are_422_and_nothing_is_written(client, factory, db, body, message):
    user = await factory.user("alice")
    response = await client.patch(
        URL, json={"display_name": "Changed", "locked": True, **body}, headers=user.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"].startswith(message)
    stored = await reload(db, user.account.id)
    assert stored.display_name is None and stored.locked is False


@pytest.mark.parametrize("settings_overrides", [{"max_account_fields": 1}])
async def test_too_many_fields_are_refused(client, factory, db):
    user = await factory.user("alice")
    fields = [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}]
    response = await client.patch(URL, json={"fields_attributes": fields}, headers=user.headers)
    assert response.status_code == 422
    assert response.json() == {"error": "fields_attributes: at most 1 fields are allowed"}
    assert (await reload(db, user.account.id)).fields == []


async def test_malformed_json_is_400(client, factory):
    user = await factory.user("alice")
    response = await client.patch(
        URL, content=b"{oops", headers={**user.headers, "content-type": "application/json"}
    )
    assert response.status_code == 400


# --- update_credentials: what is stored ----------------------------------------------------


async def test_bio_is_formatted_and_the_source_kept(client, factory, db):
    user = await factory.user("alice")
    bob = await factory.account("bob")
    raw = "I drink #cofe with @bob & <friends>\n\nsuya.. https://example.org/x."
    response = await client.patch(URL, data={"note": raw}, headers=user.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    expected = (
        'I drink <a class="hashtag" data-tag="cofe" href="http://pyleroma.test/tag/cofe" '
        'rel="tag ugc">#cofe</a> with <span class="h-card"><a class="u-url mention" '
        f'data-user="{bob.id}" href="http://pyleroma.test/users/bob" rel="ugc">'
        "@<span>bob</span></a></span> &amp; &lt;friends&gt;<br/><br/>suya.. "
        '<a href="https://example.org/x" rel="ugc">https://example.org/x</a>.'
    )
    assert body["note"] == expected
    assert body["source"]["note"] == raw
    stored = await reload(db, user.account.id)
    assert stored.note_html == expected and stored.note_source == raw


async def test_display_name_and_flags(client, factory, db):
    user = await factory.user("alice")
    response = await client.patch(
        URL,
        data={
            "display_name": "Alice ✨",
            "locked": "true",
            "discoverable": "1",
            "hide_followers": "true",
            "hide_follows": "true",
            "hide_followers_count": "true",
            "hide_follows_count": "true",
            "hide_favorites": "false",
            "show_role": "false",
            "no_rich_text": "true",
            "skip_thread_containment": "true",
            "allow_following_move": "false",
            "accepts_direct_messages_from": "people_i_follow",
        },
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["display_name"] == "Alice ✨" and body["locked"] and body["discoverable"]
    assert body["pleroma"]["hide_followers"] and body["pleroma"]["hide_follows_count"]
    assert body["pleroma"]["hide_favorites"] is False
    assert body["pleroma"]["skip_thread_containment"] is True
    assert body["pleroma"]["allow_following_move"] is False
    assert body["source"]["pleroma"]["show_role"] is False
    assert body["source"]["pleroma"]["no_rich_text"] is True
    assert body["accepts_direct_messages_from"] == "people_i_follow"
    stored = await reload(db, user.account.id)
    assert stored.display_name == "Alice ✨" and stored.locked and stored.discoverable
    assert stored.hide_followers and stored.hide_follows and stored.hide_followers_count
    assert stored.hide_follows_count and not stored.hide_favorites and not stored.show_role
    assert stored.no_rich_text and stored.skip_thread_containment
    assert not stored.allow_following_move
    assert stored.accepts_direct_messages_from == "people_i_follow"

    response = await client.patch(URL, json={"display_name": ""}, headers=user.headers)
    assert response.json()["display_name"] == "alice"
    assert (await reload(db, user.account.id)).display_name is None


async def test_bot_and_actor_type(client, factory, db):
    user = await factory.user("alice")
    response = await client.patch(URL, data={"bot": "true"}, headers=user.headers)
    assert response.json()["bot"] is True
    assert response.json()["source"]["pleroma"]["actor_type"] == "Service"
    response = await client.patch(
        URL, data={"bot": "true", "actor_type": "Person"}, headers=user.headers
    )
    assert response.json()["bot"] is False
    assert (await reload(db, user.account.id)).actor_type == "Person"


async def test_posting_defaults_from_source(client, factory, db):
    user = await factory.user("alice")
    response = await client.patch(
        URL,
        data={
            "default_scope": "unlisted",
            "source[privacy]": "private",
            "source[sensitive]": "true",
            "source[language]": "pt-BR",
        },
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    source = response.json()["source"]
    assert source["privacy"] == "private" and source["sensitive"] is True
    assert source["language"] == "pt-BR"
    stored = await reload(db, user.account.id)
    assert stored.default_scope == "private" and stored.default_sensitive
    assert stored.default_language == "pt-BR"
    response = await client.patch(URL, json={"default_scope": "direct"}, headers=user.headers)
    assert response.json()["source"]["privacy"] == "direct"


async def test_fields_from_json_keep_html_links_only(client, factory, db):
    user = await factory.user("alice")
    fields = [
        {"name": '<a href="http://google.com">foo</a>', "value": "<script>bar</script>baz"},
        {"name": "link", "value": "see https://cofe.io"},
        {"name": "", "value": "dropped"},
    ]
    response = await client.patch(URL, json={"fields_attributes": fields}, headers=user.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["fields"] == [
        {"name": '<a href="http://google.com">foo</a>', "value": "baz", "verified_at": None},
        {
            "name": "link",
            "value": 'see <a href="https://cofe.io" rel="ugc">https://cofe.io</a>',
            "verified_at": None,
        },
    ]
    assert body["source"]["fields"] == [
        {"name": '<a href="http://google.com">foo</a>', "value": "<script>bar</script>baz"},
        {"name": "link", "value": "see https://cofe.io"},
    ]
    stored = await reload(db, user.account.id)
    assert [f["source"] for f in stored.fields] == [
        "<script>bar</script>baz",
        "see https://cofe.io",
    ]


async def test_fields_from_a_form_in_index_order_and_cleared_with_an_empty_list(
    client, factory, db
):
    user = await factory.user("alice")
    response = await client.patch(
        URL,
        content=(
            "fields_attributes[1][name]=link&fields_attributes[1][value]=http://cofe.io"
            "&fields_attributes[0][name]=foo&fields_attributes[0][value]=bar"
        ),
        headers={**user.headers, "content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["source"]["fields"] == [
        {"name": "foo", "value": "bar"},
        {"name": "link", "value": "http://cofe.io"},
    ]
    response = await client.patch(URL, json={"fields_attributes": []}, headers=user.headers)
    assert response.json()["fields"] == []
    assert (await reload(db, user.account.id)).fields == []


async def test_settings_store_is_merged_per_frontend(client, factory, db):
    user = await factory.user("alice")
    response = await client.patch(
        URL,
        json={"pleroma_settings_store": {"pleroma_fe": {"theme": "bla", "keep": 1}}},
        headers=user.headers,
    )
    assert response.json()["pleroma"]["settings_store"] == {
        "pleroma_fe": {"theme": "bla", "keep": 1}
    }
    response = await client.patch(
        URL, data={"pleroma_settings_store[masto_fe][theme]": "bla"}, headers=user.headers
    )
    assert response.json()["pleroma"]["settings_store"] == {
        "pleroma_fe": {"theme": "bla", "keep": 1},
        "masto_fe": {"theme": "bla"},
    }
    response = await client.patch(
        URL,
        json={"pleroma_settings_store": {"masto_fe": {"theme": "blub"}}},
        headers=user.headers,
    )
    expected = {"pleroma_fe": {"theme": "bla", "keep": 1}, "masto_fe": {"theme": "blub"}}
    assert response.json()["pleroma"]["settings_store"] == expected
    assert (await reload(db, user.account.id)).settings_store == expected


async def test_also_known_as(client, factory, db):
    user = await factory.user("alice")
    response = await client.patch(
        URL,
        data={"also_known_as[]": ["https://mushroom.kingdom/users/mario"]},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["pleroma"]["also_known_as"] == ["https://mushroom.kingdom/users/mario"]
    stored = await reload(db, user.account.id)
    assert stored.also_known_as == ["https://mushroom.kingdom/users/mario"]
