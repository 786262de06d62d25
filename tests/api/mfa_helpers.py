"""Helpers for the two-factor authentication tests: real TOTP codes from pyotp.

The server refuses a code of a period at or before one it already accepted for the same
secret (replay guard), and accepts one period either side of now. So each secret is used
with increasing ``offset`` (0, then 1) in a test; a code with offset 0 or 1 stays valid
even when the clock crosses into the next period between making and checking it.
"""

from __future__ import annotations

import time

import pyotp
from sqlalchemy import select

from pyleroma.models import Account, MfaToken
from pyleroma.services.oauth.secrets import hash_password

PERIOD = 30


def totp_code(secret: str, offset: int = 0) -> str:
    """The code of the period ``offset`` periods from now."""
    return pyotp.TOTP(secret).at(time.time() + offset * PERIOD)


def wrong_code(secret: str) -> str:
    """A six-digit code valid for no period near now."""
    now = time.time()
    valid = {pyotp.TOTP(secret).at(now + k * PERIOD) for k in range(-3, 4)}
    candidate = 0
    while f"{candidate:06d}" in valid:
        candidate += 1
    return f"{candidate:06d}"


async def mfa_account(factory, nickname: str, backup_codes: tuple[str, ...] = (), **fields):
    """An account with TOTP on (stored directly); returns (account, secret)."""
    secret = pyotp.random_base32()
    account = await factory.account(
        nickname,
        totp_secret=secret,
        totp_confirmed=True,
        mfa_backup_codes=[hash_password(code) for code in backup_codes],
        **fields,
    )
    return account, secret


async def stored_account(db, account_id) -> Account:
    async with db() as session:
        return await session.get(Account, account_id)


async def mfa_tokens(db) -> list[MfaToken]:
    async with db() as session:
        return list((await session.execute(select(MfaToken))).scalars())
