"""Schema migrations (Alembic), run programmatically by ``pyleroma migrate`` and ``serve``.

The same revisions run on SQLite and PostgreSQL. Every upgrade or downgrade runs inside one
transaction on both engines (SQLite supports transactional DDL once we emit BEGIN ourselves),
so a failing revision leaves the database exactly as it was. On SQLite, foreign keys are
switched off for the migration connection: batch mode rebuilds a table by copying and
dropping it, and with foreign keys on, dropping ``accounts`` would cascade-delete every row
that points at it. A ``foreign_key_check`` before commit makes sure nothing was left dangling,
and the expression indexes such a rebuild loses are put back (``_ExpressionIndexKeeper``).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import pyleroma.models  # noqa: F401  (registers every table on the metadata)
from pyleroma.db import fulltext
from pyleroma.db.base import Base
from pyleroma.db.engine import make_engine
from pyleroma.settings import Settings

DB_DIR = Path(__file__).parent
ALEMBIC_INI = DB_DIR / "alembic.ini"
MIGRATIONS_DIR = DB_DIR / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
INITIAL_REVISION = "0001"
# Alembic warns that it cannot compare expression indexes on SQLite; see _add_expression_indexes.
EXPRESSION_INDEX_WARNING = ".*expression-based index"


class MigrationError(RuntimeError):
    """The database is not in a state the command can work with; the message says why."""


@dataclass
class Revision:
    id: str
    message: str


@dataclass
class MigrationReport:
    """What an upgrade or downgrade did, for the CLI to show."""

    before: str | None
    after: str | None
    applied: list[Revision] = field(default_factory=list)
    created_database: bool = False


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic config for the packaged migrations; works from an installed wheel too."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url:
        # ConfigParser interpolation: a literal % in a password must be doubled.
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str | None:
    return script_directory().get_current_head()


def migration_engine(url: str) -> AsyncEngine:
    """The app's engine, plus (on SQLite) real transactions and foreign keys off; see above."""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _migration_pragmas(dbapi_connection, _record):
            # Runs after make_engine's own listener, so it wins over its foreign_keys=ON.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.close()
            # Hand transaction control to SQLAlchemy: the driver would otherwise run DDL
            # outside any transaction.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _check_foreign_keys(connection: Connection) -> None:
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if rows:
        tables = sorted({row[0] for row in rows})
        raise MigrationError(f"migration left dangling foreign keys in: {', '.join(tables)}")


def _is_expression_index(index) -> bool:
    return any(not isinstance(expr, Column) for expr in index.expressions)


def _add_expression_indexes(context, script) -> None:
    """Add expression indexes (``lower(display_name)``) that autogenerate skips on SQLite.

    Alembic cannot reflect expression indexes from SQLite, so it leaves them out even for new
    tables; we add every one the scratch database lacks, matched by name.
    """
    connection = context.connection
    if connection is None or connection.dialect.name != "sqlite":
        return
    existing = {
        row[0]
        for row in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
    }
    metadata = context.opts["target_metadata"]
    for table in metadata.sorted_tables:
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            if _is_expression_index(index) and index.name not in existing:
                script.upgrade_ops.ops.append(ops.CreateIndexOp.from_index(index))
                script.downgrade_ops.ops.insert(0, ops.DropIndexOp.from_index(index))


def _process_revision_directives(context, _revision, directives) -> None:
    """Autogenerate hook: complete the expression indexes; write nothing when nothing changed."""
    if not directives:
        return
    script = directives[0]
    _add_expression_indexes(context, script)
    if context.config.attributes.get("skip_empty") and all(
        upgrade_ops.is_empty() for upgrade_ops in script.upgrade_ops_list
    ):
        directives[:] = []


def include_name(name, type_, _parent_names) -> bool:
    """Comparison filter: leave out the search objects the models do not describe (the FTS5
    table and its shadow tables, PostgreSQL-only indexes; db/fulltext.py)."""
    return not fulltext.is_search_object(name, type_)


def _configure_and_run(context, connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
        transactional_ddl=True,
        compare_type=True,
        include_name=include_name,
        process_revision_directives=_process_revision_directives,
    )
    if not sqlite:
        with context.begin_transaction():
            context.run_migrations()
        return
    keeper = _ExpressionIndexKeeper(connection)
    event.listen(connection, "after_cursor_execute", keeper.after_execute)
    try:
        with warnings.catch_warnings(), context.begin_transaction():
            # Batch mode cannot reflect expression indexes; the keeper puts them back.
            warnings.filterwarnings("ignore", message=EXPRESSION_INDEX_WARNING)
            context.run_migrations()
            _check_foreign_keys(connection)
    finally:
        event.remove(connection, "after_cursor_execute", keeper.after_execute)


