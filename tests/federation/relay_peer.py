"""A relay on loopback for the relay tests: LitePub or Mastodon-style, in their own shapes.

No relay software runs on loopback here: activityrelay (PyPI) builds every id and inbox as
``https://{domain}/...``, so it would need TLS with a certificate our client trusts.
This peer does what relays do, with the payloads they send:

- ``litepub`` (activityrelay, Pleroma's relay): takes a Follow of its actor from an
  ``Application`` actor, answers with activityrelay's Accept (the Follow embedded, its
  ``object`` the relay) and follows back; a Create or Announce from a subscriber becomes an
  Announce by the relay of the object's id, ``to`` the relay's followers, sent to every other
  subscriber. An Undo of the Follow unsubscribes and is answered as activityrelay answers
  it (an Undo wrapping the Undo received).
- ``mastodon`` (pub-relay, Activity-Relay in relay mode): takes a Follow of the Public
  collection at ``/inbox``, answers with an Accept embedding the Follow as received, and
  forwards a subscriber's activities byte for byte to the other subscribers, signed with
  the relay's own key.

Every POST's HTTP signature is verified with httpsig (an implementation independent of
ours) against the key the signer's actor publishes, and the Digest recomputed; what it
sends is signed with httpsig too. Sends happen after the answer, in tasks (``idle`` waits
for them), as real relays queue them.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from email.utils import formatdate

import aiohttp
import httpsig
import orjson
from aiohttp import web
from yarl import URL

from pyleroma.federation.keys import new_key_pair
from tests.federation.loopback import LoopbackServer

AS_TYPE = "application/activity+json"
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
SIGNED = ["(request-target)", "host", "date", "digest"]


@dataclass
class Incoming:
    activity: dict
    key_id: str
    path: str


@dataclass
class Sent:
    inbox: str
    activity: dict
    status: int


@dataclass
class RelayPeer(LoopbackServer):
    host: str = "127.0.0.5"
    kind: str = "litepub"
    # Subscribed instances: their actor id -> the inbox relayed posts go to.
    subscribers: dict[str, str] = field(default_factory=dict)
    received: list[Incoming] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    # Off: takes posts but passes nothing on (tests then send payloads of their own).
    relaying: bool = True
    _keys: tuple[str, str] = field(default_factory=new_key_pair)
    _tasks: set[asyncio.Task] = field(default_factory=set)
    _follows_back: dict[str, str] = field(default_factory=dict)

    @property
    def actor_id(self) -> str:
        return f"{self.base}/actor"

    @property
    def inbox(self) -> str:
        return f"{self.base}/inbox"

    def actor(self) -> dict:
        """activityrelay's actor document."""
        return {
            "@context": [AS_CONTEXT, "https://w3id.org/security/v1"],
            "id": self.actor_id,
            "type": "Application",
            "preferredUsername": "relay",
            "name": "ActivityRelay",
            "summary": "ActivityRelay bot",
            "manuallyApprovesFollowers": False,
            "followers": f"{self.base}/followers",
            "following": f"{self.base}/following",
            "inbox": self.inbox,
            "outbox": f"{self.base}/outbox",
            "url": f"{self.base}/",
            "endpoints": {"sharedInbox": self.inbox},
            "publicKey": {
                "id": f"{self.actor_id}#main-key",
                "owner": self.actor_id,
                "publicKeyPem": self._keys[1],
            },
        }

    def received_activities(self, kind: str) -> list[dict]:
        return [i.activity for i in self.received if i.activity.get("type") == kind]

    # --- serving -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.method == "GET":
            if request.path == "/actor":
                return _json(self.actor())
            if request.path in ("/followers", "/following"):
                items = list(self.subscribers)
                return _json({"@context": AS_CONTEXT, "type": "Collection", "items": items})
            return web.Response(status=404, text="not found")
        if request.method != "POST" or request.path not in ("/inbox", "/actor"):
            return web.Response(status=405)
        body = await request.read()
        try:
            activity, signer = await self._verified(request, body)
        except _Refusal as refusal:
            self.refused.append((refusal.status, refusal.reason))
            return web.Response(status=refusal.status, text=refusal.reason)
        self.received.append(Incoming(activity, signer["publicKey"]["id"], request.path))
        try:
            self._process(activity, signer, body)
        except _Refusal as refusal:
            self.refused.append((refusal.status, refusal.reason))
            return web.Response(status=refusal.status, text=refusal.reason)
        return web.Response(status=202)

    async def _verified(self, request: web.Request, body: bytes) -> tuple[dict, dict]:
        header = request.headers.get("Signature", "")
        match = re.search(r'keyId="([^"]+)"', header)
        if not match:
            raise _Refusal(400, "missing signature header")
        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        if request.headers.get("Digest") != digest:
            raise _Refusal(401, "digest mismatch")
        try:
            activity = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise _Refusal(400, "failed to parse message") from None
        actor = await self._fetch(match.group(1).split("#", 1)[0])
        if actor is None or "publicKey" not in actor:
            raise _Refusal(400, "failed to fetch actor")
        verifier = httpsig.HeaderVerifier(
            headers=dict(request.headers),
            secret=actor["publicKey"]["publicKeyPem"],
            required_headers=SIGNED,
            method="POST",
            path=request.path_qs,
            sign_header="signature",
        )
        if not verifier.verify():
            raise _Refusal(401, "signature validation failed")
        if activity.get("actor") != actor["id"]:
            raise _Refusal(401, "the signer is not the actor")
        return activity, actor

    def _process(self, activity: dict, signer: dict, body: bytes) -> None:
        kind = activity.get("type")
        actor_id = signer["id"]
        inbox = (signer.get("endpoints") or {}).get("sharedInbox") or signer["inbox"]
        if kind == "Follow":
            self._follow(activity, signer, inbox)
        elif kind == "Undo":
            inner = activity.get("object")
            if isinstance(inner, dict) and inner.get("type") == "Follow":
                if self.subscribers.pop(actor_id, None) is None:
                    raise _Refusal(401, "access denied")
                if self.kind == "litepub":
                    undo = self._message("Undo", to=[actor_id], object=activity)
                    self._send(inbox, undo)
        elif inbox not in self.subscribers.values():
            # activityrelay: anything but a Follow from a non-subscriber is refused.
            raise _Refusal(401, "access denied")
        elif kind in ("Create", "Announce") and self.relaying:
            self._relay(activity, body, inbox)

    def _follow(self, activity: dict, signer: dict, inbox: str) -> None:
        actor_id = signer["id"]
        if self.kind == "litepub":
            if activity.get("object") != self.actor_id:
                raise _Refusal(400, "a LitePub relay is followed by following its actor")
            if signer.get("type") != "Application":
                raise _Refusal(403, "Non-application actor tried to follow")
            accept = self._message(
                "Accept",
                to=[actor_id],
                object={
                    "id": activity["id"],
                    "type": "Follow",
                    "object": self.actor_id,
                    "actor": actor_id,
                },
            )
        else:
            if activity.get("object") != PUBLIC:
                raise _Refusal(400, "a Mastodon-style relay is followed with the Public object")
            follow = {k: v for k, v in activity.items() if k != "@context"}
            accept = self._message("Accept", object=follow)
        self.subscribers[actor_id] = inbox
        self._send(inbox, accept)
        if self.kind == "litepub":  # activityrelay follows back everyone but Mastodon
            back = self._message("Follow", to=[actor_id], object=actor_id)
            self._follows_back[actor_id] = back["id"]
            self._send(inbox, back)

    def _relay(self, activity: dict, body: bytes, origin_inbox: str) -> None:
        obj = activity.get("object")
        object_id = obj.get("id") if isinstance(obj, dict) else obj
        for inbox in set(self.subscribers.values()) - {origin_inbox}:
            if self.kind == "litepub":
                announce = self._message(
                    "Announce", to=[f"{self.base}/followers"], object=object_id
                )
                self._send(inbox, announce)
            else:
                self._send(inbox, activity, body=body)

    def _message(self, kind: str, **fields) -> dict:
        return {
            "@context": AS_CONTEXT,
            "id": f"{self.base}/activities/{uuid.uuid4()}",
            "type": kind,
            "actor": self.actor_id,
            **fields,
        }

    # --- sending ---------------------------------------------------------------------------

    def _send(self, inbox: str, activity: dict, *, body: bytes | None = None) -> None:
        task = asyncio.create_task(self.post(inbox, activity, body=body))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def post(self, inbox: str, activity: dict, *, body: bytes | None = None) -> int:
        """POST ``activity`` (or ``body``, exactly) to ``inbox``, signed by the relay."""
        body = orjson.dumps(activity) if body is None else body
        parts = URL(inbox)
        headers = {
            "Host": f"{parts.host}:{parts.port}",
            "Date": formatdate(usegmt=True),
            "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode(),
            "Content-Type": AS_TYPE,
        }
        signer = httpsig.HeaderSigner(
            key_id=f"{self.actor_id}#main-key",
            secret=self._keys[0],
            algorithm="rsa-sha256",
            headers=SIGNED,
            sign_header="signature",
        )
        signed = dict(signer.sign(headers, method="POST", path=parts.raw_path_qs))
        async with (
            aiohttp.ClientSession() as session,
            session.post(inbox, data=body, headers=signed) as reply,
        ):
            await reply.read()
            self.sent.append(Sent(inbox, activity, reply.status))
            return reply.status

    async def _fetch(self, url: str) -> dict | None:
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(url, headers={"Accept": AS_TYPE}) as reply,
            ):
                if reply.status != 200:
                    return None
                return orjson.loads(await reply.read())
        except (aiohttp.ClientError, orjson.JSONDecodeError):
            return None

    async def idle(self) -> None:
        """Wait until every send started so far (and those they started) is done."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        await self.idle()
        await super().stop()


class _Refusal(Exception):  # noqa: N818
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _json(document: dict) -> web.Response:
    return web.Response(body=orjson.dumps(document), headers={"Content-Type": AS_TYPE})
