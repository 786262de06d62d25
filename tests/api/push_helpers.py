"""Helpers for the web push tests: subscriber key pairs and subscribing through the API."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from pyleroma.models import PushSubscription

URL = "/api/v1/push/subscription"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Subscriber:
    """What a browser holds for one subscription: its ECDH key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    @property
    def p256dh(self) -> str:
        return b64url(self.public_bytes)

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def body(self, endpoint: str, alerts: dict | None = None, **extra) -> dict:
        """A JSON subscribe request; ``extra`` goes into ``subscription`` (``standard``...)
        except ``policy``, which goes into ``data``."""
        data: dict = {"alerts": alerts if alerts is not None else {"mention": True}}
        if "policy" in extra:
            data["policy"] = extra.pop("policy")
        return {
            "subscription": {
                "endpoint": endpoint,
                "keys": {"p256dh": self.p256dh, "auth": self.auth},
                **extra,
            },
            "data": data,
        }


async def subscribe(client, user, endpoint: str, subscriber: Subscriber | None = None, **kw):
    subscriber = subscriber or Subscriber()
    response = await client.post(URL, json=subscriber.body(endpoint, **kw), headers=user.headers)
    assert response.status_code == 200, response.text
    return subscriber, response.json()


async def stored_subscriptions(db, account_id=None) -> list[PushSubscription]:
    async with db() as session:
        query = select(PushSubscription).order_by(PushSubscription.id)
        if account_id is not None:
            query = query.where(PushSubscription.account_id == int(account_id))
        return list((await session.scalars(query)).all())
