"""Bulk writes for the data generator, straight to the database driver.

The generator writes millions of rows; going through the ORM (or even SQLAlchemy Core's
executemany) would spend most of its time building and processing parameter dicts. So rows
are plain tuples in a declared column order and go to the driver in large batches:
``executemany`` on SQLite (the sqlite3 module loops in C) and ``COPY`` on PostgreSQL
(asyncpg's ``copy_records_to_table``, the fastest way in). Values still pass through the
column types' SQLAlchemy bind processors, so booleans, datetimes and JSON are stored exactly
as the app stores them (SQLite keeps datetimes as ``YYYY-MM-DD HH:MM:SS.ffffff`` text, and
string comparison of those is what the app's queries rely on).

SQL passed to ``execute``/``executemany``/``fetch`` uses ``?`` placeholders on both engines.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Sequence

from sqlalchemy import Table
from sqlalchemy.engine import make_url

from pyleroma.db.fulltext import register_sqlite_functions

_PLACEHOLDER = re.compile(r"\?")


def _to_dollar(sql: str) -> str:
    """``?`` placeholders to asyncpg's ``$1, $2, ...``."""
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _m: f"${next(counter)}", sql)


class Sink:
    """One connection to the benchmark database; subclasses speak to one driver."""

    name = ""
    analyze_by_default = False

    def __init__(self, url: str):
        self.url = url
        self.dialect = make_url(url).get_dialect()()
        self._processors: dict[tuple[str, tuple[str, ...]], list] = {}

    def processors(self, table: Table, columns: Sequence[str]) -> list:
        """(position, bind processor) for the columns whose values need converting."""
        key = (table.name, tuple(columns))
        found = self._processors.get(key)
        if found is None:
            found = []
            for position, name in enumerate(columns):
                processor = table.c[name].type._cached_bind_processor(self.dialect)
                if processor is not None:
                    found.append((position, processor))
            self._processors[key] = found
        return found

    def convert(self, table: Table, columns: Sequence[str], rows: list[tuple]) -> list[tuple]:
        procs = self.processors(table, columns)
        if not procs:
            return rows
        converted = []
        for row in rows:
            values = list(row)
            for position, processor in procs:
                values[position] = processor(values[position])
            converted.append(tuple(values))
        return converted

    async def open(self) -> None:
        raise NotImplementedError

    async def insert(self, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
        raise NotImplementedError

    async def execute(self, sql: str, params: Sequence = ()) -> None:
        raise NotImplementedError

    async def executemany(self, sql: str, rows: list[tuple]) -> None:
        raise NotImplementedError

    async def fetch(self, sql: str, params: Sequence = ()) -> list[tuple]:
        raise NotImplementedError

    async def commit(self) -> None:
        raise NotImplementedError

    async def analyze(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class SqliteSink(Sink):
    """sqlite3 (synchronous: the generator is the only user of the file while it runs).

    ``synchronous=OFF`` and a large page cache speed up the load; a crash mid-way only loses
    a data set that is regenerated anyway. Foreign keys stay on, so a generator bug that
    writes a dangling reference fails loudly instead of producing a broken data set.
    """

    name = "sqlite"
    # pyleroma never runs ANALYZE (nor PRAGMA optimize) on SQLite, so a live instance has no
    # planner statistics; the benchmark database should not have them either.
    analyze_by_default = False

    async def open(self) -> None:
        path = make_url(self.url).database
        self.conn = sqlite3.connect(path)
        for pragma in (
            "journal_mode=WAL",
            "synchronous=OFF",
            "foreign_keys=ON",
            "cache_size=-262144",
            "temp_store=MEMORY",
            "busy_timeout=30000",
        ):
            self.conn.execute(f"PRAGMA {pragma}")
        # The full-text triggers call it, as on the app's own connections (db/fulltext.py).
        register_sqlite_functions(self.conn)

    async def insert(self, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
        if not rows:
            return
        marks = ", ".join("?" for _ in columns)
        sql = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({marks})'

        # In this thread: sqlite3 releases the GIL around every row's step, and with the
        # generator running in another thread the two fight for it (measured slower).
        self.conn.executemany(sql, self.convert(table, columns, rows))

    async def execute(self, sql: str, params: Sequence = ()) -> None:
        self.conn.execute(sql, tuple(params))

    async def executemany(self, sql: str, rows: list[tuple]) -> None:
        self.conn.executemany(sql, rows)

    async def fetch(self, sql: str, params: Sequence = ()) -> list[tuple]:
        return self.conn.execute(sql, tuple(params)).fetchall()

    async def commit(self) -> None:
        self.conn.commit()

    async def analyze(self) -> None:
        self.conn.commit()
        self.conn.execute("ANALYZE")
        self.conn.commit()

    async def close(self) -> None:
        self.conn.commit()
        # Fold the WAL back into the database file so the server starts from a clean file.
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


class PostgresSink(Sink):
    """asyncpg; every statement outside an explicit transaction commits on its own.

    Each COPY batch is atomic by itself, so nothing needs a long transaction (which would
    keep millions of rows' worth of WAL and locks around). ``synchronous_commit=off`` for
    this session only: durability of a regenerable data set does not matter.
    """

    name = "postgresql"
    # Autovacuum analyzes a live server's tables soon after a large change.
    analyze_by_default = True

    async def open(self) -> None:
        import asyncpg

        dsn = make_url(self.url).set(drivername="postgresql").render_as_string(False)
        self.conn = await asyncpg.connect(dsn)
        await self.conn.execute("SET synchronous_commit = off")
        # Foreign-key triggers off for this session (halves the load time). Superusers
        # only; others load with the checks on. The smoke test checks every reference.
        with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
            await self.conn.execute("SET session_replication_role = replica")

    async def insert(self, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
        if not rows:
            return
        await self.conn.copy_records_to_table(
            table.name, records=self.convert(table, columns, rows), columns=list(columns)
        )

    async def execute(self, sql: str, params: Sequence = ()) -> None:
        await self.conn.execute(_to_dollar(sql), *params)

    async def executemany(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            await self.conn.executemany(_to_dollar(sql), rows)

    async def fetch(self, sql: str, params: Sequence = ()) -> list[tuple]:
        return [tuple(r) for r in await self.conn.fetch(_to_dollar(sql), *params)]

    async def commit(self) -> None:
        return None

    async def analyze(self) -> None:
        # What autovacuum would soon do on a live server: statistics and the visibility map
        # (index-only scans) for the freshly loaded tables.
        await self.conn.execute("VACUUM ANALYZE")

    async def close(self) -> None:
        await self.conn.close()


def make_sink(url: str) -> Sink:
    if url.startswith("sqlite"):
        return SqliteSink(url)
    if url.startswith("postgresql"):
        return PostgresSink(url)
    raise ValueError(f"unsupported database URL for the generator: {url}")
