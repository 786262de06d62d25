"""SQLite through aiosqlite with one thread hop per statement instead of three or four.

aiosqlite runs the sqlite3 connection in a thread of its own; each call into it (make a
cursor, execute, fetch the rows, close the cursor) is a hop there and back: a queue put, a
wake-up of that thread, a callback scheduled on the event loop and a wake-up of the loop,
with the GIL handed over twice. SQLAlchemy's adapter makes three to four such hops per
statement. Measured with py-spy while posting, more than half of the request's samples on
the event loop's thread were those hand-overs (DESIGN.md's read path asks for one hop per
request at most on SQLite).

This adapter keeps SQLAlchemy's aiosqlite dialect and replaces only its cursor: the
sqlite3 cursor is made, executed, drained and closed inside a single hop, and what
SQLAlchemy later asks of it (rows, description, rowcount, lastrowid) is answered from what
that hop brought back; a rollback with no transaction open makes no hop at all.
``make_engine`` passes it as the dialect's DBAPI module
(``module=``), so URLs stay ``sqlite+aiosqlite://`` and nothing else changes.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_


def _run(conn: sqlite3.Connection, operation: str, parameters, many: bool) -> tuple:
    """In aiosqlite's thread: the whole life of one sqlite3 cursor."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statement runs, with its rows fetched, in one hop."""

    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection):
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # no sqlite3 cursor lives between calls
        self._soft_closed_memoized = {}
        self._rows = collections.deque()
        self._description = None
        self._rowcount = -1
        self._lastrowid = None

    @property
    def description(self):
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self):
        return self._lastrowid

    async def _hop(self, operation: str, parameters, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            driver = self._connection
            found = await driver._execute(_run, driver._conn, operation, parameters, many)
        self._description, rows, self._rowcount, self._lastrowid = found
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: str, parameters) -> None:
        await self._hop(operation, parameters, False)

    async def _executemany_async(self, operation: str, seq_of_parameters) -> None:
        await self._hop(operation, seq_of_parameters, True)

    async def _async_soft_close(self) -> None:
        return  # nothing is open: the rows are already here

    def close(self) -> None:
        self._rows.clear()


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor

    def rollback(self) -> None:
        """No hop when there is nothing to roll back: the pool rolls back every connection
        it gets back, and most come back after a commit (or after reads only, which open
        no transaction in sqlite3's default mode). Reading the flag from this thread is
        safe because nothing else runs on the connection meanwhile (``make_engine``
        opens it with ``check_same_thread=False`` for this)."""
        conn = self._connection._connection
        if conn is not None and not conn.in_transaction:
            return
        super().rollback()


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI shim whose connections make ``OneHopCursor``s."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        creator = kw.pop("async_creator_fn", None)
        connection = creator(*arg, **kw) if creator else self.aiosqlite.connect(*arg, **kw)
        if not creator:
            connection._thread.daemon = True  # as SQLAlchemy's shim: never block exit
        return OneHopConnection(self, await_(connection))


def one_hop_dbapi() -> OneHopDBAPI:
    return OneHopDBAPI(aiosqlite, sqlite3)
