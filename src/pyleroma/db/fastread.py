"""Reads whose cost is the data, not the library (DESIGN.md, "The read path").

The ORM per request measured ~20 ms of Python for 0.4 ms of SQL: building statements,
computing cache keys, loading objects, and one aiosqlite thread hop per statement. This
module keeps SQLAlchemy Core as the way statements are *written* (so the visibility rules of
policy/visibility.py stay in one place) but compiles each statement once per dialect and runs
it on the session's own driver connection:

- ``Prepared(stmt)``: a Core statement written once at import, with named ``bindparam``s
  for everything that varies per request. It is compiled on first use for each dialect into
  SQL text, the order of its parameters and its bind/result type processors (the very ones
  SQLAlchemy would apply), so a row reads back exactly as through the ORM.
- ``in_list(column, name)``: ``column IN (list)`` with one parameter for the whole list (a
  JSON array through ``json_each`` on SQLite, ``= ANY(array)`` on PostgreSQL), so the SQL
  text does not change with the list's length and stays compiled.
- ``reader(session)``: runs a batch of prepared statements on the connection the session
  already holds (same transaction, so a read sees the session's flushed writes): on SQLite
  the whole batch in *one* hop to aiosqlite's thread, on PostgreSQL straight on asyncpg.
- ``row_type(Model)``: light read-only rows (named tuples with the model's attribute names
  and its plain properties) that the renderers read exactly like ORM objects.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    ColumnElement,
    Float,
    Text,
    TypeDecorator,
    bindparam,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Select

# --- one parameter for a list ----------------------------------------------------------------


class IdList(TypeDecorator):
    """A list of integers bound as one parameter: JSON text for SQLite's ``json_each``, an
    array for asyncpg."""

    impl = Text
    cache_ok = True
    item_type = BigInteger
    convert = int

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(self.item_type()))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value, dialect):
        values = [self.convert(v) for v in value]
        if dialect.name == "sqlite":
            return orjson.dumps(values).decode()
        return values


class TextList(IdList):
    """A list of strings bound as one parameter (see ``IdList``)."""

    item_type = Text
    convert = str


class _InList(ColumnElement):
    inherit_cache = True
    type = Boolean()
    # A predicate in its own right: without this, SQLite (no native booleans) gets
    # ``... IN (...) = 1`` inside AND/OR, which no index can serve (a full scan of the
    # statuses at 1M rows: 0.9 s per page).
    _is_implicitly_boolean = True

    def __init__(self, column, param):
        self.column = column
        self.param = param


@compiles(_InList)
def _in_list_any(element, compiler, **kw):
    column = compiler.process(element.column, **kw)
    return f"{column} = ANY({compiler.process(element.param, **kw)})"


@compiles(_InList, "sqlite")
def _in_list_sqlite(element, compiler, **kw):
    column = compiler.process(element.column, **kw)
    return f"{column} IN (SELECT value FROM json_each({compiler.process(element.param, **kw)}))"


def in_list(column, name: str, *, text: bool = False) -> ColumnElement:
    """``column IN (:name)`` where ``:name`` is bound to a whole list (of ints, or ``text``)."""
    return _InList(column, bindparam(name, type_=TextList() if text else IdList()))


# --- statements compiled once per dialect ----------------------------------------------------


class _Compiled:
    __slots__ = ("sql", "names", "defaults", "bind_procs", "converted")

    def __init__(self, stmt, dialect):
        compiled = stmt.compile(dialect=dialect)
        required = {name for name, bind in compiled.binds.items() if bind.required}
        if any(compiled.binds[name].expanding for name in required):
            raise ValueError("a prepared statement must bind lists with in_list(), not in_()")
        # Constant lists (``visibility IN ('public', ...)``) are "expanding" parameters that
        # SQLAlchemy renders at execution; their length never changes here, so expand them
        # now, once, exactly as SQLAlchemy would.
        expanded = compiled._process_parameters_for_postcompile(
            compiled.construct_params({name: None for name in required}),
            _populate_self=False,
        )
        if expanded.positiontup is None:  # both drivers take positional parameters
            raise ValueError(f"{dialect.name}: a positional paramstyle is expected")
        self.sql = expanded.statement
        self.names = list(expanded.positiontup)
        self.defaults = {k: v for k, v in expanded.parameters.items() if k not in required}
        self.bind_procs = {**compiled._bind_processors, **(expanded.processors or {})}
        # An INSERT ... SELECT without RETURNING selects nothing back.
        selected = getattr(stmt, "selected_columns", ())
        procs = [_result_processor(c.type, dialect) for c in selected]
        # Only the columns whose values need converting (datetimes, booleans, JSON).
        self.converted = [(i, proc) for i, proc in enumerate(procs) if proc is not None]

    def args(self, params: dict[str, Any]) -> list:
        out = []
        for name in self.names:
            value = params[name] if name in params else self.defaults[name]
            proc = self.bind_procs.get(name)
            out.append(proc(value) if proc is not None and value is not None else value)
        return out

    def rows(self, raw: Iterable[Sequence]) -> list[tuple]:
        converted = self.converted
        if not converted:
            return [tuple(r) for r in raw]
        result = []
        for r in raw:
            values = list(r)
            for i, proc in converted:
                values[i] = proc(values[i])
            result.append(tuple(values))
        return result


# PostgreSQL's type code for double precision: SQLAlchemy's asyncpg dialect asks for the
# column's type code to decide a Float's processor, which only a cursor would tell.
_PG_FLOAT8 = 701


def _result_processor(type_, dialect):
    """The processor SQLAlchemy applies to a value of ``type_`` read through ``dialect``."""
    coltype = _PG_FLOAT8 if dialect.name == "postgresql" and isinstance(type_, Float) else None
    return type_._cached_result_processor(dialect, coltype)


class Prepared:
    """A Core select written once; compiled once per dialect (``compiled``).

    A DML statement is allowed too (the home fan-out's INSERT ... SELECT), but only for
    tables the entity caches do not track (cache/changes.py): the session's change
    tracking does not see statements run here.
    """

    __slots__ = ("stmt", "_by_dialect")

    def __init__(self, stmt: Select):
        self.stmt = stmt
        self._by_dialect: dict[str, _Compiled] = {}

    def compiled(self, dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = _Compiled(self.stmt, dialect)
        return found


# --- running a batch on the session's connection ---------------------------------------------


# Benchmarks count statements and time them (benchmarks/profile_request.py): callbacks
# given (statements, seconds) for each batch. Empty in a server, so it costs one test.
observers: list = []


class Reader:
    """Prepared statements run on the driver connection a session holds."""

    __slots__ = ("dialect", "_driver", "_sqlite")

    def __init__(self, dialect, driver):
        self.dialect = dialect
        self._driver = driver
        self._sqlite = dialect.name == "sqlite"

    async def run(self, batch: Sequence[tuple[Prepared, dict[str, Any]]]) -> list[list[tuple]]:
        """The rows of each statement of ``batch``, in order: one thread hop on SQLite."""
        compiled = [(p.compiled(self.dialect), params) for p, params in batch]
        work = [(c.sql, c.args(params)) for c, params in compiled]
        started = time.perf_counter() if observers else 0.0
        if self._sqlite:
            raw = await self._driver._execute(_run_sqlite, self._driver._conn, work)
        else:
            raw = [await self._driver.fetch(sql, *args) for sql, args in work]
        if observers:
            elapsed = time.perf_counter() - started
            for observer in observers:
                observer(work, elapsed)
        return [c.rows(rows) for (c, _), rows in zip(compiled, raw, strict=True)]

    async def one(self, prepared: Prepared, params: dict[str, Any]) -> list[tuple]:
        return (await self.run([(prepared, params)]))[0]


def _run_sqlite(conn, work: list[tuple[str, list]]) -> list[list]:
    """Runs in aiosqlite's thread, where its sqlite3 connection lives."""
    return [conn.execute(sql, args).fetchall() for sql, args in work]


async def reader(session: AsyncSession) -> Reader:
    """A Reader on ``session``'s connection, after flushing what the session holds unsent
    (a raw read must see the session's own writes, as an ORM query would after autoflush)."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    found = session.info.get("_fastread")
    connection = await session.connection()
    if found is not None and found[0] is connection:
        return found[1]
    raw = await connection.get_raw_connection()
    made = Reader(connection.dialect, raw.driver_connection)
    session.info["_fastread"] = (connection, made)
    return made


# --- light rows --------------------------------------------------------------------------------

_ROW_TYPES: dict[type, tuple[type, Any]] = {}


def _plain_properties(model: type) -> dict[str, property]:
    found = {}
    for klass in reversed(model.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, property):
                found[name] = value
    return found


def row_type(model: type, *, exclude: Iterable[str] = ()) -> tuple[type, list]:
    """A named-tuple type with ``model``'s column attributes (minus ``exclude``) and its
    plain properties, and the list of columns to select for it, in the tuple's order."""
    key = (model, tuple(sorted(exclude)))
    cached = _ROW_TYPES.get(key)
    if cached is not None:
        return cached
    skip = set(exclude)
    attrs = [a for a in model.__mapper__.column_attrs if a.key not in skip]
    base = collections.namedtuple(f"{model.__name__}Row", [a.key for a in attrs])
    namespace = {"__slots__": (), **_plain_properties(model)}
    made = type(f"{model.__name__}Row", (base,), namespace)
    columns = [a.columns[0] for a in attrs]
    _ROW_TYPES[key] = (made, columns)
    return made, columns
