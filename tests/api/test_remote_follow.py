"""Remote interaction on one server: the subscribe link in WebFinger, ``/ostatus_subscribe``
(login form, Follow button with its CSRF token), ``/main/ostatus`` and
``/api/v1/pleroma/remote_interaction`` for visitors of this instance. Two servers:
tests/federation/test_two_servers_remote_interaction.py."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select

from pyleroma.models import Follow
from tests.api.oauth_helpers import LoginForm, code_from, login_through_form, register_app
from tests.api.relationship_helpers import set_fields
from tests.factories import DEFAULT_PASSWORD

OURS = {"Origin": "http://pyleroma.test"}
PREFIXES = ("/api/v1/pleroma", "/api/pleroma")


async def _follow_row(db, follower, followed) -> Follow | None:
    async with db() as session:
        return await session.scalar(
            select(Follow).where(
                Follow.follower_id == follower.account.id, Follow.followed_id == followed.account.id
            )
        )


def _strict(response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in response.headers["content-security-policy"]


def _data(form: LoginForm, **values) -> dict:
    data = dict(form.fields)
    data.update(values)
    return data


async def test_webfinger_publishes_the_remote_follow_template(client, factory):
    await factory.user("bob")
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:bob@pyleroma.test"}
    )
    links = response.json()["links"]
    assert {
        "rel": "http://ostatus.org/schema/1.0/subscribe",
        "template": "http://pyleroma.test/ostatus_subscribe?acct={uri}",
    } in links


@pytest.mark.parametrize("acct", ["bob@pyleroma.test", "http://pyleroma.test/users/bob", "bob"])
async def test_anonymous_visitor_logs_in_and_follows(client, factory, db, acct):
    alice = await factory.user("alice")
    bob = await factory.user("bob", display_name="Bob <script>alert(1)</script>")
    page = await client.get("/ostatus_subscribe", params={"acct": acct})
    assert page.status_code == 200
    _strict(page)
    assert "Bob &lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>" not in page.text
    form = LoginForm(page.text)
    assert (form.action, form.method) == ("/ostatus_subscribe", "post")
    assert form.value("authorization[id]") == bob.id

    wrong = await client.post(
        form.action,
        data=_data(form, **{"authorization[name]": "alice", "authorization[password]": "nope"}),
    )
    assert wrong.status_code == 401
    assert "Wrong username or password" in wrong.text
    assert await _follow_row(db, alice, bob) is None

    done = await client.post(
        form.action,
        data=_data(
            form, **{"authorization[name]": "alice", "authorization[password]": DEFAULT_PASSWORD}
        ),
    )
    assert done.status_code == 200, done.text
    _strict(done)
    assert "You are now following <strong>@bob@pyleroma.test</strong>" in done.text
    assert (await _follow_row(db, alice, bob)).state == "accepted"
    assert "_pleroma_key" not in done.cookies  # following logs nobody in


async def test_logged_in_visitor_follows_with_the_button_and_its_token(client, factory, db):
    bob = await factory.user("bob")
    app = await register_app(client)
    alice = await factory.user("alice")
    code_from(await login_through_form(client, app, "alice"))
    page = await client.get("/ostatus_subscribe", params={"acct": "bob@pyleroma.test"})
    assert page.status_code == 200
    assert "You are logged in as <strong>@alice</strong>" in page.text
    form = LoginForm(page.text)
    assert form.value("user[id]") == bob.id
    token = form.value("_csrf_token")
    assert token

    # Without the page's token, or from another site: refused, nothing followed.
    no_token = await client.post(form.action, data={"user[id]": bob.id}, headers=OURS)
    assert no_token.status_code == 403
    elsewhere = await client.post(
        form.action, data=dict(form.fields), headers={"Origin": "https://evil.example"}
    )
    assert elsewhere.status_code == 403
    assert await _follow_row(db, alice, bob) is None

    done = await client.post(form.action, data=dict(form.fields), headers=OURS)
    assert done.status_code == 200, done.text
    assert (await _follow_row(db, alice, bob)) is not None

    # No session at all: the button alone does nothing.
    client.cookies.clear()
    anonymous = await client.post(form.action, data={"user[id]": bob.id})
    assert anonymous.status_code == 403


async def test_remote_follow_refusals(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await set_fields(db, alice.id, totp_confirmed=True, totp_secret="JBSWY3DPEHPK3PXP")
    login = {"authorization[name]": "alice", "authorization[password]": DEFAULT_PASSWORD}
    mfa = await client.post("/ostatus_subscribe", data={"authorization[id]": bob.id, **login})
    assert mfa.status_code == 403
    assert "two-factor authentication" in mfa.text
    assert await _follow_row(db, alice, bob) is None

    gone = await client.post("/ostatus_subscribe", data={"authorization[id]": "123", **login})
    assert gone.status_code == 404
    assert "Couldn&#x27;t find user" in gone.text

    unknown = await client.get("/ostatus_subscribe", params={"acct": "nobody@pyleroma.test"})
    assert unknown.status_code == 404
    _strict(unknown)
    missing = await client.get("/ostatus_subscribe")
    assert missing.status_code == 422
    assert "acct: is required" in missing.text


async def test_following_across_a_block_shows_why(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    blocked = await client.post(f"/api/v1/accounts/{alice.id}/block", headers=bob.headers)
    assert blocked.status_code == 200
    login = {"authorization[name]": "alice", "authorization[password]": DEFAULT_PASSWORD}
    refused = await client.post("/ostatus_subscribe", data={"authorization[id]": bob.id, **login})
    assert refused.status_code == 403
    assert "blocked you" in refused.text
    assert await _follow_row(db, alice, bob) is None


async def test_a_post_acct_shows_the_post(client, factory):
    bob = await factory.user("bob")
    posted = await client.post(
        "/api/v1/statuses", headers=bob.headers, data={"status": "hello <b>world</b> & all"}
    )
    status = posted.json()
    page = await client.get("/ostatus_subscribe", params={"acct": status["uri"]})
    assert page.status_code == 200, page.text
    assert "hello &lt;b&gt;world&lt;/b&gt; &amp; all" in page.text
    assert f'href="http://pyleroma.test/notice/{status["id"]}"' in page.text

    hidden = await client.post(
        "/api/v1/statuses", headers=bob.headers, data={"status": "secret", "visibility": "private"}
    )
    refused = await client.get("/ostatus_subscribe", params={"acct": hidden.json()["uri"]})
    assert refused.status_code == 404


# --- /main/ostatus and remote_interaction, answered by this instance ----------------------------


async def test_main_ostatus_asks_the_visitor_and_sends_them_to_their_template(client, factory):
    bob = await factory.user("bob")
    for params in ({"nickname": "bob"}, {"id": bob.id}):
        page = await client.get("/main/ostatus", params=params)
        assert page.status_code == 200
        _strict(page)
        form = LoginForm(page.text)
        assert (form.action, form.value("user[nickname]")) == ("/main/ostatus", "bob")
    unknown = await client.get("/main/ostatus", params={"nickname": "nobody"})
    assert unknown.status_code == 404

    form = LoginForm((await client.get("/main/ostatus", params={"nickname": "bob"})).text)
    sent = await client.post(
        "/main/ostatus", data=_data(form, **{"user[profile]": "@alice@pyleroma.test"})
    )
    assert sent.status_code == 302
    expected = "http://pyleroma.test/ostatus_subscribe?acct=" + quote(
        "http://pyleroma.test/users/bob", safe=""
    )
    assert sent.headers["location"] == expected

    bad = await client.post("/main/ostatus", data=_data(form, **{"user[profile]": "<x>"}))
    assert bad.status_code == 422
    assert "profile: must be your address" in bad.text
    assert "<x>" not in bad.text


async def test_main_ostatus_for_a_post(client, factory):
    bob = await factory.user("bob")
    status = (
        await client.post("/api/v1/statuses", headers=bob.headers, data={"status": "hi"})
    ).json()
    page = await client.get("/main/ostatus", params={"status_id": status["id"]})
    form = LoginForm(page.text)
    assert form.value("status[status_id]") == status["id"]
    sent = await client.post(
        "/main/ostatus", data=_data(form, **{"status[profile]": "carol@pyleroma.test"})
    )
    assert sent.status_code == 302
    assert sent.headers["location"].endswith(quote(status["uri"], safe=""))
    assert (await client.get("/main/ostatus", params={"status_id": "1"})).status_code == 404


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_remote_interaction_api(client, factory, prefix):
    await factory.user("bob")
    url = f"{prefix}/remote_interaction"
    ap_id = "http://pyleroma.test/users/bob"
    answer = await client.post(url, json={"ap_id": ap_id, "profile": "alice@pyleroma.test"})
    assert answer.status_code == 200
    assert answer.json() == {
        "url": "http://pyleroma.test/ostatus_subscribe?acct=" + quote(ap_id, safe="")
    }
    bad_profile = await client.post(url, data={"ap_id": ap_id, "profile": "not a handle"})
    assert bad_profile.status_code == 422
    assert bad_profile.json()["error"].startswith("profile:")
    bad_id = await client.post(url, data={"ap_id": "javascript:alert(1)", "profile": "a@b.example"})
    assert bad_id.status_code == 422
    assert bad_id.json()["error"].startswith("ap_id:")
    missing = await client.post(url, data={})
    assert missing.status_code == 422
    # Nothing listens there: "Couldn't find user".
    unreachable = await client.post(url, data={"ap_id": ap_id, "profile": "x@127.0.0.1:9"})
    assert (unreachable.status_code, unreachable.json()) == (404, {"error": "Couldn't find user"})