CREATE_INDEX_RE = re.compile(
    r'\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?"?(\w+)"?\s+ON\s+"?(\w+)"?',
    re.IGNORECASE,
)
DROP_INDEX_RE = re.compile(r'\s*DROP\s+INDEX\s+(?:IF\s+EXISTS\s+)?"?(\w+)"?', re.IGNORECASE)
CREATE_TRIGGER_RE = re.compile(
    r'\s*CREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?"?(\w+)"?.*?\sON\s+"?(\w+)"?',
    re.IGNORECASE | re.DOTALL,
)
DROP_TRIGGER_RE = re.compile(r'\s*DROP\s+TRIGGER\s+(?:IF\s+EXISTS\s+)?"?(\w+)"?', re.IGNORECASE)
REBUILT_TABLE_RE = re.compile(
    r'\s*ALTER\s+TABLE\s+"?_alembic_tmp_(\w+)"?\s+RENAME\s+TO\s+"?(\w+)"?', re.IGNORECASE
)
PLAIN_COLUMN_RE = re.compile(r'^"?\w+"?(\s+COLLATE\s+\w+)?(\s+(ASC|DESC))?$', re.IGNORECASE)


def _indexed_terms(sql: str) -> list[str]:
    """The comma-separated terms between the parentheses of a CREATE INDEX statement."""
    start = sql.index("(", CREATE_INDEX_RE.match(sql).end())
    depth, terms, current = 0, [], ""
    for char in sql[start:]:
        depth += (char == "(") - (char == ")")
        if depth == 0:
            break
        if char == "," and depth == 1:
            terms.append(current)
            current = ""
        elif depth > 1 or char != "(":
            current += char
    return [term.strip() for term in [*terms, current]]


def _is_expression_index_sql(sql: str) -> bool:
    return any(not PLAIN_COLUMN_RE.match(term) for term in _indexed_terms(sql))


class _ExpressionIndexKeeper:
    """Puts back the expression indexes a batch table rebuild loses on SQLite.

    Alembic rebuilds a SQLite table (create a copy, move the rows, drop, rename) from its
    reflection, and SQLAlchemy cannot reflect expression indexes such as
    ``lower(display_name)``, so the rebuilt table would silently lack them. We follow every
    CREATE INDEX and DROP INDEX the migrations run, and right after each rebuild re-create the
    table's expression indexes that no revision dropped. One whose columns are gone stays
    gone. Triggers (the full-text search ones on ``statuses``, db/fulltext.py) go with the
    dropped table just the same and come back the same way.
    """

    def __init__(self, connection: Connection):
        rows = connection.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE type IN ('index', 'trigger') AND sql IS NOT NULL"
        )
        self.known: dict[str, tuple[str, str]] = {
            name: (table, sql)
            for kind, name, table, sql in rows
            if kind == "trigger" or _is_expression_index_sql(sql)
        }

    def after_execute(self, connection, _cursor, statement: str, *_args) -> None:
        if match := CREATE_INDEX_RE.match(statement):
            if _is_expression_index_sql(statement):
                self.known[match.group(1)] = (match.group(2), statement.strip())
        elif match := CREATE_TRIGGER_RE.match(statement):
            self.known[match.group(1)] = (match.group(2), statement.strip())
        elif match := (DROP_INDEX_RE.match(statement) or DROP_TRIGGER_RE.match(statement)):
            self.known.pop(match.group(1), None)
        elif match := REBUILT_TABLE_RE.match(statement):
            self._restore(connection, match.group(2))

    def _restore(self, connection, table: str) -> None:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(
                "SELECT name FROM sqlite_master "
                "WHERE type IN ('index', 'trigger') AND tbl_name = ?",
                (table,),
            )
            present = {row[0] for row in cursor.fetchall()}
            for name, (index_table, sql) in list(self.known.items()):
                if index_table != table or name in present:
                    continue
                try:
                    cursor.execute(sql)
                except Exception:  # its columns were dropped or renamed: it cannot come back
                    del self.known[name]
        finally:
            cursor.close()


