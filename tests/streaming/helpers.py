"""Helpers for the streaming tests: a real WebSocket client and ways to wait without sleeping.

Negative checks ("this socket never gets that post") need no fixed sleeps: ``settle``
waits until no job is due (every fan-out has committed, so its events were published),
then ``marker`` publishes one more event through the same FIFO pipeline; once the socket
receives the marker, anything published before it would already have arrived.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

from sqlalchemy import func, select
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from pyleroma.db.base import utcnow
from pyleroma.models import Job
from pyleroma.models.job import AVAILABLE, RUNNING
from pyleroma.streaming.events import emit

TIMEOUT = 10.0


class Socket:
    """A connected streaming client; ``next`` decodes the message and its payload."""

    def __init__(self, ws):
        self.ws = ws

    async def next(self, timeout: float = TIMEOUT) -> dict:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        data = json.loads(raw) if raw != "pong" else {"pong": True}
        payload = data.get("payload")
        if isinstance(payload, str) and data.get("event") != "delete":
            data["payload"] = json.loads(payload)
        return data

    async def send(self, data) -> None:
        await self.ws.send(data if isinstance(data, str) else json.dumps(data))

    async def call(self, data) -> None:
        """Send a subscribe/unsubscribe and wait until the server has handled it: the
        server answers messages in order, so its "pong" to a "ping" sent after proves it."""
        await self.send(data)
        await self.send("ping")
        reply = await self.next()
        assert reply == {"pong": True}, reply

    async def closed(self, timeout: float = TIMEOUT) -> ConnectionClosed:
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except ConnectionClosed as closed:
            return closed

    async def close(self) -> None:
        await self.ws.close()


async def open_socket(
    base: str, token: str | None = None, *, protocol: str | None = None, path: str = "", **query
) -> Socket:
    params = {k: v for k, v in query.items() if v is not None}
    if token:
        params["access_token"] = token
    url = f"{base}/api/v1/streaming{path}"
    if params:
        url += "?" + urlencode(params)
    ws = await connect(url, subprotocols=[protocol] if protocol else None, open_timeout=TIMEOUT)
    return Socket(ws)


async def refused(base: str, token: str | None = None, **query) -> int:
    """The HTTP status of a refused handshake."""
    try:
        socket = await open_socket(base, token, **query)
    except InvalidStatus as exc:
        return exc.response.status_code
    await socket.close()
    raise AssertionError("the handshake was accepted")


async def settle(app, timeout: float = TIMEOUT) -> None:
    """Until no job is due (every fan-out has committed and published its events) and the
    hub has dispatched everything published so far."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with app.state.sessionmaker() as session:
            due = await session.scalar(
                select(func.count())
                .select_from(Job)
                .where(Job.state.in_([AVAILABLE, RUNNING]), Job.scheduled_at <= utcnow())
            )
        if not due:
            await app.state.stream_hub.flush(timeout)
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("jobs did not finish")
        await asyncio.sleep(0.02)


async def publish(app, *events: dict) -> None:
    """Emit events in a committed transaction of their own (as a service would)."""
    async with app.state.sessionmaker() as session:
        for event in events:
            emit(session, event)
        await session.commit()


async def marker(app, account_id) -> None:
    """A ``filters_changed`` for the account's user sockets, after everything before it."""
    await settle(app)
    await publish(app, {"type": "filters_changed", "account_id": int(account_id)})


async def status_marker(app, status_id) -> None:
    """An ``update`` of a visible status, for sockets that have no user stream."""
    await settle(app)
    await publish(app, {"type": "status", "status_id": int(status_id)})
