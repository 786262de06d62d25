"""The sockets connected to this process, indexed by what they listen to.

A ``Connection`` never writes to its socket itself: the dispatcher queues ready-made text
frames (``send``) and the socket's own writer task drains the queue, so one slow client
never holds up the others. A client that falls ``queue_size`` messages behind is closed
(1013, try again later) rather than buffered without bound; it reconnects and reloads.

The ``Registry`` answers the dispatcher's questions without touching the database: who
listens to topic T, which accounts have a ``user`` socket here, which sockets hold token X.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from pyleroma.streaming.topics import Topic, Viewer

CLOSE_POLICY = 1008  # revoked or expired token, deactivated account
CLOSE_TRY_AGAIN = 1013  # too slow to keep up
CLOSE_GOING_AWAY = 1001  # the server shuts down


class Connection:
    def __init__(self, viewer: Viewer, queue_size: int = 1000):
        self.viewer = viewer
        self.topics: set[Topic] = set()
        self.queue: asyncio.Queue[str | tuple[int, str]] = asyncio.Queue(maxsize=queue_size)
        self.closing = False

    @property
    def account_id(self) -> int | None:
        return self.viewer.account_id

    @property
    def token_id(self) -> int | None:
        return self.viewer.token_id

    def send(self, text: str) -> None:
        """Queue a text frame; a client too far behind is closed instead."""
        if self.closing:
            return
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.close(CLOSE_TRY_AGAIN, "Too many unread messages")

    def close(self, code: int, reason: str) -> None:
        """Ask the writer to close the socket after what is already queued goes out."""
        if self.closing:
            return
        self.closing = True
        while True:  # make room: the close frame must get through
            try:
                self.queue.put_nowait((code, reason))
                return
            except asyncio.QueueFull:
                self.queue.get_nowait()


class Registry:
    def __init__(self) -> None:
        self.connections: set[Connection] = set()
        # name -> key -> sockets, so "every account with a user socket" is one dict lookup.
        self._topics: dict[str, dict[Any, set[Connection]]] = defaultdict(dict)
        self._by_token: dict[int, set[Connection]] = defaultdict(set)

    def __len__(self) -> int:
        return len(self.connections)

    def add(self, conn: Connection) -> None:
        self.connections.add(conn)
        if conn.token_id is not None:
            self._by_token[conn.token_id].add(conn)

    def authenticate(self, conn: Connection, viewer: Viewer) -> None:
        """A socket that logged in after it opened (Pleroma's ``pleroma:authenticate``): it
        is that viewer's from now on, and closes when its token is revoked."""
        conn.viewer = viewer
        if conn.token_id is not None:
            self._by_token[conn.token_id].add(conn)

    def remove(self, conn: Connection) -> None:
        for topic in list(conn.topics):
            self.unsubscribe(conn, topic)
        self.connections.discard(conn)
        if conn.token_id is not None:
            holders = self._by_token.get(conn.token_id)
            if holders is not None:
                holders.discard(conn)
                if not holders:
                    del self._by_token[conn.token_id]

    def subscribe(self, conn: Connection, topic: Topic) -> None:
        name, key = topic
        conn.topics.add(topic)
        self._topics[name].setdefault(key, set()).add(conn)

    def unsubscribe(self, conn: Connection, topic: Topic) -> None:
        name, key = topic
        conn.topics.discard(topic)
        by_key = self._topics.get(name)
        if not by_key:
            return
        sockets = by_key.get(key)
        if sockets is None:
            return
        sockets.discard(conn)
        if not sockets:
            del by_key[key]

    def subscribers(self, name: str, key: Any = None) -> set[Connection]:
        return self._topics.get(name, {}).get(key, set())

    def keys(self, name: str) -> list[Any]:
        """The keys of ``name`` someone listens to: account ids, tags, list ids..."""
        return list(self._topics.get(name, {}))

    def with_tokens(self, token_ids: Iterable[int]) -> list[Connection]:
        found: list[Connection] = []
        for token_id in token_ids:
            found.extend(self._by_token.get(token_id, ()))
        return found

    def token_ids(self) -> list[int]:
        return list(self._by_token)