def run_migrations_from_env(context) -> None:
    """Body of migrations/env.py.

    Programmatic callers (this module) pass an open connection in
    ``config.attributes["connection"]`` and own its transaction; the ``alembic`` command line
    gets an engine of its own on the configured URL, or the one from pyleroma's settings.
    """
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(context, connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from pyleroma.settings import load_settings

        settings = load_settings()
        url = settings.effective_database_url
        if not context.is_offline_mode():
            prepare_data_dir(settings)
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"})
        with context.begin_transaction():
            context.run_migrations()
        return

    async def run() -> None:
        engine = migration_engine(url)
        try:
            async with engine.connect() as conn:
                await conn.run_sync(lambda sync: _configure_and_run(context, sync))
                await conn.commit()
        finally:
            await engine.dispose()

    asyncio.run(run())


def prepare_data_dir(settings: Settings) -> bool:
    """Create the data dir; True when the SQLite database file does not exist yet."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings.is_sqlite and not settings.database_file.exists()


async def _with_connection(url: str, work):
    engine = migration_engine(url)
    try:
        async with engine.connect() as conn:
            result = await conn.run_sync(work)
            await conn.commit()
            return result
    finally:
        await engine.dispose()


def _between(upper: str | None, lower: str | None) -> list[Revision]:
    """Revisions above ``lower`` up to and including ``upper``, newest first."""
    if upper is None or upper == lower:
        return []
    return [
        Revision(s.revision, (s.doc or "").strip())
        for s in script_directory().iterate_revisions(upper, lower or "base")
        if s is not None and s.revision != lower
    ]


async def upgrade(settings: Settings, revision: str = "head") -> MigrationReport:
    """Bring the configured database to ``revision`` (creating the data dir and SQLite file)."""
    created = prepare_data_dir(settings)
    config = alembic_config(settings.effective_database_url)
    # Revisions that mint URLs for existing rows (0008) need the instance's base URL.
    config.attributes["base_url"] = settings.base_url

    def work(connection: Connection) -> tuple[str | None, str | None]:
        config.attributes["connection"] = connection
        before = _current(connection)
        command.upgrade(config, revision)
        return before, _current(connection)

    before, after = await _with_connection(settings.effective_database_url, work)
    return MigrationReport(before, after, list(reversed(_between(after, before))), created)


async def downgrade(settings: Settings, revision: str = "base") -> MigrationReport:
    """Undo revisions down to ``revision`` ("base" removes every table)."""
    if prepare_data_dir(settings):
        raise MigrationError(f"no database at {settings.database_file}")
    config = alembic_config(settings.effective_database_url)

    def work(connection: Connection) -> tuple[str | None, str | None]:
        config.attributes["connection"] = connection
        before = _current(connection)
        command.downgrade(config, revision)
        return before, _current(connection)

    before, after = await _with_connection(settings.effective_database_url, work)
    return MigrationReport(before, after, _between(before, after))


async def current_revision(settings: Settings) -> str | None:
    """The revision the database is at; None for an empty (or missing SQLite) database."""
    if settings.is_sqlite and not settings.database_file.exists():
        return None
    return await _with_connection(settings.effective_database_url, _current)


async def ensure_migrated(settings: Settings) -> None:
    """Refuse to work on a database whose schema is not the one this code expects."""
    current = await current_revision(settings)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise MigrationError(
            "the database has no tables yet: run `pyleroma migrate` (or `pyleroma serve`) first"
        )
    raise MigrationError(
        f"the database is at revision {current} but this pyleroma expects {head}: "
        "run `pyleroma migrate`"
    )


# -- writing new revisions (development only: ./scripts/make-migration) ------------------


def _revision_files() -> list[Path]:
    return sorted(p for p in VERSIONS_DIR.glob("*.py") if not p.name.startswith("_"))


def _next_rev_id() -> str:
    numbers = [int(p.name[:4]) for p in _revision_files() if p.name[:4].isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def _tidy(path: Path) -> None:
    """Format a generated revision with ruff when it is installed (it is in the test deps)."""
    ruff = Path(sys.executable).parent / "ruff"
    ruff_cmd = str(ruff) if ruff.exists() else shutil.which("ruff")
    if not ruff_cmd:
        return
    subprocess.run([ruff_cmd, "format", "--quiet", str(path)], check=False)
    subprocess.run([ruff_cmd, "check", "--fix-only", "--quiet", str(path)], check=False)
    subprocess.run([ruff_cmd, "format", "--quiet", str(path)], check=False)


def generate_revision(message: str, *, replace_initial: bool = False) -> Path | None:
    """Write a revision from the difference between the models and the current migrations.

    The comparison runs against a scratch SQLite database brought to head, so nobody's real
    database is touched. With ``replace_initial`` every existing revision is removed and
    0001_initial.py is written from scratch (allowed only until the first release, since it
    rewrites history that deployed databases would already have). Returns the new file, or
    None when the models and migrations already agree.
    """
    if replace_initial:
        for path in _revision_files():
            path.unlink()
        message, rev_id = "initial", INITIAL_REVISION
    else:
        rev_id = _next_rev_id()
    with tempfile.TemporaryDirectory(prefix="pyleroma-make-migration-") as scratch:
        settings = Settings(data_dir=Path(scratch))
        url = settings.effective_database_url
        asyncio.run(upgrade(settings))
        config = alembic_config(url)
        config.attributes["skip_empty"] = not replace_initial

        def work(connection: Connection):
            config.attributes["connection"] = connection
            return command.revision(config, message=message, autogenerate=True, rev_id=rev_id)

        with warnings.catch_warnings():
            # Handled by _add_expression_indexes.
            warnings.filterwarnings("ignore", message=EXPRESSION_INDEX_WARNING)
            script = asyncio.run(_with_connection(url, work))
    if not script:
        return None
    path = Path(script.path)
    _tidy(path)
    return path
