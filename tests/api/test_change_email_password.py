"""POST /api/pleroma/change_email and /change_password (both prefixes): Pleroma's answers
and messages; a new address is confirmed by a mailed link (mailer on) or changed at once
(mailer off); a new password ends every session."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pyleroma.models import Account, Job, OAuthToken
from pyleroma.services.oauth.secrets import verify_password
from tests.api.mail_helpers import delivered, link_in, mail_on
from tests.factories import DEFAULT_PASSWORD
from tests.mail_server import text_of

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
CHANGE_LINK = "/api/account/confirm_email_change/"
NEW = "a brand new password"


@pytest.fixture
def settings_overrides(smtp_inbox):
    return mail_on(smtp_inbox)


async def _account(db, account_id) -> Account:
    async with db() as session:
        return await session.get(Account, account_id)


async def _change_email(client, user, prefix="/api/pleroma", **body):
    return await client.post(f"{prefix}/change_email", data=body, headers=user.headers)


# -- change_email -----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_a_new_address_is_confirmed_by_the_link_mailed_to_it(
    app, client, factory, db, smtp_inbox, prefix
):
    alice = await factory.user("alice", email="alice@example.org")
    answer = await _change_email(
        client, alice, prefix, password=DEFAULT_PASSWORD, email="Alice.New@Example.ORG"
    )
    assert (answer.status_code, answer.json()) == (200, {"status": "success"})
    account = await _account(db, alice.account.id)
    assert account.email == "alice@example.org"  # not yet
    assert account.unconfirmed_email == "Alice.New@example.org"

    [message] = await delivered(app, smtp_inbox)
    assert message["To"] == "Alice.New@example.org"
    assert message["Subject"] == "Confirm your new email address on pyleroma"
    assert "Alice.New@example.org" in text_of(message)
    path = link_in(message, CHANGE_LINK)
    assert path.startswith(f"{CHANGE_LINK}{alice.account.id}/")

    page = await client.get(path)
    assert page.status_code == 200 and "Email changed" in page.text
    account = await _account(db, alice.account.id)
    assert (account.email, account.email_key) == (
        "Alice.New@example.org",
        "alice.new@example.org",
    )
    assert account.unconfirmed_email is None and account.confirmation_token is None
    [notice] = (await delivered(app, smtp_inbox))[1:]
    assert notice["To"] == "alice@example.org"  # the old address is told
    assert notice["Subject"] == "Your email address on pyleroma was changed"
    assert "Alice.New@example.org" in text_of(notice)

    again = await client.get(path)
    assert again.status_code == 404 and "not valid" in again.text
    # The new address now logs in and receives reset links.
    reset = await client.post("/auth/password", data={"email": "alice.new@example.org"})
    assert reset.status_code == 204
    [reset_mail] = (await delivered(app, smtp_inbox))[2:]
    assert reset_mail["To"] == "Alice.New@example.org"


async def test_an_address_taken_meanwhile_is_refused_when_the_link_is_followed(
    app, client, factory, db, smtp_inbox
):
    alice = await factory.user("alice", email="alice@example.org")
    answer = await _change_email(client, alice, password=DEFAULT_PASSWORD, email="new@example.org")
    assert answer.status_code == 200
    [message] = await delivered(app, smtp_inbox)
    await factory.user("bob", email="NEW@example.org")

    page = await client.get(link_in(message, CHANGE_LINK))
    assert page.status_code == 422 and "Email has already been taken." in page.text
    account = await _account(db, alice.account.id)
    assert account.email == "alice@example.org" and account.unconfirmed_email == "new@example.org"


async def test_asking_again_replaces_the_pending_address_and_its_link(
    app, client, factory, db, smtp_inbox
):
    alice = await factory.user("alice", email="alice@example.org")
    for email in ("one@example.org", "two@example.org"):
        answer = await _change_email(client, alice, password=DEFAULT_PASSWORD, email=email)
        assert answer.status_code == 200
    first, second = sorted(await delivered(app, smtp_inbox), key=lambda m: str(m["To"]))
    assert (first["To"], second["To"]) == ("one@example.org", "two@example.org")
    assert (await client.get(link_in(first, CHANGE_LINK))).status_code == 404
    assert (await client.get(link_in(second, CHANGE_LINK))).status_code == 200
    assert (await _account(db, alice.account.id)).email == "two@example.org"


async def test_an_expired_or_forged_change_link_is_refused(app, client, factory, db, smtp_inbox):
    alice = await factory.user("alice", email="alice@example.org")
    await _change_email(client, alice, password=DEFAULT_PASSWORD, email="new@example.org")
    [message] = await delivered(app, smtp_inbox)
    path = link_in(message, CHANGE_LINK)
    made, _, rest = path.rsplit("/", 1)[1].partition(".")
    forged = path.replace(f"/{made}.", f"/{int(made) + 5}.")  # a later time: digest differs
    assert (await client.get(forged)).status_code == 404
    assert (await client.get(f"{CHANGE_LINK}{alice.account.id}/x")).status_code == 404
    assert (await client.get(f"{CHANGE_LINK}nope/x")).status_code == 404
    # Past its lifetime (a negative one here, so no test waits): refused, nothing changes.
    app.state.settings.password_reset_token_ttl = -1
    expired = await client.get(path)
    assert expired.status_code == 404
    account = await _account(db, alice.account.id)
    assert account.email == "alice@example.org" and account.unconfirmed_email == "new@example.org"
    app.state.settings.password_reset_token_ttl = 3600
    assert (await client.get(path)).status_code == 200  # the same link, within its lifetime
    assert (await _account(db, alice.account.id)).email == "new@example.org"


async def test_change_email_errors(app, client, factory, db, smtp_inbox):
    alice = await factory.user("alice", email="alice@example.org")
    await factory.user("bob", email="bob@example.org")
    reader = await factory.user("reader", scopes=["read:accounts"])
    app.state.mail_limiter.limit = 100  # more tries than the limit allows (tested below)

    async def refused(status, error, **body):
        answer = await _change_email(client, alice, **body)
        assert (answer.status_code, answer.json()) == (status, {"error": error}), body

    await refused(403, "Invalid password.", password="wrong", email="new@example.org")
    await refused(403, "Invalid password.", email="new@example.org")
    await refused(
        422, "Email has already been taken.", password=DEFAULT_PASSWORD, email="BOB@example.org"
    )
    await refused(
        422, "Email has invalid format.", password=DEFAULT_PASSWORD, email="not-an-address"
    )
    await refused(422, "Email can't be blank.", password=DEFAULT_PASSWORD, email="")
    await refused(422, "Email can't be blank.", password=DEFAULT_PASSWORD)
    wrong_type = await client.post(
        "/api/pleroma/change_email",
        json={"password": DEFAULT_PASSWORD, "email": {"a": 1}},
        headers=alice.headers,
    )
    assert (wrong_type.status_code, wrong_type.json()) == (
        422,
        {"error": "email: must be a string"},
    )
    scope = await _change_email(client, reader, password=DEFAULT_PASSWORD, email="n@example.org")
    assert scope.status_code == 403
    anonymous = await client.post(
        "/api/pleroma/change_email", data={"password": DEFAULT_PASSWORD, "email": "n@example.org"}
    )
    assert anonymous.status_code == 401
    account = await _account(db, alice.account.id)
    assert account.email == "alice@example.org" and account.unconfirmed_email is None
    assert await delivered(app, smtp_inbox) == []


async def test_change_email_is_rate_limited(app, client, factory, smtp_inbox):
    alice = await factory.user("alice", email="alice@example.org")
    limit = app.state.settings.mail_rate_limit
    for n in range(limit):
        answer = await _change_email(client, alice, password="wrong", email=f"n{n}@example.org")
        assert answer.status_code == 403
    throttled = await _change_email(
        client, alice, password=DEFAULT_PASSWORD, email="fine@example.org"
    )
    assert (throttled.status_code, throttled.json()) == (429, {"error": "Throttled"})


@pytest.mark.parametrize("settings_overrides", [{"mailer_enabled": False}])
async def test_with_the_mailer_off_the_address_changes_at_once(app, client, factory, db):
    alice = await factory.user("alice", email="alice@example.org")
    answer = await _change_email(client, alice, password=DEFAULT_PASSWORD, email="New@Example.org")
    assert (answer.status_code, answer.json()) == (200, {"status": "success"})
    account = await _account(db, alice.account.id)
    assert (account.email, account.email_key, account.unconfirmed_email) == (
        "New@example.org",
        "new@example.org",
        None,
    )
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Job)) == 0
    taken = await factory.user("bob", email="bob@example.org")
    assert taken
    again = await _change_email(client, alice, password=DEFAULT_PASSWORD, email="bob@example.org")
    assert (again.status_code, again.json()) == (422, {"error": "Email has already been taken."})


# -- change_password --------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_change_password_sets_it_and_ends_every_session(client, factory, db, prefix):
    alice = await factory.user("alice", password_reset_pending=True)
    second_session = await factory.token(alice.account)
    answer = await client.post(
        f"{prefix}/change_password",
        data={"password": DEFAULT_PASSWORD, "new_password": NEW, "new_password_confirmation": NEW},
        headers=alice.headers,
    )
    assert (answer.status_code, answer.json()) == (200, {"status": "success"})
    account = await _account(db, alice.account.id)
    assert verify_password(account.password_hash, NEW)
    assert account.password_reset_pending is False
    for token in (alice.token, second_session):
        check = await client.get(
            "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
        )
        assert check.status_code == 401
    async with db() as session:
        count = select(func.count()).where(OAuthToken.account_id == alice.account.id)
        assert await session.scalar(count) == 0


async def test_change_password_errors(client, factory, db):
    alice = await factory.user("alice")
    reader = await factory.user("reader", scopes=["read:accounts"])
    url = "/api/v1/pleroma/change_password"

    async def refused(status, error, user=alice, **body):
        answer = await client.post(url, data=body, headers=user.headers)
        assert (answer.status_code, answer.json()) == (status, {"error": error}), body

    await refused(403, "Invalid password.", password="wrong", new_password=NEW,
                  new_password_confirmation=NEW)  # fmt: skip
    await refused(403, "Invalid password.", new_password=NEW, new_password_confirmation=NEW)
    await refused(422, "New password does not match confirmation.", password=DEFAULT_PASSWORD,
                  new_password=NEW, new_password_confirmation=NEW + "!")  # fmt: skip
    await refused(422, "New password can't be blank.", password=DEFAULT_PASSWORD,
                  new_password_confirmation=NEW)  # fmt: skip
    await refused(422, "New password confirmation can't be blank.", password=DEFAULT_PASSWORD,
                  new_password=NEW)  # fmt: skip
    await refused(422, "New password should be at least 8 character(s).",
                  password=DEFAULT_PASSWORD, new_password="short",
                  new_password_confirmation="short")  # fmt: skip
    long = "x" * 513
    await refused(422, "New password should be at most 512 character(s).",
                  password=DEFAULT_PASSWORD, new_password=long,
                  new_password_confirmation=long)  # fmt: skip
    wrong_scope = await client.post(
        url,
        data={"password": DEFAULT_PASSWORD, "new_password": NEW, "new_password_confirmation": NEW},
        headers=reader.headers,
    )
    assert wrong_scope.status_code == 403
    assert (await client.post(url, data={"password": DEFAULT_PASSWORD})).status_code == 401
    account = await _account(db, alice.account.id)
    assert verify_password(account.password_hash, DEFAULT_PASSWORD)
    ok = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert ok.status_code == 200  # nothing ended
