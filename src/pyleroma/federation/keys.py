"""RSA key pairs: each local account's (its actor's ``publicKey``) and the instance actor's.

Remote servers check the HTTP signatures of what an account sends against the
``publicKeyPem`` of its actor document, so a key, once published, must never change behind
their back: every process has to sign with the pair stored on the account row.

Local accounts get their pair lazily, at first federation use (``ensure_keys``), so that
registering stays fast (RSA-2048 generation costs ~50-100 ms of CPU); accounts that existed
before federation got theirs in migration 0008. Two processes may both find an account
without keys: the pair is written with ``UPDATE ... WHERE private_key IS NULL`` and read
back, so the first writer wins and both return its key.

The instance actor (``/internal/fetch``, the one that signs fetches made on nobody's behalf)
keeps its private key in ``instance_secrets``, written once with INSERT ... ON CONFLICT DO
NOTHING and read back, as the VAPID key is (services/notifications/vapid.py).
"""

from __future__ import annotations

from functools import lru_cache

from anyio import to_thread
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.base import instance_state

from pyleroma.db.base import utcnow
from pyleroma.db.upsert import dialect_insert
from pyleroma.models import Account, InstanceSecret

KEY_SIZE = 2048
INSTANCE_KEY_NAME = "instance_actor_private_key"


def new_key_pair() -> tuple[str, str]:
    """A fresh RSA-2048 pair as PEM text: (PKCS#8 private key, SubjectPublicKeyInfo public
    key), the formats Pleroma and Mastodon publish and read."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return private, _public_pem(key)


def _public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


@lru_cache(maxsize=64)
def public_pem_of(private_pem: str) -> str:
    """The public PEM matching ``private_pem`` (cached: loading a key costs a millisecond)."""
    key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return _public_pem(key)


def _is_orm_instance(account) -> bool:
    try:
        instance_state(account)
    except Exception:  # a light row (db/fastread.py) or anything else without ORM state
        return False
    return True


async def ensure_keys(session: AsyncSession, account) -> str:
    """The public PEM of ``account``, generating and storing a pair for a local account that
    has none yet. The caller commits (the UPDATE is part of its transaction).

    ``account`` may be an ORM Account (its key attributes are refreshed without marking it
    changed) or a light row. A remote account without a key is a ``ValueError``: its key is
    whatever its own server publishes, never one we make.
    """
    # Light rows leave the private key out: their public key stands for the pair.
    has_private = getattr(account, "private_key", True) is not None
    if account.public_key and (has_private or not account.local):
        return account.public_key
    if not account.local:
        raise ValueError(f"remote account {account.id} has no public key")
    private, public = await to_thread.run_sync(new_key_pair)
    await session.execute(
        update(Account)
        .where(Account.id == account.id, Account.private_key.is_(None))
        .values(private_key=private, public_key=public)
        .execution_options(synchronize_session=False)
    )
    stored = (
        await session.execute(
            select(Account.private_key, Account.public_key).where(Account.id == account.id)
        )
    ).one()
    if _is_orm_instance(account):
        set_committed_value(account, "private_key", stored.private_key)
        set_committed_value(account, "public_key", stored.public_key)
    return stored.public_key


async def _stored_instance_key(session: AsyncSession) -> str | None:
    return await session.scalar(
        select(InstanceSecret.value).where(InstanceSecret.name == INSTANCE_KEY_NAME)
    )


async def _create_instance_key(session: AsyncSession) -> str:
    """Store a new private key unless another process got there first; the stored one.

    Committed in a transaction of its own, so the key is shared at once whatever the
    caller's transaction does later (call it while the caller holds no write lock).
    """
    private, _ = await to_thread.run_sync(new_key_pair)
    async with AsyncSession(bind=session.bind, expire_on_commit=False) as own:
        await own.execute(
            dialect_insert(own)(InstanceSecret)
            .values(name=INSTANCE_KEY_NAME, value=private, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["name"])
        )
        await own.commit()
        stored = await _stored_instance_key(own)
    if stored is None:  # pragma: no cover - deleted between the insert and the read
        raise RuntimeError("the instance key could not be stored")
    return stored


async def instance_key_pair(session: AsyncSession) -> tuple[str, str]:
    """The instance actor's (private PEM, public PEM): stored, or made now, once per
    instance."""
    private = await _stored_instance_key(session)
    if private is None:
        private = await _create_instance_key(session)
    return private, public_pem_of(private)
