"""Random secrets, their stored digests, and argon2 password hashing."""

from __future__ import annotations

import hashlib
import secrets

from anyio import to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hashers: dict[tuple[int, int], PasswordHasher] = {}
# argon2id cost (time, memory KiB); settings may lower it for test suites.
_cost = (3, 65536)


def configure_hashing(time_cost: int, memory_cost: int) -> None:
    global _cost
    _cost = (time_cost, memory_cost)


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """SHA-256 of a token or code: what the database keeps instead of the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _hasher(time_cost: int, memory_cost: int) -> PasswordHasher:
    key = (time_cost, memory_cost)
    if key not in _hashers:
        _hashers[key] = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
    return _hashers[key]


def hash_password(password: str) -> str:
    return _hasher(*_cost).hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-work check; False for a missing or malformed hash rather than an error."""
    if not password_hash or not isinstance(password, str):
        # Spend comparable time so a missing account is not told apart by timing.
        _hasher(*_cost).hash("timing-equaliser")
        return False
    try:
        return _hasher(*_cost).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password_off_loop(password_hash: str | None, password: str) -> bool:
    """``verify_password`` in a worker thread: argon2 spends about half a second of CPU by
    design, and on the event loop that would stall every other request of the process
    (argon2-cffi releases the GIL while it hashes). For the login paths."""
    return await to_thread.run_sync(verify_password, password_hash, password)


def generate_password() -> str:
    return secrets.token_urlsafe(12)
