"""WebSocket ``/api/v1/streaming`` (Mastodon's streaming API, Pleroma's handler) and
``GET /api/v1/streaming/health``.

The handshake decides, as Akkoma's ``WebsocketHandler.init``: the token comes from
``access_token`` (query), ``Authorization: Bearer`` or ``Sec-WebSocket-Protocol`` (echoed
back when accepted, which browsers require); a bad or expired token is 401, a stream this
token may not have is 401, an unknown stream 404 — HTTP answers before any upgrade. No
``stream`` at all opens a socket with no subscriptions (Mastodon's multiplexed mode).

On an open socket the client sends ``{"type": "subscribe"|"unsubscribe", "stream": ...,
"tag"|"list"|"instance": ...}``; a refused subscription answers
``{"error": "...", "status": 401|404}`` (Mastodon's shape) and the socket stays open. A
socket opened without a token may log in with ``{"type": "pleroma:authenticate", "token":
...}`` (Pleroma-FE does, so that the token stays out of the URL); Pleroma's
``pleroma:respond`` event answers it, its payload a JSON string ``{"type":
"pleroma:authenticate", "result": "success"}`` or ``"result": "error"`` with ``"error":
"unauthorized"`` (a bad token: the socket stays anonymous) or ``"already_authenticated"``. A
text ``ping`` gets ``pong`` (Akkoma). The server pings at the protocol level
(``streaming_ping_interval``, uvicorn's keepalive) and closes a socket whose token is
revoked or expires, or whose account is deactivated, with code 1008.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import orjson
from fastapi import APIRouter, WebSocket
from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocketDisconnect

from pyleroma.api.deps import token_context
from pyleroma.api.errors import error_response
from pyleroma.api.openapi import api_doc
from pyleroma.errors import DomainError
from pyleroma.settings import Settings
from pyleroma.streaming.connections import Connection
from pyleroma.streaming.topics import StreamError, Viewer, resolve

log = logging.getLogger("pyleroma.streaming")


class _DenialNoise(logging.Filter):
    """uvicorn's websockets-sansio protocol (0.54) logs "ASGI callable returned without
    completing handshake" after every HTTP denial (``send_denial_response``), although the
    401/404 went out correctly (its wsproto protocol does not). This endpoint is the only
    WebSocket route and always accepts or denies, so that line is only noise here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing handshake."


logging.getLogger("uvicorn.error").addFilter(_DenialNoise())

router = APIRouter(tags=["Streaming"])

HEALTH_PATH = "/api/v1/streaming/health"


@router.get(
    HEALTH_PATH,
    summary="Streaming API health check",
    response_class=PlainTextResponse,
    **api_doc(response={"const": "OK"}, media_type="text/plain"),
)
async def health() -> PlainTextResponse:
    """``OK``, as Mastodon's streaming server answers load balancers."""
    return PlainTextResponse("OK")


def _secret(websocket: WebSocket) -> tuple[str | None, str | None]:
    """(token, the Sec-WebSocket-Protocol value to echo) from the handshake."""
    protocol = websocket.headers.get("sec-websocket-protocol")
    protocol = protocol.strip() if protocol else None
    header = websocket.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), protocol
    token = websocket.query_params.get("access_token") or protocol
    return token or None, protocol


async def _viewer(websocket: WebSocket, secret: str | None) -> Viewer:
    if not secret:
        return Viewer()
    async with websocket.app.state.sessionmaker() as session:
        try:
            context = await token_context(session, secret, "bearer")
        except DomainError as exc:  # invalid, expired, or the account can't log in
            raise StreamError(401, exc.message) from exc
        token = context.token
        return Viewer(
            account_id=context.account.id if context.account is not None else None,
            token_id=token.id if token is not None else None,
            scopes=set(context.scopes),
            valid_until=token.valid_until if token is not None else None,
        )


