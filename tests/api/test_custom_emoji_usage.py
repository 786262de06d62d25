""":shortcode: resolution: the ``emojis`` of statuses (posting, editing, history, polls,
replies), and of accounts (profile updates and registration), stored at write time."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from pyleroma.models import Account, Status, StatusEdit
from tests.api.emoji_helpers import emoji_dir, install_packs
from tests.api.oauth_helpers import bearer
from tests.conftest import BASE_URL

BLOBCAT = f"{BASE_URL}/emoji/blobs/blobcat.png"
BLOBFOX = f"{BASE_URL}/emoji/blobs/sub/blobfox.gif"
THINKING = f"{BASE_URL}/emoji/plain/thinking.png"
PARTY = f"{BASE_URL}/emoji/txtpack/party.gif"


def entity(code: str, url: str) -> dict:
    return {"shortcode": code, "url": url, "static_url": url, "visible_in_picker": False}


@pytest.fixture(autouse=True)
def packs(app):
    install_packs(app)


async def _status_row(db, status_id) -> Status:
    async with db() as session:
        return await session.get(Status, int(status_id))


async def _account_row(db, account_id) -> Account:
    async with db() as session:
        return await session.get(Account, int(account_id))


async def _post(client, user, **body):
    response = await client.post("/api/v1/statuses", headers=user.headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()


# --- statuses --------------------------------------------------------------------------------


async def test_post_stores_and_renders_the_emoji_it_uses(client, factory, db):
    alice = await factory.user("alice")
    data = await _post(
        client,
        alice,
        status="hi :blobcat: :nope: :blobfox::blobcat: :bad code:",
        spoiler_text="cw :thinking:",
    )
    expected = [entity("blobcat", BLOBCAT), entity("blobfox", BLOBFOX)]
    expected.append(entity("thinking", THINKING))
    assert data["emojis"] == expected
    # Content keeps the :shortcode: text; clients put the images in.
    assert ":blobcat:" in data["content"] and "<img" not in data["content"]
    row = await _status_row(db, data["id"])
    assert row.emojis == {"blobcat": BLOBCAT, "blobfox": BLOBFOX, "thinking": THINKING}
    shown = await client.get(f"/api/v1/statuses/{data['id']}")
    assert shown.status_code == 200 and shown.json()["emojis"] == expected


async def test_a_status_without_known_emoji_has_none(client, factory, db):
    alice = await factory.user("alice")
    data = await _post(client, alice, status="plain :nope: :blob cat: text")
    assert data["emojis"] == []
    assert (await _status_row(db, data["id"])).emojis == {}


async def test_markdown_and_html_sources_are_read_as_typed(client, factory):
    alice = await factory.user("alice")
    md = await _post(client, alice, status="**:party:**", content_type="text/markdown")
    assert md["emojis"] == [entity("party", PARTY)]
    html = await _post(client, alice, status="<b>:blobcat:</b>", content_type="text/html")
    assert html["emojis"] == [entity("blobcat", BLOBCAT)]


async def test_emoji_stay_after_the_pack_is_removed(app, client, factory):
    alice = await factory.user("alice")
    data = await _post(client, alice, status=":blobcat:")
    shutil.rmtree(emoji_dir(app) / "blobs")
    app.state.emoji.reload()
    # plain/blobcat.png, hidden by blobs until now, takes the name for new posts only.
    later = await _post(client, alice, status=":blobcat: :blobfox: again")
    assert later["emojis"] == [entity("blobcat", f"{BASE_URL}/emoji/plain/blobcat.png")]
    shown = await client.get(f"/api/v1/statuses/{data['id']}", headers=alice.headers)
    assert shown.json()["emojis"] == [entity("blobcat", BLOBCAT)]


async def test_poll_options_bring_their_emoji(client, factory, db):
    alice = await factory.user("alice")
    data = await _post(
        client,
        alice,
        status="vote",
        poll={"options": [":party: yes", "no :thinking:"], "expires_in": 3600},
    )
    expected = [entity("party", PARTY), entity("thinking", THINKING)]
    assert data["emojis"] == expected
    # As in Pleroma, the poll shows its status's emoji.
    assert data["poll"]["emojis"] == expected
    poll = await client.get(f"/api/v1/polls/{data['poll']['id']}")
    assert poll.status_code == 200 and poll.json()["emojis"] == expected
    bob = await factory.user("bob")
    voted = await client.post(
        f"/api/v1/polls/{data['poll']['id']}/votes", headers=bob.headers, json={"choices": [0]}
    )
    assert voted.status_code == 200 and voted.json()["emojis"] == expected


async def test_a_reply_keeps_the_parent_emoji_named_in_its_content_warning(
    app, client, factory, db
):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    parent = await _post(client, alice, status="x", spoiler_text=":blobfox: spoilers")
    shutil.rmtree(emoji_dir(app) / "blobs")
    app.state.emoji.reload()
    reply = await _post(
        client,
        bob,
        status="reply :blobcat:",
        spoiler_text=":blobfox: spoilers",
        in_reply_to_id=parent["id"],
    )
    plain_blobcat = f"{BASE_URL}/emoji/plain/blobcat.png"
    assert reply["emojis"] == [entity("blobcat", plain_blobcat), entity("blobfox", BLOBFOX)]
    assert (await _status_row(db, reply["id"])).emojis == {
        "blobcat": plain_blobcat,
        "blobfox": BLOBFOX,
    }


async def test_timelines_render_status_and_account_emoji(client, factory):
    alice = await factory.user("alice")
    await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        json={"display_name": "Alice :thinking:"},
    )
    await _post(client, alice, status="timeline :party:")
    response = await client.get("/api/v1/timelines/public")
    assert response.status_code == 200
    [item] = response.json()
    assert item["emojis"] == [entity("party", PARTY)]
    assert item["account"]["emojis"] == [entity("thinking", THINKING)]


async def test_a_reblog_wrapper_has_no_emoji_of_its_own(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    data = await _post(client, alice, status=":blobcat:")
    response = await client.post(f"/api/v1/statuses/{data['id']}/reblog", headers=bob.headers)
    assert response.status_code == 200, response.text
    assert response.json()["emojis"] == []
    assert response.json()["reblog"]["emojis"] == [entity("blobcat", BLOBCAT)]


# --- edits -----------------------------------------------------------------------------------


async def test_edit_adds_and_removes_emoji_and_history_keeps_each_version(client, factory, db):
    alice = await factory.user("alice")
    data = await _post(client, alice, status="first :blobcat:")
    url = f"/api/v1/statuses/{data['id']}"
    edited = await client.put(
        url, headers=alice.headers, json={"status": "second :party:", "spoiler_text": ":nope:"}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["emojis"] == [entity("party", PARTY)]
    assert (await _status_row(db, data["id"])).emojis == {"party": PARTY}
    async with db() as session:
        [old] = (await session.scalars(select(StatusEdit))).all()
    assert old.emojis == {"blobcat": BLOBCAT}

    again = await client.put(url, headers=alice.headers, json={"status": "third, none"})
    assert again.json()["emojis"] == []
    history = await client.get(f"{url}/history")
    assert history.status_code == 200
    assert [v["emojis"] for v in history.json()] == [
        [entity("blobcat", BLOBCAT)],
        [entity("party", PARTY)],
        [],
    ]


async def test_editing_a_poll_recomputes_its_emoji(client, factory):
    alice = await factory.user("alice")
    data = await _post(
        client, alice, status="q", poll={"options": [":party:", "b"], "expires_in": 3600}
    )
    url = f"/api/v1/statuses/{data['id']}"
    kept = await client.put(url, headers=alice.headers, json={"status": "q :blobcat:"})
    assert [e["shortcode"] for e in kept.json()["emojis"]] == ["blobcat", "party"]
    changed = await client.put(
        url,
        headers=alice.headers,
        json={"poll": {"options": ["a", ":thinking:"], "expires_in": 600}},
    )
    assert changed.status_code == 200, changed.text
    assert [e["shortcode"] for e in changed.json()["emojis"]] == ["blobcat", "thinking"]
    assert changed.json()["poll"]["emojis"] == changed.json()["emojis"]


# --- accounts --------------------------------------------------------------------------------


async def test_profile_emoji_on_verify_credentials_and_account(client, factory, db):
    alice = await factory.user("alice")
    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        json={
            "display_name": ":blobcat: Alice",
            "note": "bio :thinking: :nope:",
            "fields_attributes": [{"name": ":party:", "value": "v :blobfox:"}],
        },
    )
    assert response.status_code == 200, response.text
    expected = [
        entity("blobcat", BLOBCAT),
        entity("blobfox", BLOBFOX),
        entity("party", PARTY),
        entity("thinking", THINKING),
    ]
    assert response.json()["emojis"] == expected
    assert response.json()["display_name"] == ":blobcat: Alice"
    me = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert me.json()["emojis"] == expected
    public = await client.get(f"/api/v1/accounts/{alice.id}")
    assert public.status_code == 200 and public.json()["emojis"] == expected
    stored = await _account_row(db, alice.id)
    assert stored.emojis == {e["shortcode"]: e["url"] for e in expected}

    # Changing one part recomputes the whole map from the profile as it now is.
    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        json={"display_name": "Alice", "fields_attributes": []},
    )
    assert response.json()["emojis"] == [entity("thinking", THINKING)]
    assert (await _account_row(db, alice.id)).emojis == {"thinking": THINKING}


async def test_updates_that_touch_no_text_keep_the_stored_emoji(app, client, factory, db):
    alice = await factory.user("alice")
    await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        json={"display_name": ":blobcat:"},
    )
    shutil.rmtree(emoji_dir(app) / "blobs")
    app.state.emoji.reload()
    response = await client.patch(
        "/api/v1/accounts/update_credentials", headers=alice.headers, json={"locked": True}
    )
    assert response.status_code == 200
    assert response.json()["emojis"] == [entity("blobcat", BLOBCAT)]


async def test_registration_stores_the_profile_emoji(client, factory, db):
    app = await factory.oauth_app(scopes=["read", "write"])
    token = await factory.token(None, scopes=["read", "write"], app=app)
    response = await client.post(
        "/api/v1/accounts",
        headers=bearer(token),
        json={
            "username": "lain",
            "email": "lain@example.org",
            "password": "PlzDontHackLain",
            "agreement": "true",
            "fullname": "Lain :blobcat:",
            "bio": "wired :party:",
        },
    )
    assert response.status_code == 200, response.text
    async with db() as session:
        account = await session.scalar(select(Account).where(Account.nickname == "lain"))
    assert account.emojis == {"blobcat": BLOBCAT, "party": PARTY}
    me = await client.get(
        "/api/v1/accounts/verify_credentials", headers=bearer(response.json()["access_token"])
    )
    assert me.json()["emojis"] == [entity("blobcat", BLOBCAT), entity("party", PARTY)]


async def test_update_credentials_errors_are_unchanged(client, factory, db):
    alice = await factory.user("alice")
    url = "/api/v1/accounts/update_credentials"
    assert (await client.patch(url, json={"display_name": ":blobcat:"})).status_code == 401
    reader = await factory.user("reader", scopes=["read"])
    denied = await client.patch(url, headers=reader.headers, json={"display_name": ":blobcat:"})
    assert denied.status_code == 403
    too_long = await client.patch(url, headers=alice.headers, json={"display_name": ":a:" * 100})
    assert too_long.status_code == 422
    assert (await _account_row(db, alice.id)).emojis == {}
    assert (await _account_row(db, reader.id)).emojis == {}
