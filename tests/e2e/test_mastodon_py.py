"""Mastodon.py (feature_set="pleroma") drives a live server the way a client app does.

This is the foundation's "done when": create an app, sign up, log in by password and through
the authorization-code form, update the profile with an avatar, follow a locked account and be
authorized, block and mute.
"""

from __future__ import annotations

import io
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from mastodon import Mastodon
from mastodon.errors import MastodonIllegalArgumentError, MastodonUnauthorizedError
from PIL import Image

SCOPES = ["read", "write", "follow"]
PASSWORD = "a long enough password"


class FormParser(HTMLParser):
    """Collects the first form's action and its named inputs, as a browser would submit."""

    def __init__(self):
        super().__init__()
        self.action: str | None = None
        self.fields: list[tuple[str, str]] = []
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs.get("action") or ""
            self._in_form = True
        elif tag == "input" and self._in_form and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((attrs["name"], attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False


def client(server, **kwargs) -> Mastodon:
    return Mastodon(
        api_base_url=server.url, feature_set="pleroma", version_check_mode="none", **kwargs
    )


def sign_up(server, client_id, client_secret, username) -> Mastodon:
    api = client(server, client_id=client_id, client_secret=client_secret)
    token = api.create_account(
        username, PASSWORD, f"{username}@example.com", agreement=True, scopes=SCOPES
    )
    return client(server, client_id=client_id, client_secret=client_secret, access_token=token)


def png_bytes(size=(64, 64), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def authorize_through_form(server, api: Mastodon, username: str, redirect_uri: str) -> str:
    """Open the login page Mastodon.py points at, submit it as a person would, return the code."""
    url = api.auth_request_url(redirect_uris=redirect_uri, scopes=SCOPES, state="xyz")
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        page = browser.get(url)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        form = FormParser()
        form.feed(page.text)
        assert form.action is not None
        names = [k for k, _ in form.fields]
        name_field = next(k for k in names if "name" in k and "client" not in k)
        password_field = next(k for k in names if "password" in k)
        data: dict[str, list[str]] = {name_field: [username], password_field: [PASSWORD]}
        for key, value in form.fields:
            if key not in (name_field, password_field):
                data.setdefault(key, []).append(value)
        answer = browser.post(urljoin(page.url.__str__(), form.action), data=data)
    assert answer.status_code in (302, 303), answer.text
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect_uri
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def test_client_app_full_account_lifecycle(live_server):
    redirect_uri = "http://127.0.0.1:9/callback"
    client_id, client_secret = Mastodon.create_app(
        "e2e client",
        api_base_url=live_server.url,
        scopes=SCOPES,
        redirect_uris=["urn:ietf:wg:oauth:2.0:oob", redirect_uri],
    )

    # Sign up two people; the instance is what the client expects.
    alice = sign_up(live_server, client_id, client_secret, "alice")
    bob = sign_up(live_server, client_id, client_secret, "bob")
    instance = alice.instance()
    assert instance["version"].startswith("2.7.2")
    me = alice.me()
    assert me["username"] == "alice" and me["acct"] == "alice"
    assert me["pleroma"]["is_admin"] is False and "settings_store" in me["pleroma"]

    # Log in by password (nickname, then email) and through the authorization-code form.
    by_password = client(live_server, client_id=client_id, client_secret=client_secret)
    token = by_password.log_in(username="alice", password=PASSWORD, scopes=SCOPES)
    assert client(live_server, access_token=token).me()["id"] == me["id"]
    by_email = client(live_server, client_id=client_id, client_secret=client_secret)
    by_email.log_in(username="alice@example.com", password=PASSWORD, scopes=SCOPES)
    assert by_email.me()["id"] == me["id"]
    with pytest.raises(MastodonIllegalArgumentError, match="Invalid credentials"):
        client(live_server, client_id=client_id, client_secret=client_secret).log_in(
            username="alice", password="wrong password", scopes=SCOPES
        )

    by_code = client(live_server, client_id=client_id, client_secret=client_secret)
    code = authorize_through_form(live_server, by_code, "bob", redirect_uri)
    by_code.log_in(code=code, redirect_uri=redirect_uri, scopes=SCOPES)
    assert by_code.me()["username"] == "bob"

    # Profile update with an avatar: the stored image is served back and decodes.
    updated = alice.account_update_credentials(
        display_name="Alice A.",
        note="hello https://example.com",
        locked=False,
        avatar=png_bytes(),
        avatar_mime_type="image/png",
        fields=[("site", "https://alice.example"), ("pronouns", "she/her")],
    )
    assert updated["display_name"] == "Alice A."
    assert 'href="https://example.com' in updated["note"]
    assert [f["name"] for f in updated["fields"]] == ["site", "pronouns"]
    avatar = httpx.get(updated["avatar"], timeout=10)
    assert avatar.status_code == 200
    assert Image.open(io.BytesIO(avatar.content)).size[0] > 0

    # Bob locks his account; Alice's follow is a request until Bob authorizes it.
    bob.account_update_credentials(locked=True)
    bob_id = bob.me()["id"]
    relationship = alice.account_follow(bob_id)
    assert relationship["requested"] is True and relationship["following"] is False
    requests = bob.follow_requests()
    assert [a["id"] for a in requests] == [me["id"]]
    bob.follow_request_authorize(me["id"])
    assert alice.account_relationships(bob_id)[0]["following"] is True
    assert bob.account(bob_id)["followers_count"] == 1
    assert [a["id"] for a in alice.account_following(me["id"])] == [bob_id]

    # Block and mute.
    carol = sign_up(live_server, client_id, client_secret, "carol")
    carol_id = carol.me()["id"]
    assert alice.account_block(carol_id)["blocking"] is True
    assert [a["id"] for a in alice.blocks()] == [carol_id]
    muted = alice.account_mute(bob_id, notifications=False)
    assert muted["muting"] is True and muted["muting_notifications"] is False
    assert [a["id"] for a in alice.mutes()] == [bob_id]
    alice.account_unblock(carol_id)
    alice.account_unmute(bob_id)
    rel = alice.account_relationships([carol_id, bob_id])
    assert [r["blocking"] for r in rel] == [False, False] and rel[1]["muting"] is False

    # Revoking the session ends it at once.
    alice.revoke_access_token()
    with pytest.raises(MastodonUnauthorizedError):
        alice.me()
