"""/api/v2/filters (Mastodon 4): filters, nested keywords_attributes, keywords and statuses."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.api.filter_helpers import (
    V2,
    filter_status,
    stored_filter_statuses,
    stored_filters,
    stored_keywords,
    v2_filter,
)

FILTER_KEYS = {"id", "title", "context", "expires_at", "filter_action", "keywords", "statuses"}


async def test_create_with_nested_keywords_json(client, factory, db):
    alice = await factory.user("alice")
    response = await client.post(
        V2,
        json={
            "title": "Politics",
            "context": ["home", "public"],
            "filter_action": "hide",
            "expires_in": 86400,
            "keywords_attributes": [
                {"keyword": "election", "whole_word": False},
                {"keyword": "vote"},
            ],
        },
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert set(data) == FILTER_KEYS
    assert data["title"] == "Politics" and data["context"] == ["home", "public"]
    assert data["filter_action"] == "hide" and data["expires_at"].endswith("Z")
    assert [(k["keyword"], k["whole_word"]) for k in data["keywords"]] == [
        ("election", False),
        ("vote", True),
    ]
    assert data["statuses"] == []
    [stored] = await stored_filters(db, alice.id)
    assert str(stored.id) == data["id"] and stored.action == "hide"
    keywords = await stored_keywords(db, stored.id)
    assert [str(k.id) for k in keywords] == [k["id"] for k in data["keywords"]]


async def test_create_rails_form_with_nested_keywords(client, factory, db):
    alice = await factory.user("alice")
    pairs = [
        ("title", "Form"),
        ("context[]", "thread"),
        ("keywords_attributes[][keyword]", "cat"),
        ("keywords_attributes[][whole_word]", "false"),
        ("keywords_attributes[][keyword]", "dog"),
    ]
    response = await client.post(
        V2,
        content=urlencode(pairs),
        headers={**alice.headers, "content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["filter_action"] == "warn" and data["expires_at"] is None
    assert data["context"] == ["thread"]
    # Rails' rule: a repeated key starts the next keyword
    assert [(k["keyword"], k["whole_word"]) for k in data["keywords"]] == [
        ("cat", False),
        ("dog", True),
    ]
    [stored] = await stored_filters(db, alice.id)
    assert len(await stored_keywords(db, stored.id)) == 2


async def test_create_indexed_form_keywords(client, factory, db):
    alice = await factory.user("alice")
    response = await client.post(
        V2,
        data={
            "title": "Indexed",
            "context[]": "home",
            "keywords_attributes[0][keyword]": "cat",
            "keywords_attributes[0][whole_word]": "false",
            "keywords_attributes[1][keyword]": "dog",
        },
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    assert [(k["keyword"], k["whole_word"]) for k in response.json()["keywords"]] == [
        ("cat", False),
        ("dog", True),
    ]


async def test_index_and_show(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    first = await v2_filter(client, alice, "one", title="first")
    second = await v2_filter(client, alice, title="empty")
    await v2_filter(client, bob, "bob")
    status = await factory.status(bob.account, "a post")
    await filter_status(client, alice, second["id"], status.id)

    data = (await client.get(V2, headers=alice.headers)).json()
    assert [f["id"] for f in data] == [second["id"], first["id"]]
    assert [s["status_id"] for s in data[0]["statuses"]] == [str(status.id)]
    shown = await client.get(f"{V2}/{first['id']}", headers=alice.headers)
    assert shown.status_code == 200 and shown.json() == first


async def test_update_fields_and_keywords_attributes(client, factory, db):
    alice = await factory.user("alice")
    created = await v2_filter(client, alice, "keep", "change", "drop", expires_in=600)
    keep, change, drop = created["keywords"]
    response = await client.put(
        f"{V2}/{created['id']}",
        json={
            "title": "Renamed",
            "context": ["notifications"],
            "filter_action": "hide",
            "expires_in": "",
            "keywords_attributes": [
                {"id": change["id"], "keyword": "changed", "whole_word": False},
                {"id": drop["id"], "_destroy": True},
                {"keyword": "added"},
            ],
        },
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["title"] == "Renamed" and data["context"] == ["notifications"]
    assert data["filter_action"] == "hide" and data["expires_at"] is None
    assert [(k["keyword"], k["whole_word"]) for k in data["keywords"]] == [
        ("keep", True),
        ("changed", False),
        ("added", True),
    ]
    assert data["keywords"][1]["id"] == change["id"]
    [stored] = await stored_filters(db, alice.id)
    assert stored.title == "Renamed" and stored.expires_at is None
    assert [k.keyword for k in await stored_keywords(db, stored.id)] == ["keep", "changed", "added"]

    # absent fields stay
    again = await client.put(f"{V2}/{created['id']}", json={"title": "T"}, headers=alice.headers)
    assert again.json() | {"title": "Renamed"} == data


async def test_update_form_destroy_flag(client, factory, db):
    alice = await factory.user("alice")
    created = await v2_filter(client, alice, "one", "two")
    one = created["keywords"][0]["id"]
    response = await client.put(
        f"{V2}/{created['id']}",
        data={"keywords_attributes[][id]": one, "keywords_attributes[][_destroy]": "1"},
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    assert [k["keyword"] for k in response.json()["keywords"]] == ["two"]


async def test_update_with_another_filters_keyword_is_404_and_changes_nothing(client, factory, db):
    alice = await factory.user("alice")
    mine = await v2_filter(client, alice, "mine", title="mine")
    other = await v2_filter(client, alice, "other", title="other")
    response = await client.put(
        f"{V2}/{mine['id']}",
        json={
            "title": "changed",
            "keywords_attributes": [{"id": other["keywords"][0]["id"], "_destroy": True}],
        },
        headers=alice.headers,
    )
    assert response.status_code == 404
    assert [f.title for f in await stored_filters(db, alice.id)] == ["mine", "other"]
    assert len(await stored_keywords(db, other["id"])) == 1


async def test_delete_removes_keywords_and_statuses(client, factory, db):
    alice = await factory.user("alice")
    created = await v2_filter(client, alice, "one")
    status = await factory.status(alice.account, "post")
    await filter_status(client, alice, created["id"], status.id)
    response = await client.delete(f"{V2}/{created['id']}", headers=alice.headers)
    assert response.status_code == 200 and response.json() == {}
    assert await stored_filters(db, alice.id) == []
    assert await stored_keywords(db, created["id"]) == []
    assert await stored_filter_statuses(db, created["id"]) == []
    assert (await client.get(f"{V2}/{created['id']}", headers=alice.headers)).status_code == 404


async def test_keyword_routes(client, factory, db):
    alice = await factory.user("alice")
    created = await v2_filter(client, alice, "one")
    added = await client.post(
        f"{V2}/{created['id']}/keywords",
        data={"keyword": "two", "whole_word": "false"},
        headers=alice.headers,
    )
    assert added.status_code == 200, added.text
    keyword = added.json()
    assert set(keyword) == {"id", "keyword", "whole_word"}
    assert keyword["keyword"] == "two" and keyword["whole_word"] is False

    listed = await client.get(f"{V2}/{created['id']}/keywords", headers=alice.headers)
    assert [k["keyword"] for k in listed.json()] == ["one", "two"]
    url = f"{V2}/keywords/{keyword['id']}"
    assert (await client.get(url, headers=alice.headers)).json() == keyword
    updated = await client.put(
        url, json={"keyword": "deux", "whole_word": True}, headers=alice.headers
    )
    assert updated.json() == {"id": keyword["id"], "keyword": "deux", "whole_word": True}
    assert [k.keyword for k in await stored_keywords(db, created["id"])] == ["one", "deux"]
    assert (await client.put(url, json={"keyword": ""}, headers=alice.headers)).status_code == 422

    assert (await client.delete(url, headers=alice.headers)).json() == {}
    assert (await client.get(url, headers=alice.headers)).status_code == 404
    assert [k.keyword for k in await stored_keywords(db, created["id"])] == ["one"]
    empty = await client.post(f"{V2}/{created['id']}/keywords", json={}, headers=alice.headers)
    assert empty.status_code == 422


async def test_status_routes(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    created = await v2_filter(client, alice, title="posts")
    post = await factory.status(bob.account, "public post")
    row = await filter_status(client, alice, created["id"], post.id)
    assert set(row) == {"id", "status_id"} and row["status_id"] == str(post.id)
    listed = await client.get(f"{V2}/{created['id']}/statuses", headers=alice.headers)
    assert listed.json() == [row]
    url = f"{V2}/statuses/{row['id']}"
    assert (await client.get(url, headers=alice.headers)).json() == row

    again = await client.post(
        f"{V2}/{created['id']}/statuses", json={"status_id": str(post.id)}, headers=alice.headers
    )
    assert again.status_code == 422
    hidden = await factory.status(bob.account, "followers only", visibility="private")
    for status_id in (str(hidden.id), "12345", "", None):
        refused = await client.post(
            f"{V2}/{created['id']}/statuses", json={"status_id": status_id}, headers=alice.headers
        )
        assert refused.status_code == 422, status_id
    assert len(await stored_filter_statuses(db, created["id"])) == 1

    assert (await client.delete(url, headers=alice.headers)).json() == {}
    assert (await client.get(url, headers=alice.headers)).status_code == 404
    assert await stored_filter_statuses(db, created["id"]) == []


# --- errors -------------------------------------------------------------------------------


async def test_no_token_and_wrong_scope(client, factory):
    alice = await factory.user("alice")
    created = await v2_filter(client, alice, "x")
    keyword_url = f"{V2}/keywords/{created['keywords'][0]['id']}"
    for method, url in (
        ("GET", V2),
        ("POST", V2),
        ("GET", f"{V2}/{created['id']}"),
        ("PUT", f"{V2}/{created['id']}"),
        ("DELETE", f"{V2}/{created['id']}"),
        ("GET", f"{V2}/{created['id']}/keywords"),
        ("GET", keyword_url),
        ("GET", f"{V2}/{created['id']}/statuses"),
    ):
        assert (await client.request(method, url)).status_code == 401, (method, url)
    wrong = {"Authorization": f"Bearer {await factory.token(alice.account, ['read:statuses'])}"}
    assert (await client.get(V2, headers=wrong)).status_code == 403
    reader = {"Authorization": f"Bearer {await factory.token(alice.account, ['read:filters'])}"}
    assert (await client.get(keyword_url, headers=reader)).status_code == 200
    assert (await client.delete(keyword_url, headers=reader)).status_code == 403
    body = {"title": "t", "context": ["home"]}
    assert (await client.post(V2, json=body, headers=reader)).status_code == 403


async def test_another_users_filter_keyword_and_status_are_404(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    bobs = await v2_filter(client, bob, "bob")
    post = await factory.status(bob.account, "post")
    row = await filter_status(client, bob, bobs["id"], post.id)
    keyword_id = bobs["keywords"][0]["id"]
    checks = (
        ("GET", f"{V2}/{bobs['id']}", None),
        ("PUT", f"{V2}/{bobs['id']}", {"title": "mine"}),
        ("DELETE", f"{V2}/{bobs['id']}", None),
        ("GET", f"{V2}/{bobs['id']}/keywords", None),
        ("POST", f"{V2}/{bobs['id']}/keywords", {"keyword": "x"}),
        ("GET", f"{V2}/{bobs['id']}/statuses", None),
        ("POST", f"{V2}/{bobs['id']}/statuses", {"status_id": str(post.id)}),
        ("GET", f"{V2}/keywords/{keyword_id}", None),
        ("PUT", f"{V2}/keywords/{keyword_id}", {"keyword": "x"}),
        ("DELETE", f"{V2}/keywords/{keyword_id}", None),
        ("GET", f"{V2}/statuses/{row['id']}", None),
        ("DELETE", f"{V2}/statuses/{row['id']}", None),
        ("GET", f"{V2}/bogus", None),
        ("GET", f"{V2}/keywords/bogus", None),
    )
    for method, url, body in checks:
        response = await client.request(method, url, json=body, headers=alice.headers)
        assert response.status_code == 404, (method, url)
    [stored] = await stored_filters(db, bob.id)
    assert stored.title == "My filter"
    assert [k.keyword for k in await stored_keywords(db, stored.id)] == ["bob"]
    assert len(await stored_filter_statuses(db, stored.id)) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"context": ["home"]}, "title"),
        ({"title": "", "context": ["home"]}, "title"),
        ({"title": "t"}, "context"),
        ({"title": "t", "context": ["timeline"]}, "context"),
        ({"title": "t", "context": ["home"], "filter_action": "blur"}, "filter_action"),
        ({"title": "t", "context": ["home"], "expires_in": "1h"}, "expires_in"),
        ({"title": "t", "context": ["home"], "expires_in": -1}, "expires_in"),
        ({"title": "t", "context": ["home"], "keywords_attributes": [{"keyword": ""}]}, "keyword"),
        ({"title": "t", "context": ["home"], "keywords_attributes": ["x"]}, "keywords_attributes"),
        (
            {
                "title": "t",
                "context": ["home"],
                "keywords_attributes": [{"keyword": "a", "whole_word": "?"}],
            },
            "whole_word",
        ),
    ],
)
async def test_bad_parameters_are_422_and_store_nothing(client, factory, db, body, message):
    alice = await factory.user("alice")
    response = await client.post(V2, json=body, headers=alice.headers)
    assert response.status_code == 422, response.text
    assert message in response.json()["error"]
    assert await stored_filters(db, alice.id) == []


async def test_bad_update_is_422_and_changes_nothing(client, factory, db):
    alice = await factory.user("alice")
    created = await v2_filter(client, alice, "one", title="Before")
    url = f"{V2}/{created['id']}"
    for body in (
        {"title": "After", "filter_action": "nuke"},
        {"title": "After", "context": []},
        {"title": "After", "keywords_attributes": [{"keyword": "  "}]},
    ):
        response = await client.put(url, json=body, headers=alice.headers)
        assert response.status_code == 422, body
    [stored] = await stored_filters(db, alice.id)
    assert stored.title == "Before" and stored.action == "warn"
    assert [k.keyword for k in await stored_keywords(db, stored.id)] == ["one"]


@pytest.mark.parametrize(
    "settings_overrides", [{"filter_max_keywords": 2, "filter_max_statuses": 1}]
)
async def test_keyword_and_status_limits(client, factory, db):
    alice = await factory.user("alice")
    too_many = await client.post(
        V2,
        json={
            "title": "t",
            "context": ["home"],
            "keywords_attributes": [{"keyword": "a"}, {"keyword": "b"}, {"keyword": "c"}],
        },
        headers=alice.headers,
    )
    assert too_many.status_code == 422 and "2 keywords" in too_many.json()["error"]
    created = await v2_filter(client, alice, "a", "b")
    added = await client.post(
        f"{V2}/{created['id']}/keywords", json={"keyword": "c"}, headers=alice.headers
    )
    assert added.status_code == 422
    # replacing one keyword in the same request stays within the limit
    swap = await client.put(
        f"{V2}/{created['id']}",
        json={
            "keywords_attributes": [
                {"id": created["keywords"][0]["id"], "_destroy": "true"},
                {"keyword": "c"},
            ]
        },
        headers=alice.headers,
    )
    assert swap.status_code == 200, swap.text
    assert [k["keyword"] for k in swap.json()["keywords"]] == ["b", "c"]
    first = await factory.status(alice.account, "first")
    second = await factory.status(alice.account, "second")
    await filter_status(client, alice, created["id"], first.id)
    refused = await client.post(
        f"{V2}/{created['id']}/statuses", json={"status_id": str(second.id)}, headers=alice.headers
    )
    assert refused.status_code == 422 and "1 statuses" in refused.json()["error"]
