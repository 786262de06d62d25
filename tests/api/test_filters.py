"""/api/v1/filters (Pleroma/Mastodon 3 shape) on the shared v2 storage; scopes and errors."""

from __future__ import annotations

import datetime as dt

import pytest

from pyleroma.db.base import utcnow
from tests.api.filter_helpers import (
    V1,
    V2,
    stored_filters,
    stored_keywords,
    v1_filter,
    v2_filter,
)

V1_KEYS = {"id", "phrase", "context", "expires_at", "irreversible", "whole_word"}


def _parse(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")


async def test_create_json_gives_pleroma_shape_and_stores_one_keyword_filter(client, factory, db):
    alice = await factory.user("alice")
    response = await client.post(
        V1, json={"phrase": "knights", "context": ["home", "public"]}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert set(data) == V1_KEYS
    assert data["phrase"] == "knights" and data["context"] == ["home", "public"]
    assert data["irreversible"] is False and data["whole_word"] is True
    assert data["expires_at"] is None
    [stored] = await stored_filters(db, alice.id)
    assert stored.title == "knights" and stored.action == "warn"
    assert stored.context == ["home", "public"] and stored.expires_at is None
    [keyword] = await stored_keywords(db, stored.id)
    # the v1 id is the keyword's id (Mastodon 4's mapping)
    assert data["id"] == str(keyword.id) and keyword.keyword == "knights"


async def test_create_form_encoded_with_irreversible_and_expiry(client, factory, db):
    alice = await factory.user("alice")
    before = utcnow().replace(microsecond=0)
    response = await client.post(
        V1,
        data={
            "phrase": "@twitter.com",
            "context[]": ["notifications", "thread"],
            "irreversible": "true",
            "whole_word": "false",
            "expires_in": "3600",
        },
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["irreversible"] is True and data["whole_word"] is False
    assert data["context"] == ["notifications", "thread"]
    expires = _parse(data["expires_at"])
    assert before + dt.timedelta(seconds=3599) <= expires <= utcnow() + dt.timedelta(seconds=3601)
    [stored] = await stored_filters(db, alice.id)
    assert stored.action == "hide" and stored.expires_at == expires.replace(microsecond=0)


async def test_index_lists_every_keyword_newest_first_including_v2_ones(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    first = await v1_filter(client, alice, "first")
    v2 = await v2_filter(client, alice, "one", ("two", False), title="pair", action="hide")
    last = await v1_filter(client, alice, "last")
    await v1_filter(client, bob, "not alice's")

    response = await client.get(V1, headers=alice.headers)
    assert response.status_code == 200
    data = response.json()
    ids = [item["id"] for item in data]
    v2_ids = [k["id"] for k in v2["keywords"]]
    assert ids == [last["id"], *reversed(v2_ids), first["id"]]
    two = next(item for item in data if item["phrase"] == "two")
    assert two["irreversible"] is True and two["whole_word"] is False
    assert two["context"] == v2["context"]


async def test_index_lists_expired_filters(client, factory, db):
    alice = await factory.user("alice")
    created = await v1_filter(client, alice, "old", expires_in=60)
    async with db() as session:
        [stored] = await stored_filters(db, alice.id)
        stored = await session.merge(stored)
        stored.expires_at = utcnow() - dt.timedelta(minutes=5)
        await session.commit()
    data = (await client.get(V1, headers=alice.headers)).json()
    assert [item["id"] for item in data] == [created["id"]]
    assert _parse(data[0]["expires_at"]) < utcnow()


async def test_show_update_and_delete(client, factory, db):
    alice = await factory.user("alice")
    created = await v1_filter(client, alice, "before", expires_in=600)
    url = f"{V1}/{created['id']}"
    shown = await client.get(url, headers=alice.headers)
    assert shown.status_code == 200 and shown.json() == created

    response = await client.put(
        url,
        json={
            "phrase": "after",
            "context": ["public"],
            "irreversible": True,
            "whole_word": False,
            "expires_in": None,
        },
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["id"] == created["id"] and data["phrase"] == "after"
    assert data["context"] == ["public"] and data["irreversible"] is True
    assert data["whole_word"] is False and data["expires_at"] is None
    [stored] = await stored_filters(db, alice.id)
    assert stored.title == "after" and stored.action == "hide" and stored.expires_at is None
    [keyword] = await stored_keywords(db, stored.id)
    assert keyword.keyword == "after" and keyword.whole_word is False

    # absent fields stay as they are
    partial = await client.put(url, json={"whole_word": True}, headers=alice.headers)
    assert partial.status_code == 200
    assert partial.json() | {"whole_word": False} == data

    deleted = await client.delete(url, headers=alice.headers)
    assert deleted.status_code == 200 and deleted.json() == {}
    assert (await client.get(url, headers=alice.headers)).status_code == 404
    # the filter had nothing else: it is gone too, not left empty in v2 lists
    assert await stored_filters(db, alice.id) == []


async def test_v1_delete_keeps_a_filter_that_has_other_keywords(client, factory, db):
    alice = await factory.user("alice")
    created = await v2_filter(client, alice, "one", "two")
    first = created["keywords"][0]["id"]
    assert (await client.delete(f"{V1}/{first}", headers=alice.headers)).status_code == 200
    [stored] = await stored_filters(db, alice.id)
    assert [k.keyword for k in await stored_keywords(db, stored.id)] == ["two"]


async def test_v1_update_of_multi_keyword_filter_only_changes_the_keyword(client, factory, db):
    alice = await factory.user("alice")
    created = await v2_filter(client, alice, "one", "two", title="Both")
    url = f"{V1}/{created['keywords'][0]['id']}"
    refused = await client.put(url, json={"context": ["public"]}, headers=alice.headers)
    assert refused.status_code == 422 and "v2" in refused.json()["error"]
    refused = await client.put(url, json={"irreversible": True}, headers=alice.headers)
    assert refused.status_code == 422
    # the same values as now are not a change (clients resend the whole object)
    same = await client.put(
        url,
        json={"phrase": "uno", "context": created["context"], "irreversible": False},
        headers=alice.headers,
    )
    assert same.status_code == 200, same.text
    [stored] = await stored_filters(db, alice.id)
    assert stored.title == "Both" and stored.action == "warn"
    assert [k.keyword for k in await stored_keywords(db, stored.id)] == ["uno", "two"]


# --- errors -------------------------------------------------------------------------------


async def test_no_token_is_401(client):
    assert (await client.get(V1)).status_code == 401
    assert (await client.post(V1, json={"phrase": "x", "context": ["home"]})).status_code == 401
    assert (await client.put(f"{V1}/1", json={"phrase": "x"})).status_code == 401
    assert (await client.delete(f"{V1}/1")).status_code == 401


async def test_scopes(client, factory, db):
    alice = await factory.user("alice")
    created = await v1_filter(client, alice, "x")
    statuses_only = {
        "Authorization": f"Bearer {await factory.token(alice.account, ['read:statuses'])}"
    }
    assert (await client.get(V1, headers=statuses_only)).status_code == 403
    read_filters = {
        "Authorization": f"Bearer {await factory.token(alice.account, ['read:filters'])}"
    }
    assert (await client.get(V1, headers=read_filters)).status_code == 200
    assert (await client.get(f"{V1}/{created['id']}", headers=read_filters)).status_code == 200
    body = {"phrase": "y", "context": ["home"]}
    assert (await client.post(V1, json=body, headers=read_filters)).status_code == 403
    assert (await client.delete(f"{V1}/{created['id']}", headers=read_filters)).status_code == 403
    write_filters = {
        "Authorization": f"Bearer {await factory.token(alice.account, ['write:filters'])}"
    }
    assert (await client.post(V1, json=body, headers=write_filters)).status_code == 200
    assert (await client.get(V1, headers=write_filters)).status_code == 403
    # plain read/write cover the filter scopes
    read = {"Authorization": f"Bearer {await factory.token(alice.account, ['read'])}"}
    assert (await client.get(V1, headers=read)).status_code == 200
    assert len(await stored_filters(db, alice.id)) == 2


async def test_another_users_or_unknown_filter_is_404(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    bobs = await v1_filter(client, bob, "bob's")
    for ident in (bobs["id"], "999", "not-an-id"):
        url = f"{V1}/{ident}"
        assert (await client.get(url, headers=alice.headers)).status_code == 404
        put = await client.put(url, json={"phrase": "mine"}, headers=alice.headers)
        assert put.status_code == 404 and put.json() == {"error": "Record not found"}
        assert (await client.delete(url, headers=alice.headers)).status_code == 404
    [stored] = await stored_filters(db, bob.id)
    assert [k.keyword for k in await stored_keywords(db, stored.id)] == ["bob's"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"phrase": "x"}, "context"),
        ({"phrase": "x", "context": []}, "context"),
        ({"phrase": "x", "context": ["home", "everywhere"]}, "context"),
        ({"phrase": "x", "context": "nope"}, "context"),
        ({"context": ["home"]}, "phrase"),
        ({"phrase": "   ", "context": ["home"]}, "phrase"),
        ({"phrase": "x" * 600, "context": ["home"]}, "phrase"),
        ({"phrase": "x", "context": ["home"], "expires_in": "soon"}, "expires_in"),
        ({"phrase": "x", "context": ["home"], "expires_in": -5}, "expires_in"),
        ({"phrase": "x", "context": ["home"], "expires_in": 0}, "expires_in"),
        ({"phrase": "x", "context": ["home"], "expires_in": 1.5}, "expires_in"),
        ({"phrase": "x", "context": ["home"], "expires_in": 10**12}, "expires_in"),
        ({"phrase": "x", "context": ["home"], "irreversible": "maybe"}, "irreversible"),
    ],
)
async def test_bad_parameters_are_422_and_store_nothing(client, factory, db, body, message):
    alice = await factory.user("alice")
    response = await client.post(V1, json=body, headers=alice.headers)
    assert response.status_code == 422, response.text
    assert message in response.json()["error"]
    assert await stored_filters(db, alice.id) == []


async def test_bad_update_changes_nothing(client, factory, db):
    alice = await factory.user("alice")
    created = await v1_filter(client, alice, "keep")
    url = f"{V1}/{created['id']}"
    for body in (
        {"phrase": "new", "context": ["bogus"]},
        {"phrase": "", "context": ["home"]},
        {"phrase": "new", "expires_in": "tomorrow"},
    ):
        assert (await client.put(url, json=body, headers=alice.headers)).status_code == 422
    [stored] = await stored_filters(db, alice.id)
    assert stored.title == "keep" and stored.context == ["home"]


async def test_malformed_json_is_400(client, factory):
    alice = await factory.user("alice")
    response = await client.post(
        V1, content=b"{nope", headers={**alice.headers, "content-type": "application/json"}
    )
    assert response.status_code == 400


async def test_expires_in_empty_means_never(client, factory):
    alice = await factory.user("alice")
    data = await v1_filter(client, alice, "x", expires_in="")
    assert data["expires_at"] is None


@pytest.mark.parametrize("settings_overrides", [{"filters_max_per_account": 2}])
async def test_filter_limit_counts_v1_and_v2(client, factory, db):
    alice = await factory.user("alice")
    await v1_filter(client, alice, "one")
    await v2_filter(client, alice, "two")
    response = await client.post(
        V1, json={"phrase": "three", "context": ["home"]}, headers=alice.headers
    )
    assert response.status_code == 422 and "2 filters" in response.json()["error"]
    v2 = await client.post(V2, json={"title": "t", "context": ["home"]}, headers=alice.headers)
    assert v2.status_code == 422
    assert len(await stored_filters(db, alice.id)) == 2
