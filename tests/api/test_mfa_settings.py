"""Pleroma's MFA settings routes (both prefixes): settings, TOTP setup, confirm, disable and
backup codes, with real codes from pyotp; stored state checked in the database."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from pyleroma.services.accounts import mfa
from pyleroma.services.oauth.secrets import verify_password
from tests.api.mfa_helpers import mfa_account, mfa_tokens, stored_account, totp_code, wrong_code
from tests.api.oauth_helpers import password_grant, register_app
from tests.factories import DEFAULT_PASSWORD

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
P = "/api/v1/pleroma/accounts/mfa"


async def _enable(client, user, prefix="/api/v1/pleroma") -> str:
    """Set up and confirm TOTP through the API; the secret (its offset-0 code is spent)."""
    setup = await client.get(f"{prefix}/accounts/mfa/setup/totp", headers=user.headers)
    assert setup.status_code == 200, setup.text
    secret = setup.json()["key"]
    confirm = await client.post(
        f"{prefix}/accounts/mfa/confirm/totp",
        data={"password": DEFAULT_PASSWORD, "code": totp_code(secret)},
        headers=user.headers,
    )
    assert (confirm.status_code, confirm.json()) == (200, {}), confirm.text
    return secret


# --- GET /accounts/mfa -----------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_settings_of_a_new_account(client, factory, prefix):
    alice = await factory.user("alice")
    response = await client.get(f"{prefix}/accounts/mfa", headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == {"settings": {"enabled": False, "totp": False}}


async def test_settings_scopes(client, factory):
    alice = await factory.user("alice", scopes=["read:security"])
    assert (await client.get(P, headers=alice.headers)).status_code == 200
    writer = await factory.user("writer", scopes=["write"])
    refused = await client.get(P, headers=writer.headers)
    assert refused.status_code == 403
    assert refused.json() == {"error": "Insufficient permissions: read:security."}
    anonymous = await client.get(P)
    assert anonymous.status_code == 401 and "error" in anonymous.json()


# --- setup and confirm -----------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_setup_then_confirm_turns_mfa_on(client, factory, db, prefix, settings):
    alice = await factory.user("alice", mfa_backup_codes=["kept"])
    setup = await client.get(f"{prefix}/accounts/mfa/setup/totp", headers=alice.headers)
    assert setup.status_code == 200
    body = setup.json()
    assert set(body) == {"key", "provisioning_uri"}
    secret = body["key"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    uri = urlsplit(body["provisioning_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == f"/{settings.instance_name}:alice"
    query = parse_qs(uri.query)
    assert query["secret"] == [secret] and query["issuer"] == [settings.instance_name]

    stored = await stored_account(db, alice.account.id)
    assert (stored.totp_secret, stored.totp_confirmed) == (secret, False)
    assert stored.mfa_backup_codes == ["kept"]  # setting up leaves the backup codes alone
    pending = await client.get(f"{prefix}/accounts/mfa", headers=alice.headers)
    assert pending.json() == {"settings": {"enabled": False, "totp": False}}

    confirm = await client.post(
        f"{prefix}/accounts/mfa/confirm/totp",
        json={"password": DEFAULT_PASSWORD, "code": totp_code(secret)},
        headers=alice.headers,
    )
    assert (confirm.status_code, confirm.json()) == (200, {})
    stored = await stored_account(db, alice.account.id)
    assert (stored.totp_secret, stored.totp_confirmed) == (secret, True)
    on = await client.get(f"{prefix}/accounts/mfa", headers=alice.headers)
    assert on.json() == {"settings": {"enabled": True, "totp": True}}


@pytest.fixture
def settings(app):
    return app.state.settings


async def test_a_second_setup_replaces_the_pending_secret(client, factory, db):
    alice = await factory.user("alice")
    first = (await client.get(f"{P}/setup/totp", headers=alice.headers)).json()["key"]
    second = (await client.get(f"{P}/setup/totp", headers=alice.headers)).json()["key"]
    assert first != second
    assert (await stored_account(db, alice.account.id)).totp_secret == second
    stale = await client.post(
        f"{P}/confirm/totp",
        data={"password": DEFAULT_PASSWORD, "code": totp_code(first)},
        headers=alice.headers,
    )
    assert (stale.status_code, stale.json()) == (422, {"error": "invalid_token"})


async def test_setup_errors(client, factory, db):
    alice = await factory.user("alice")
    assert (await client.get(f"{P}/setup/totp")).status_code == 401
    reader = await factory.user("reader", scopes=["read"])
    refused = await client.get(f"{P}/setup/totp", headers=reader.headers)
    assert refused.status_code == 403
    assert refused.json() == {"error": "Insufficient permissions: write:security."}
    unknown = await client.get(f"{P}/setup/sms", headers=alice.headers)
    assert (unknown.status_code, unknown.json()) == (400, {"error": "undefined method"})
    assert (await stored_account(db, alice.account.id)).totp_secret is None

    secret = await _enable(client, alice)
    again = await client.get(f"{P}/setup/totp", headers=alice.headers)
    assert again.status_code == 422 and again.json() == {"error": mfa.ALREADY_ENABLED}
    stored = await stored_account(db, alice.account.id)
    assert (stored.totp_secret, stored.totp_confirmed) == (secret, True)


async def test_write_security_alone_is_enough(client, factory):
    alice = await factory.user("alice", scopes=["write:security"])
    assert (await client.get(f"{P}/setup/totp", headers=alice.headers)).status_code == 200
    assert (await client.get(f"{P}/backup_codes", headers=alice.headers)).status_code == 200
    assert (await client.get(P, headers=alice.headers)).status_code == 403


async def test_confirm_errors_leave_mfa_off(client, factory, db):
    alice = await factory.user("alice")
    url = f"{P}/confirm/totp"

    async def confirm(data, user=alice):
        return await client.post(url, data=data, headers=user.headers)

    not_set_up = await confirm({"password": DEFAULT_PASSWORD, "code": "123456"})
    assert (not_set_up.status_code, not_set_up.json()) == (
        422,
        {"error": "invalid_secret_and_token"},
    )
    secret = (await client.get(f"{P}/setup/totp", headers=alice.headers)).json()["key"]
    good = totp_code(secret)

    wrong_password = await confirm({"password": "nope", "code": good})
    assert (wrong_password.status_code, wrong_password.json()) == (
        422,
        {"error": "Invalid password."},
    )
    for code in (wrong_code(secret), "abcdef", "12345", "1234567", "１２３４５６"):
        bad = await confirm({"password": DEFAULT_PASSWORD, "code": code})
        assert (bad.status_code, bad.json()) == (422, {"error": "invalid_token"}), code
    missing = await confirm({"password": DEFAULT_PASSWORD})
    assert (missing.status_code, missing.json()) == (400, {"error": "code: can't be blank"})
    missing = await confirm({"code": good})
    assert (missing.status_code, missing.json()) == (400, {"error": "password: can't be blank"})
    too_long = await confirm({"password": DEFAULT_PASSWORD, "code": "1" * 500})
    assert too_long.status_code == 422 and "too long" in too_long.json()["error"]
    unknown = await client.post(
        f"{P}/confirm/sms", data={"password": DEFAULT_PASSWORD, "code": good}, headers=alice.headers
    )
    assert (unknown.status_code, unknown.json()) == (400, {"error": "undefined mfa method"})
    assert (
        await client.post(url, data={"password": DEFAULT_PASSWORD, "code": good})
    ).status_code == 401
    reader = await factory.user("reader", scopes=["read"])
    assert (await confirm({"password": DEFAULT_PASSWORD, "code": good}, reader)).status_code == 403

    stored = await stored_account(db, alice.account.id)
    assert (stored.totp_secret, stored.totp_confirmed) == (secret, False)

    ok = await confirm({"password": DEFAULT_PASSWORD, "code": good})
    assert ok.status_code == 200
    already = await confirm({"password": DEFAULT_PASSWORD, "code": totp_code(secret, 1)})
    assert (already.status_code, already.json()) == (422, {"error": mfa.ALREADY_ENABLED})


async def test_a_confirmed_code_cannot_be_used_again(client, factory):
    """The code typed to confirm cannot then log in (replay guard)."""
    alice = await factory.user("alice")
    secret = (await client.get(f"{P}/setup/totp", headers=alice.headers)).json()["key"]
    code = totp_code(secret)
    ok = await client.post(
        f"{P}/confirm/totp",
        data={"password": DEFAULT_PASSWORD, "code": code},
        headers=alice.headers,
    )
    assert ok.status_code == 200
    app = await register_app(client)
    required = await password_grant(client, app, "alice")
    assert required.status_code == 403
    replay = await client.post(
        "/oauth/mfa/challenge",
        data={
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "mfa_token": required.json()["mfa_token"],
            "challenge_type": "totp",
            "code": code,
        },
    )
    assert (replay.status_code, replay.json()) == (400, {"error": "Invalid code"})


# --- disable ---------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_disable_turns_mfa_off_and_drops_backup_codes(client, factory, db, prefix):
    alice = await factory.user("alice")
    await _enable(client, alice, prefix)
    codes = (await client.get(f"{prefix}/accounts/mfa/backup_codes", headers=alice.headers)).json()
    assert len(codes["codes"]) == 5
    app = await register_app(client)
    assert (await password_grant(client, app, "alice")).status_code == 403
    assert len(await mfa_tokens(db)) == 1

    response = await client.request(
        "DELETE",
        f"{prefix}/accounts/mfa/totp",
        data={"password": DEFAULT_PASSWORD},
        headers=alice.headers,
    )
    assert (response.status_code, response.json()) == (200, {})
    stored = await stored_account(db, alice.account.id)
    assert (stored.totp_secret, stored.totp_confirmed, stored.mfa_backup_codes) == (None, False, [])
    assert await mfa_tokens(db) == []
    settings = await client.get(f"{prefix}/accounts/mfa", headers=alice.headers)
    assert settings.json() == {"settings": {"enabled": False, "totp": False}}
    token = await password_grant(client, app, "alice")
    assert token.status_code == 200 and token.json()["access_token"]


async def test_disable_errors(client, factory, db):
    alice = await factory.user("alice")
    url = f"{P}/totp"

    async def delete(data, user=alice, method="totp"):
        return await client.request("DELETE", f"{P}/{method}", data=data, headers=user.headers)

    off = await delete({"password": DEFAULT_PASSWORD})
    assert (off.status_code, off.json()) == (422, {"error": mfa.NOT_ENABLED})
    await _enable(client, alice)
    wrong = await delete({"password": "nope"})
    assert (wrong.status_code, wrong.json()) == (422, {"error": "Invalid password."})
    blank = await delete({})
    assert (blank.status_code, blank.json()) == (400, {"error": "password: can't be blank"})
    unknown = await delete({"password": DEFAULT_PASSWORD}, method="sms")
    assert (unknown.status_code, unknown.json()) == (400, {"error": "undefined mfa method"})
    assert (
        await client.request("DELETE", url, data={"password": DEFAULT_PASSWORD})
    ).status_code == 401
    reader = await factory.user("reader", scopes=["read"])
    assert (await delete({"password": DEFAULT_PASSWORD}, reader)).status_code == 403
    assert (await stored_account(db, alice.account.id)).totp_confirmed is True

    everything = await delete({"password": DEFAULT_PASSWORD}, method="mfa")
    assert (everything.status_code, everything.json()) == (200, {})
    assert (await stored_account(db, alice.account.id)).totp_confirmed is False


async def test_disable_drops_a_pending_setup(client, factory, db):
    alice = await factory.user("alice")
    await client.get(f"{P}/setup/totp", headers=alice.headers)
    response = await client.request(
        "DELETE", f"{P}/totp", data={"password": DEFAULT_PASSWORD}, headers=alice.headers
    )
    assert response.status_code == 200
    assert (await stored_account(db, alice.account.id)).totp_secret is None


# --- backup codes ----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_backup_codes_are_stored_hashed_and_replace_earlier_ones(client, factory, db, prefix):
    alice = await factory.user("alice")
    url = f"{prefix}/accounts/mfa/backup_codes"
    first = await client.get(url, headers=alice.headers)
    assert first.status_code == 200 and set(first.json()) == {"codes"}
    codes = first.json()["codes"]
    assert len(codes) == 5 and len(set(codes)) == 5
    assert all(re.fullmatch(r"[0-9a-f]{16}", code) for code in codes)

    stored = (await stored_account(db, alice.account.id)).mfa_backup_codes
    assert len(stored) == 5
    assert all(h.startswith("$argon2") for h in stored)
    dumped = json.dumps(stored)
    assert not any(code in dumped for code in codes)  # no plaintext code in the database
    assert all(any(verify_password(h, code) for h in stored) for code in codes)

    second = (await client.get(url, headers=alice.headers)).json()["codes"]
    assert set(second).isdisjoint(codes)
    replaced = (await stored_account(db, alice.account.id)).mfa_backup_codes
    assert set(replaced).isdisjoint(stored)
    assert not any(verify_password(h, codes[0]) for h in replaced)


@pytest.mark.parametrize(
    "settings_overrides", [{"mfa_backup_codes_number": 3, "mfa_backup_codes_length": 9}]
)
async def test_backup_codes_follow_the_settings(client, factory):
    alice = await factory.user("alice")
    codes = (await client.get(f"{P}/backup_codes", headers=alice.headers)).json()["codes"]
    assert len(codes) == 3 and all(re.fullmatch(r"[0-9a-f]{9}", code) for code in codes)


async def test_backup_codes_need_write_security(client, factory, db):
    assert (await client.get(f"{P}/backup_codes")).status_code == 401
    reader = await factory.user("reader", scopes=["read"])
    refused = await client.get(f"{P}/backup_codes", headers=reader.headers)
    assert refused.status_code == 403
    assert refused.json() == {"error": "Insufficient permissions: write:security."}
    assert (await stored_account(db, reader.account.id)).mfa_backup_codes == []


async def test_settings_of_an_account_with_mfa(client, factory):
    account, _ = await mfa_account(factory, "alice")
    token = await factory.token(account, ["read"])
    response = await client.get(P, headers={"Authorization": f"Bearer {token}"})
    assert response.json() == {"settings": {"enabled": True, "totp": True}}
