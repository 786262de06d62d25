"""A real push service for the delivery tests: an aiohttp server on 127.0.0.1 that records
each request and answers with the status the test sets, and helpers to check what it got
the way a push service and a browser would (VAPID signature, decryption)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

import http_ece
from aiohttp import web
from py_vapid import Vapid01, Vapid02


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class PushServer:
    """Answers ``status`` (and ``headers``) to every POST; ``received`` keeps the requests."""

    status: int = 201
    headers: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.Response:
        self.received.append(
            Received(
                request.path,
                {k.lower(): v for k, v in request.headers.items()},
                await request.read(),
            )
        )
        return web.Response(status=self.status, headers=self.headers)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_claims(token: str) -> dict:
    return json.loads(_b64decode(token.split(".")[1]))


def check_vapid(received: Received, server_key: str, standard: bool) -> dict:
    """Verify the VAPID signature against the instance key; returns the JWT claims."""
    auth = received.headers["authorization"]
    if standard:
        scheme, _, params = auth.partition(" ")
        assert scheme == "vapid"
        parts = dict(item.split("=", 1) for item in params.split(","))
        assert parts["k"] == server_key
        assert Vapid02.verify(auth) is True
        return jwt_claims(parts["t"])
    scheme, _, token = auth.partition(" ")
    assert scheme == "WebPush"
    crypto_key = dict(item.split("=", 1) for item in received.headers["crypto-key"].split(";"))
    assert crypto_key["p256ecdsa"] == server_key
    assert Vapid01.verify(server_key, auth) is True
    return jwt_claims(token)


def decrypt(received: Received, subscriber, standard: bool) -> dict:
    """Decrypt the body as the subscriber's browser would (RFC 8291 or the aesgcm draft)."""
    if standard:
        assert received.headers["content-encoding"] == "aes128gcm"
        plain = http_ece.decrypt(
            received.body,
            private_key=subscriber.private_key,
            auth_secret=subscriber.auth_secret,
            version="aes128gcm",
        )
    else:
        assert received.headers["content-encoding"] == "aesgcm"
        salt = received.headers["encryption"].removeprefix("salt=")
        crypto_key = dict(item.split("=", 1) for item in received.headers["crypto-key"].split(";"))
        plain = http_ece.decrypt(
            received.body,
            salt=_b64decode(salt),
            dh=_b64decode(crypto_key["dh"]),
            private_key=subscriber.private_key,
            auth_secret=subscriber.auth_secret,
            version="aesgcm",
        )
    return json.loads(plain)
