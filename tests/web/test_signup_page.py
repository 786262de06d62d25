"""The server-rendered sign-up page (api/web_signup.py): GET and POST /registration and
/registration/:token in every registration mode, with the captcha, the confirmation mail
(read at the test SMTP server), the CSRF guard, the rate limit, escaping, and the front end
taking the page over when one is installed. Each test checks what got stored."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from pyleroma.models import Account, InviteToken, OAuthApp, OAuthToken
from pyleroma.services.accounts import captcha
from pyleroma.services.accounts.invites import create_invite
from pyleroma.services.oauth.internal_apps import REGISTRATION_CLIENT_ID
from pyleroma.services.oauth.secrets import digest, verify_password
from tests.api.mail_helpers import delivered, link_in, mail_on
from tests.conftest import BASE_URL
from tests.mail_server import text_of
from tests.web.test_frontend_serving import BUNDLE, INDEX, install

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SAME_ORIGIN = {"Origin": BASE_URL, "Sec-Fetch-Site": "same-origin"}
PASSWORD = "PlzDontHackLain"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
FIELDS = {
    "username": "lain",
    "display_name": "Lain Iwakura",
    "email": "lain@example.org",
    "password": PASSWORD,
    "password_confirmation": PASSWORD,
    "agreement": "true",
}


def hidden_fields(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in HIDDEN.findall(page)}


async def open_form(client, path: str = "/registration"):
    """GET the form as a browser; its hidden fields (CSRF token, captcha, invite)."""
    response = await client.get(path, headers=HTML)
    assert response.status_code == 200, response.text
    return response, hidden_fields(response.text)


async def sign_up(client, path: str = "/registration", **values):
    """Fill the form this client was shown and send it from our origin."""
    _, hidden = await open_form(client, path)
    return await client.post(path, data={**hidden, **FIELDS, **values}, headers=SAME_ORIGIN)


async def stored(db, nickname: str) -> Account | None:
    async with db() as session:
        return (
            await session.execute(select(Account).where(Account.nickname_key == nickname.lower()))
        ).scalar_one_or_none()


async def test_the_form_has_labelled_fields_and_sets_its_cookie(client):
    response, hidden = await open_form(client)
    page = response.text

    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert '<form method="post" action="/registration">' in page
    for ident, autocomplete in (
        ("signup_username", "username"),
        ("signup_email", "email"),
        ("signup_password", "new-password"),
        ("signup_password_confirmation", "new-password"),
    ):
        assert f'<label for="{ident}">' in page
        assert re.search(rf'id="{ident}"[^>]*autocomplete="{autocomplete}"', page), ident
    for ident in ("signup_display_name", "signup_agreement"):
        assert f'<label for="{ident}">' in page and f'id="{ident}"' in page
    assert 'href="/static/terms-of-service.html"' in page
    assert 'name="reason"' not in page and 'name="captcha_solution"' not in page
    assert 'name="token"' not in page
    assert re.search(r'id="signup_email"[^>]*>', page).group(0).count("required") == 0
    assert set(hidden) == {"_csrf_token"} and len(hidden["_csrf_token"]) == 64
    assert client.cookies.get("_pleroma_signup", path="/registration")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/registration" in cookie


async def test_open_mode_signs_up_and_logs_the_browser_in(client, db):
    response = await sign_up(client)

    assert response.status_code == 200, response.text
    assert "Welcome, @lain!" in response.text and "@lain@pyleroma.test" in response.text
    assert 'href="http://pyleroma.test/"' in response.text
    account = await stored(db, "lain")
    assert account.local and account.is_confirmed and account.is_approved
    assert account.display_name == "Lain Iwakura" and account.email == "lain@example.org"
    assert verify_password(account.password_hash, PASSWORD)
    assert account.registration_reason is None and account.invite_id is None

    # the browser session: a token of the server's own, untrusted, app
    session_cookie = client.cookies.get("_pleroma_key")
    assert session_cookie
    async with db() as session:
        token = (
            await session.execute(
                select(OAuthToken).where(OAuthToken.token_digest == digest(session_cookie))
            )
        ).scalar_one()
        app = await session.get(OAuthApp, token.app_id)
    assert token.account_id == account.id
    assert token.scopes == ["read", "write", "follow", "push"]
    assert app.client_id == REGISTRATION_CLIENT_ID and not app.trusted
    assert app.redirect_uri_list == []
    me = await client.get("/api/v1/accounts/verify_credentials")
    assert me.status_code == 200 and me.json()["username"] == "lain"

    # a second sign-up uses the same app
    other = await sign_up(client, username="lain2", email="lain2@example.org")
    assert other.status_code == 200, other.text
    async with db() as session:
        apps = (await session.scalars(select(OAuthApp))).all()
    assert [a.client_id for a in apps] == [REGISTRATION_CLIENT_ID]


async def test_errors_show_the_form_again_with_what_was_typed(client, db, factory):
    await factory.account("taken", email="taken@example.org")
    cases = [
        ({"username": "taken", "email": "new@example.org"}, 422, "Username has already been"),
        ({"email": "taken@example.org"}, 422, "Email has already been taken"),
        ({"email": "not-an-email"}, 422, "Email has invalid format"),
        ({"username": "bad name!"}, 422, "Username has invalid format"),
        ({"password_confirmation": "SomethingElse1"}, 422, "The two passwords do not match"),
        ({"password": "short", "password_confirmation": "short"}, 422, "Password is too short"),
        ({"agreement": ""}, 422, "Agreement must be accepted"),
    ]
    for values, status, message in cases:
        response = await sign_up(client, **values)
        assert response.status_code == status, (values, response.text)
        page = response.text
        assert f'<p class="alert" role="alert">{message}' in page, values
        fields = {**FIELDS, **values}
        assert f'value="{html.escape(fields["username"])}"' in page
        assert f'value="{html.escape(fields["email"])}"' in page
        assert 'value="Lain Iwakura"' in page
        assert PASSWORD not in page and "SomethingElse1" not in page
        assert ("checked" in page) == (fields["agreement"] == "true")
        assert hidden_fields(page)["_csrf_token"]  # the form can be sent again at once
    assert await stored(db, "lain") is None
    assert await stored(db, "bad name!") is None

    # a form that was sent without the agreement box keeps it unticked: tick it and send
    fixed = await sign_up(client)
    assert fixed.status_code == 200 and await stored(db, "lain") is not None


@pytest.mark.parametrize("settings_overrides", [{"registrations": "approval"}])
async def test_approval_mode_needs_a_reason_and_leaves_the_account_waiting(client, db):
    form, _ = await open_form(client)
    assert re.search(r'<textarea id="signup_reason" name="reason"[^>]*required', form.text)
    assert '<label for="signup_reason">' in form.text
    assert "approve" in form.text

    blank = await sign_up(client, reason="   ")
    assert blank.status_code == 422 and "Reason can&#x27;t be blank" in blank.text
    assert await stored(db, "lain") is None

    response = await sign_up(client, reason="I like <b>cofe</b>")
    assert response.status_code == 200, response.text
    assert "Awaiting approval" in response.text and "log in once" in response.text
    account = await stored(db, "lain")
    assert not account.is_approved and account.is_confirmed
    assert account.registration_reason == "I like <b>cofe</b>"
    assert client.cookies.get("_pleroma_key") is None  # may not log in yet


async def _invite(db, **limits) -> InviteToken:
    async with db() as session:
        invite = await create_invite(session, **limits)
        await session.commit()
        return invite


@pytest.mark.parametrize("settings_overrides", [{"registrations": "invite"}])
async def test_invite_mode_takes_the_token_of_the_link_and_counts_its_use(client, db):
    # without a token: a page saying an invite is needed, and no form
    for response in (
        await client.get("/registration", headers=HTML),
        await client.post("/registration", data=FIELDS, headers=SAME_ORIGIN),
    ):
        assert response.status_code == 403
        assert "invitation only" in response.text and "<form" not in response.text
    unknown = await client.get("/registration/nosuchtoken", headers=HTML)
    assert unknown.status_code == 403 and "not valid" in unknown.text
    assert "<form" not in unknown.text

    invite = await _invite(db, max_use=1)
    path = f"/registration/{invite.token}"
    form, hidden = await open_form(client, path)
    assert f'action="{path}"' in form.text
    assert hidden["token"] == invite.token

    response = await sign_up(client, path)
    assert response.status_code == 200, response.text
    assert "Welcome, @lain!" in response.text
    account = await stored(db, "lain")
    assert account.invite_id == invite.id and account.is_approved
    async with db() as session:
        used = await session.get(InviteToken, invite.id)
    assert used.uses == 1 and used.used

    # used up: the page says so, and a form already open is refused
    assert (await client.get(path, headers=HTML)).status_code == 403
    again = await client.post(
        path,
        data={**hidden, **FIELDS, "username": "lain2", "email": "l2@example.org"},
        headers=SAME_ORIGIN,
    )
    assert again.status_code == 403
    assert "expired or has been used up" in again.text
    assert 'value="lain2"' in again.text and await stored(db, "lain2") is None

    # a token made up in the form is refused too
    made_up = await client.post(
        "/registration",
        data={**hidden, **FIELDS, "username": "lain3", "token": "made-up"},
        headers=SAME_ORIGIN,
    )
    assert made_up.status_code == 403 and "not valid" in made_up.text
    assert await stored(db, "lain3") is None


@pytest.mark.parametrize("settings_overrides", [{"captcha_enabled": True}])
async def test_the_captcha_is_shown_and_checked(client, db, monkeypatch):
    monkeypatch.setattr(captcha, "new_text", lambda: "K7PQX")
    form, hidden = await open_form(client)
    policy = form.headers["content-security-policy"]
    assert re.search(r"img-src [^;]*data:", policy)  # the picture is a data: URL
    picture = re.search(r'<img src="(data:image/png;base64,[^"]+)"[^>]*alt="[^"]+"', form.text)
    assert picture
    assert '<label for="signup_captcha">' in form.text
    assert {"captcha_token", "captcha_answer_data"} <= set(hidden)

    wrong = await client.post(
        "/registration",
        data={**hidden, **FIELDS, "captcha_solution": "WRONG"},
        headers=SAME_ORIGIN,
    )
    assert wrong.status_code == 400 and "Invalid CAPTCHA" in wrong.text
    assert await stored(db, "lain") is None
    fresh = hidden_fields(wrong.text)
    assert fresh["captcha_token"] != hidden["captcha_token"]  # a new one to solve

    missing = await client.post("/registration", data={**fresh, **FIELDS}, headers=SAME_ORIGIN)
    assert missing.status_code == 400 and "Missing parameter: captcha_solution" in missing.text
    assert await stored(db, "lain") is None

    right = await sign_up(client, captcha_solution="k7pqx")
    assert right.status_code == 200, right.text
    assert (await stored(db, "lain")).is_approved


@pytest.fixture
def settings_overrides(request, smtp_inbox):
    """Per test: ``mail`` parametrizations turn the mailer and activation on."""
    values = dict(getattr(request, "param", {}))
    if values.pop("mail", False):
        values = mail_on(smtp_inbox, account_activation_required=True, **values)
    return values


@pytest.mark.parametrize("settings_overrides", [{"mail": True}], indirect=True)
async def test_activation_mails_a_confirmation_link(app, client, db, smtp_inbox):
    form, _ = await open_form(client)
    assert re.search(r'id="signup_email"[^>]*required', form.text)

    no_email = await sign_up(client, email="")
    assert no_email.status_code == 422 and "Email can&#x27;t be blank" in no_email.text
    assert await stored(db, "lain") is None

    response = await sign_up(client)
    assert response.status_code == 200, response.text
    assert "Check your email" in response.text and "lain@example.org" in response.text
    assert client.cookies.get("_pleroma_key") is None
    account = await stored(db, "lain")
    assert not account.is_confirmed and account.is_approved

    [message] = await delivered(app, smtp_inbox)
    assert message["To"] == "lain@example.org"
    assert "@lain" in text_of(message)
    confirmed = await client.get(link_in(message, "/api/account/confirm_email/"))
    assert confirmed.status_code == 200 and "you can log in now" in confirmed.text
    assert (await stored(db, "lain")).is_confirmed


async def test_a_post_without_the_form_token_or_from_elsewhere_is_refused(client, db):
    _, hidden = await open_form(client)
    attempts = [
        ({}, SAME_ORIGIN),  # no token
        ({"_csrf_token": "0" * 64}, SAME_ORIGIN),  # a wrong one
        (hidden, {"Origin": "https://evil.example"}),
        (hidden, {"Sec-Fetch-Site": "cross-site"}),
    ]
    for extra, headers in attempts:
        response = await client.post("/registration", data={**FIELDS, **extra}, headers=headers)
        assert response.status_code == 403, (extra, headers)
        assert "<form" in response.text and 'value="lain"' in response.text
    assert await stored(db, "lain") is None

    # the right token from another browser (without this one's cookie) does not do either
    client.cookies.clear()
    stolen = await client.post("/registration", data={**FIELDS, **hidden}, headers=SAME_ORIGIN)
    assert stolen.status_code == 403 and "out of date" in stolen.text
    assert await stored(db, "lain") is None


@pytest.mark.parametrize("settings_overrides", [{"registrations": "closed"}])
async def test_closed_registrations_show_a_page_without_a_form(client, db):
    for path in ("/registration", "/registration/sometoken"):
        response = await client.get(path, headers=HTML)
        assert response.status_code == 403
        assert "Registrations are closed" in response.text and "<form" not in response.text
    posted = await client.post("/registration", data=FIELDS, headers=SAME_ORIGIN)
    assert posted.status_code == 403 and "<form" not in posted.text
    assert await stored(db, "lain") is None


@pytest.mark.parametrize(
    "settings_overrides",
    [{"instance_name": "<i>Cofe</i> & tea", "registrations": "approval"}],
)
async def test_every_value_is_escaped(client, db):
    script = "<script>alert(1)</script>"
    form, _ = await open_form(client)
    assert "<i>Cofe</i>" not in form.text and "&lt;i&gt;Cofe&lt;/i&gt; &amp; tea" in form.text

    response = await sign_up(
        client,
        username='"><script>alert(1)</script>',
        display_name=script,
        email=f"x{script}@example.org",
        reason=f"</textarea>{script}",
    )
    assert response.status_code == 422
    assert script not in response.text and "</textarea><script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert 'value="&quot;&gt;&lt;script&gt;' in response.text

    # and once signed up, the display name is kept as typed but shown escaped
    done = await sign_up(client, display_name=script, reason="hello")
    assert done.status_code == 200 and script not in done.text
    assert (await stored(db, "lain")).display_name == script


@pytest.mark.parametrize("settings_overrides", [{"registration_rate_limit": 2}])
async def test_attempts_share_the_registration_rate_limit(client, db):
    for index in range(2):
        response = await sign_up(client, username=f"u{index}", email=f"u{index}@example.org")
        assert response.status_code == 200, response.text
    limited = await sign_up(client, username="u2", email="u2@example.org")
    assert limited.status_code == 429 and "try again later" in limited.text
    assert int(limited.headers["retry-after"]) > 0
    assert await stored(db, "u2") is None


async def test_json_clients_get_a_404_and_text_browsers_the_form(client):
    json_only = await client.get("/registration", headers={"Accept": "application/json"})
    assert json_only.status_code == 404 and json_only.json() == {"error": "Not found"}
    anything = await client.get("/registration", headers={"Accept": "*/*"})
    assert anything.status_code == 200 and "<form" in anything.text


async def test_an_installed_front_end_takes_the_page_over(app, client, db, tmp_path):
    await install(app, tmp_path, "test-fe", "v1", BUNDLE)
    app.state.settings.frontends_primary = {"name": "test-fe", "ref": "v1"}
    invite = await _invite(db)

    for path in ("/registration", f"/registration/{invite.token}"):
        response = await client.get(path, headers=HTML)
        assert response.status_code == 200, path
        assert response.content == INDEX, path
        assert response.headers["cache-control"] == "no-cache"
    head = await client.head(f"/registration/{invite.token}", headers=HTML)
    assert head.status_code == 200 and head.content == b""
    # a client that does not ask for HTML still gets the server's form
    plain = await client.get("/registration", headers={"Accept": "*/*"})
    assert plain.status_code == 200 and "<form" in plain.text
