"""The instance's VAPID key pair (RFC 8292): what push services check our pushes against.

A client subscribes with the public key (advertised in /api/v1/instance, the App entity and
the subscription itself); the push service then accepts only pushes signed with the matching
private key. So every process must sign with the same pair, forever: a pair changed later
silently breaks every existing subscription.

The pair comes from the settings (``vapid_public_key``/``vapid_private_key``, Pleroma's
base64url format) when given; otherwise it is generated on first use and kept in the
``instance_secrets`` table, where the first writer wins, so a web server and workers
starting together agree on one pair.
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid01, Vapid02
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.upsert import dialect_insert
from pyleroma.models import InstanceSecret
from pyleroma.settings import Settings, SettingsError

SECRET_NAME = "vapid_private_key"
# RFC 8292 allows at most 24 hours; a shorter claim limits a leaked header's use.
CLAIM_LIFETIME_SECONDS = 12 * 3600


@dataclass(frozen=True)
class VapidKeys:
    """base64url without padding: the 65-byte uncompressed public point, the 32-byte scalar."""

    public_key: str
    private_key: str


def b64url_decode(text: str) -> bytes:
    """Decode base64url, also accepting standard base64 and padding (some apps send those,
    as Akkoma notes for iOS clients); ``ValueError`` on anything else."""
    if not isinstance(text, str):
        raise ValueError("not a string")
    cleaned = text.strip().replace("+", "-").replace("/", "_").rstrip("=")
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@lru_cache(maxsize=16)
def private_key_from(raw: str) -> ec.EllipticCurvePrivateKey:
    """The P-256 private key from its base64url 32-byte scalar (cached: it is derived for
    every push signed)."""
    data = b64url_decode(raw)
    if len(data) != 32:
        raise ValueError("a VAPID private key is 32 bytes")
    return ec.derive_private_key(int.from_bytes(data, "big"), ec.SECP256R1())


def public_key_of(private_raw: str) -> str:
    point = (
        private_key_from(private_raw)
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return b64url_encode(point)


def generate_private_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url_encode(key.private_numbers().private_value.to_bytes(32, "big"))


def check_configured_keys(public_raw: str, private_raw: str) -> None:
    """Refuse a configured pair the server could not sign with (run by Settings.validate)."""
    if not private_raw:
        raise SettingsError("vapid_public_key is set but vapid_private_key is not")
    try:
        derived = public_key_of(private_raw)
    except ValueError as exc:
        raise SettingsError("vapid_private_key is not a base64url P-256 private key") from exc
    if public_raw and public_raw.rstrip("=") != derived:
        raise SettingsError("vapid_public_key does not belong to vapid_private_key")


async def _stored_private_key(session: AsyncSession) -> str | None:
    return await session.scalar(
        select(InstanceSecret.value).where(InstanceSecret.name == SECRET_NAME)
    )


async def _create_private_key(session: AsyncSession) -> str:
    """Store a new key unless another process got there first; return the stored one.

    Written in a transaction of its own, so the key is committed (and so shared) whatever
    the caller's transaction does later. Call it when the caller's session holds no write
    lock (SQLite has one writer at a time): every caller does so before writing or after
    committing.
    """
    async with AsyncSession(bind=session.bind, expire_on_commit=False) as own:
        statement = (
            dialect_insert(own)(InstanceSecret)
            .values(name=SECRET_NAME, value=generate_private_key(), created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["name"])
        )
        await own.execute(statement)
        await own.commit()
        stored = await _stored_private_key(own)
    assert stored is not None
    return stored


async def get_keys(session: AsyncSession, settings: Settings) -> VapidKeys:
    """The instance's key pair: configured, stored, or made now (once per instance)."""
    if settings.vapid_private_key:
        private = settings.vapid_private_key.rstrip("=")
        return VapidKeys(public_key_of(private), private)
    private = await _stored_private_key(session)
    if private is None:
        private = await _create_private_key(session)
    return VapidKeys(public_key_of(private), private)


def vapid_subject(settings: Settings) -> str:
    """Who to contact about our pushes (the JWT ``sub``): the instance's email, else its
    URL, as RFC 8292 section 2.1 allows."""
    if settings.instance_email:
        return f"mailto:{settings.instance_email}"
    return settings.base_url


def sign_headers(
    keys: VapidKeys, endpoint: str, subject: str, *, standard: bool, crypto_key: str = ""
) -> dict[str, str]:
    """The VAPID headers of one push to ``endpoint``.

    ``standard``: RFC 8292's ``Authorization: vapid t=…,k=…``. Otherwise the draft form
    Pleroma and Mastodon before 4.4 send with aesgcm pushes (``Authorization: WebPush …``
    plus ``p256ecdsa=`` appended to ``crypto_key``, the ``Crypto-Key`` header's ``dh=``).
    """
    parts = urlsplit(endpoint)
    claims = {
        "aud": f"{parts.scheme}://{parts.netloc}",
        "sub": subject,
        "exp": int(time.time()) + CLAIM_LIFETIME_SECONDS,
    }
    signer_class = Vapid02 if standard else Vapid01
    # no-strict: py_vapid would insist on a mailto: or https subject, but an instance on
    # http (tests, loopback federation) legitimately names its http URL.
    signer = signer_class(private_key_from(keys.private_key), conf={"no-strict": True})
    return signer.sign(claims, crypto_key or None)
