"""Counting the SQL statements a piece of work runs: through SQLAlchemy and through the
prepared statements of db/fastread.py, which bypass SQLAlchemy's events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from pyleroma.db import fastread


@contextmanager
def counting_statements(engine) -> Iterator[list[str]]:
    """Yields the list the statements' SQL is appended to while the block runs."""
    found: list[str] = []

    def on_cursor(_conn, _cursor, statement, *_rest) -> None:
        found.append(statement)

    def on_batch(work, _seconds) -> None:
        found.extend(sql for sql, _args in work)

    event.listen(engine.sync_engine, "before_cursor_execute", on_cursor)
    fastread.observers.append(on_batch)
    try:
        yield found
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", on_cursor)
        fastread.observers.remove(on_batch)