async def _deny(websocket: WebSocket, status: int, message: str) -> None:
    """An HTTP answer instead of the upgrade (servers without that extension: close)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(error_response(status, message))
    else:  # pragma: no cover - uvicorn supports it
        await websocket.close(code=1008, reason=message)


async def _resolve(websocket: WebSocket, viewer: Viewer, name, params: dict):
    settings: Settings = websocket.app.state.settings
    async with websocket.app.state.sessionmaker() as session:
        return await resolve(session, settings, name, params, viewer)


async def _writer(websocket: WebSocket, conn: Connection) -> None:
    """Drain the connection's queue to the socket; a (code, reason) item closes it."""
    while True:
        item = await conn.queue.get()
        if isinstance(item, tuple):
            code, reason = item
            with contextlib.suppress(Exception):
                await websocket.close(code=code, reason=reason)
            return
        await websocket.send_text(item)


AUTHENTICATE = "pleroma:authenticate"


def _respond(conn: Connection, kind: str, result: str, error: str | None = None) -> None:
    """Pleroma's answer to a client event: ``pleroma:respond``, its payload JSON text."""
    payload = {"type": kind, "result": result}
    if error is not None:
        payload["error"] = error
    event = {"event": "pleroma:respond", "payload": orjson.dumps(payload).decode()}
    conn.send(orjson.dumps(event).decode())


async def _authenticate(websocket: WebSocket, conn: Connection, token) -> None:
    if conn.token_id is not None:
        _respond(conn, AUTHENTICATE, "error", "already_authenticated")
        return
    if not isinstance(token, str) or not token.strip():
        _respond(conn, AUTHENTICATE, "error", "unauthorized")
        return
    try:
        viewer = await _viewer(websocket, token.strip())
    except StreamError:
        _respond(conn, AUTHENTICATE, "error", "unauthorized")
        return
    websocket.app.state.stream_hub.registry.authenticate(conn, viewer)
    _respond(conn, AUTHENTICATE, "success")


async def _handle(websocket: WebSocket, conn: Connection, text: str) -> None:
    registry = websocket.app.state.stream_hub.registry
    if text.strip() in ("ping", "PING"):
        conn.send("pong")
        return
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        conn.send(orjson.dumps({"error": "Invalid JSON", "status": 400}).decode())
        return
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == AUTHENTICATE:
        await _authenticate(websocket, conn, data.get("token"))
        return
    if kind not in ("subscribe", "unsubscribe"):
        conn.send(orjson.dumps({"error": "Unknown message type", "status": 400}).decode())
        return
    params = {k: v for k, v in data.items() if isinstance(v, str | int)}
    try:
        topic = await _resolve(websocket, conn.viewer, data.get("stream"), params)
    except StreamError as exc:
        conn.send(orjson.dumps({"error": exc.message, "status": exc.status}).decode())
        return
    if kind == "subscribe":
        registry.subscribe(conn, topic)
    else:
        registry.unsubscribe(conn, topic)


async def streaming(websocket: WebSocket) -> None:
    hub = websocket.app.state.stream_hub
    settings: Settings = websocket.app.state.settings
    try:
        secret, protocol = _secret(websocket)
        viewer = await _viewer(websocket, secret)
        params = dict(websocket.query_params)
        name = params.get("stream")
        topic = await _resolve(websocket, viewer, name, params) if name else None
    except StreamError as exc:
        await _deny(websocket, exc.status, exc.message)
        return
    # Registered before the upgrade completes: whatever the client does once it sees the
    # handshake answer, the socket already hears about.
    conn = Connection(viewer, settings.streaming_queue_size)
    hub.registry.add(conn)
    if topic is not None:
        hub.registry.subscribe(conn, topic)
    writer = None
    try:
        await websocket.accept(subprotocol=protocol)
        writer = asyncio.create_task(_writer(websocket, conn))
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None and message.get("bytes") is not None:
                text = message["bytes"].decode("utf-8", "replace")
            if text:
                await _handle(websocket, conn, text)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client went away, or the writer closed the socket
    finally:
        hub.registry.remove(conn)
        if writer is not None:
            if not writer.done():
                writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer


# Clients use both spellings; Starlette redirects only HTTP, never a WebSocket handshake.
router.add_api_websocket_route("/api/v1/streaming", streaming)
router.add_api_websocket_route("/api/v1/streaming/", streaming)
