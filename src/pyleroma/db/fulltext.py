"""Full-text and prefix search indexes that the models cannot describe, for both engines.

One definition serves two users: ``install`` hooks the DDL onto ``statuses`` (and
``accounts``, ``hashtags``) ``after_create``, so ``Base.metadata.create_all`` in tests builds
them, and migration 0005 runs the same statements (``upgrade_statements``) on an existing
database, where they also index the rows already there.

What is indexed: a status's text is its rendered ``content`` with HTML tags and entities
replaced by spaces, plus its ``spoiler_text`` (``search_text``; the same rule in Python for
SQLite and as a regular expression in PostgreSQL). Reblogs are never found: search answers
originals only (SQLite does not index them; PostgreSQL's document of a reblog is NULL).

- PostgreSQL: a GIN expression index over ``to_tsvector('simple', <text>)``. The
  ``simple`` configuration lower-cases and neither stems nor drops stop words, so every
  language is searched alike. Queries must repeat the indexed expression exactly
  (``pg_document``), with constants written inline, not bound: the planner matches an
  expression index only against identical constants. No extra column, so nothing is
  stored twice, and the migration is one ``CREATE INDEX``. Searches run with custom plans
  and without JIT (``pg_plan_for_each_query``). Three ``text_pattern_ops`` indexes serve
  ``LIKE 'prefix%'`` for account and hashtag search whatever the database collation (plain
  b-tree indexes only do that under the C locale).
- SQLite: an FTS5 table ``statuses_fts`` (its own copy of the text, so a row can be deleted
  by rowid alone) kept in sync by three triggers on ``statuses``. The triggers call
  ``pyleroma_search_text``, a deterministic SQL function every connection of ours registers
  (``register_sqlite_functions``, called by db/engine.py): SQLite has no regular
  expressions of its own to strip HTML with. A connection without it (the ``sqlite3``
  shell) can read statuses but not write them. Prefix search on SQLite needs no index of
  its own: range comparisons use the existing binary-collation indexes.

The FTS5 table and its shadow tables, the triggers and the PostgreSQL-only indexes are not
in the models, so the migration comparison skips them by name (``is_search_object``).
"""

from __future__ import annotations

import re

from sqlalchemy import DDL, Table, column, event, func, literal_column, table, text

SQLITE_FUNCTION = "pyleroma_search_text"
FTS_TABLE = "statuses_fts"
PG_INDEX = "ix_statuses_fulltext"
PG_PREFIX_INDEXES = {
    "ix_accounts_nickname_key_prefix": ("accounts", "nickname_key text_pattern_ops"),
    "ix_accounts_display_name_prefix": ("accounts", "lower(display_name) text_pattern_ops"),
    "ix_hashtags_name_prefix": ("hashtags", "name text_pattern_ops"),
}
SQLITE_TRIGGERS = ("statuses_fts_insert", "statuses_fts_update", "statuses_fts_delete")
# HTML tags and character references; both become a space, which tokenises like the
# character a reference stands for (our content never encodes letters as entities).
MARKUP_PATTERN = r"<[^>]*>|&[#0-9A-Za-z]+;"
_MARKUP_RE = re.compile(MARKUP_PATTERN)

# The FTS5 table as a lightweight table clause for queries (never created from here).
fts_table = table(FTS_TABLE, column("rowid"), column("body"))


def search_text(content: str | None, spoiler_text: str | None) -> str:
    """The text of a status that search sees (the SQLite function; PostgreSQL's twin is
    ``pg_document``)."""
    return f"{_MARKUP_RE.sub(' ', content or '')} {spoiler_text or ''}"


def pg_document(prefix: str = "") -> str:
    """The indexed tsvector expression; ``prefix`` qualifies the columns in a query.

    A reblog's document is NULL, which matches no query at all (not even ``-word``), so
    queries need no ``reblog_of_id IS NULL`` of their own: that condition tempts the
    planner to AND in a scan of a whole index that can answer it.
    """
    return (
        f"to_tsvector('simple'::regconfig, CASE WHEN {prefix}reblog_of_id IS NULL THEN "
        f"regexp_replace({prefix}content, '{MARKUP_PATTERN}', ' ', 'g')"
        f" || ' ' || {prefix}spoiler_text END)"
    )


def pg_matches(query: str):
    """SQL on ``statuses``: its document matches ``query``, read as a web search
    (``websearch_to_tsquery``: words, "quoted phrases", ``or``, ``-word``)."""
    tsquery = func.websearch_to_tsquery(literal_column("'simple'::regconfig"), query)
    return literal_column(pg_document("statuses.")).op("@@")(tsquery)


async def pg_plan_for_each_query(session) -> None:
    """Plan the rest of this transaction's statements for their actual parameters, without
    JIT compilation (PostgreSQL; measured in BENCHMARKS.md).

    A prepared statement (asyncpg prepares every one) gets a generic plan after five runs
    when that looks no dearer, and a generic plan cannot know how common the searched word
    is: it guesses rare, and then reads every status with a common word (100 ms for one in
    10% of 200,000 statuses) instead of walking the newest ones (2 ms). And the estimated
    cost of rechecking a few thousand matches passes ``jit_above_cost``: compiling took
    70 ms of a 95 ms query.
    """
    await session.execute(
        text(
            "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
            "set_config('jit', 'off', true)"
        )
    )


# A web-search query: "a phrase" (closing quote optional), or a bare word; either may
# carry a leading "-" (exclude).
_QUERY_TERM_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_TOKEN_RE = re.compile(r"[^\W_]")


def fts5_query(query: str) -> str | None:
    """The FTS5 MATCH expression for a web-search query, with PostgreSQL's
    ``websearch_to_tsquery`` meaning: terms are ANDed, ``or`` between terms separates
    alternatives, ``-term`` excludes, quotes make a phrase. Every term is passed as an FTS5
    string, so no input can be a syntax error. None when nothing could match (no term with
    a letter or digit, or only exclusions)."""
    groups: list[tuple[list[str], list[str]]] = [([], [])]
    for match in _QUERY_TERM_RE.finditer(query):
        negate, phrase, word = match.group(1) == "-", match.group(2), match.group(3)
        if word is not None:
            if word.lower() == "or" and (groups[-1][0] or groups[-1][1]):
                groups.append(([], []))
                continue
            negate = word.startswith("-") and len(word) > 1
            phrase = word[1:] if negate else word
        if not _TOKEN_RE.search(phrase):
            continue
        quoted = '"' + phrase.replace('"', '""') + '"'
        groups[-1][1 if negate else 0].append(quoted)
    alternatives = []
    for included, excluded in groups:
        if not included:
            continue
        expression = " AND ".join(included)
        if excluded:
            expression = f"({expression}) NOT ({' OR '.join(excluded)})"
        alternatives.append(f"({expression})")
    return " OR ".join(alternatives) or None


def sqlite_matches(match_expression: str):
    """SQL on ``statuses_fts``: its body matches an ``fts5_query`` expression."""
    return fts_table.c.body.match(match_expression)


# --- DDL ------------------------------------------------------------------------------------

_SQLITE_TEXT = f"{SQLITE_FUNCTION}(new.content, new.spoiler_text)"

SQLITE_STATEMENTS = (
    # unicode61 folds case and (remove_diacritics 2) accents: "cafe" finds "café".
    f"CREATE VIRTUAL TABLE {FTS_TABLE} "
    "USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER statuses_fts_insert AFTER INSERT ON statuses "
    f"WHEN new.reblog_of_id IS NULL BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.id, {_SQLITE_TEXT}); END",
    # Delete and insert rather than update: a row that was somehow never indexed gets in.
    f"CREATE TRIGGER statuses_fts_update AFTER UPDATE OF content, spoiler_text ON statuses "
    f"WHEN new.reblog_of_id IS NULL BEGIN "
    f"DELETE FROM {FTS_TABLE} WHERE rowid = old.id; "
    f"INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.id, {_SQLITE_TEXT}); END",
    f"CREATE TRIGGER statuses_fts_delete AFTER DELETE ON statuses "
    f"WHEN old.reblog_of_id IS NULL BEGIN "
    f"DELETE FROM {FTS_TABLE} WHERE rowid = old.id; END",
)
# Fills the index from the rows already there (migration only; create_all starts empty).
SQLITE_FILL = (
    f"INSERT INTO {FTS_TABLE}(rowid, body) "
    f"SELECT id, {SQLITE_FUNCTION}(content, spoiler_text) FROM statuses "
    "WHERE reblog_of_id IS NULL"
)

# Not partial (reblogs, with no text, cost next to nothing): PostgreSQL keeps statistics on
# the expression of a full index only, and without them it guesses every word is rare and
# reads every match of a common word before sorting out the newest twenty.
PG_STATUS_STATEMENTS = (f"CREATE INDEX {PG_INDEX} ON statuses USING gin ({pg_document()})",)
PG_PREFIX_STATEMENTS = {
    name: f"CREATE INDEX {name} ON {table_name} ({expression})"
    for name, (table_name, expression) in PG_PREFIX_INDEXES.items()
}


def upgrade_statements(dialect: str) -> list[str]:
    """Everything, in order, for a database whose tables exist (and may hold rows)."""
    if dialect == "sqlite":
        return [*SQLITE_STATEMENTS, SQLITE_FILL]
    if dialect == "postgresql":
        return [*PG_STATUS_STATEMENTS, *PG_PREFIX_STATEMENTS.values()]
    return []


def downgrade_statements(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
            f"DROP TABLE IF EXISTS {FTS_TABLE}",
        ]
    if dialect == "postgresql":
        return [f"DROP INDEX IF EXISTS {name}" for name in (PG_INDEX, *PG_PREFIX_INDEXES)]
    return []


def is_search_object(name: str | None, type_: str) -> bool:
    """True for the objects defined here, which the model comparison must not report."""
    if not name:
        return False
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_")
    if type_ == "index":
        return name == PG_INDEX or name in PG_PREFIX_INDEXES
    return False


def install(tables: dict[str, Table]) -> None:
    """Hook the DDL onto the tables' ``after_create`` events (called by models/__init__)."""
    statuses = tables["statuses"]
    for statement in SQLITE_STATEMENTS:
        event.listen(statuses, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in PG_STATUS_STATEMENTS:
        event.listen(statuses, "after_create", DDL(statement).execute_if(dialect="postgresql"))
    for name, (table_name, _expression) in PG_PREFIX_INDEXES.items():
        event.listen(
            tables[table_name],
            "after_create",
            DDL(PG_PREFIX_STATEMENTS[name]).execute_if(dialect="postgresql"),
        )


def register_sqlite_functions(dbapi_connection) -> None:
    """Give a SQLite connection the function the triggers call (see the module docstring)."""
    dbapi_connection.create_function(SQLITE_FUNCTION, 2, search_text, deterministic=True)
