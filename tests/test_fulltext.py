"""The full-text index itself (db/fulltext.py): query translation, the text rule shared by
both engines, migration 0005 on a database with rows, and what create_all builds."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest
from sqlalchemy import Boolean, DateTime, Integer, MetaData, String, Text, func, select, text
from sqlalchemy.types import JSON, BigInteger

from pyleroma.db import fulltext, migrate
from pyleroma.db.base import Base
from pyleroma.db.engine import make_engine
from pyleroma.db.ids import new_id
from pyleroma.models import Account, Hashtag, Status
from pyleroma.services.discovery.search import starts_with
from pyleroma.settings import Settings
from tests.scratch_db import async_scratch_database
from tests.test_migrations import migrations_copy  # noqa: F401  (fixture)

SAMPLE_HTML = (
    '<p>Café &amp; <a href="https://x.example/p?a=1&amp;b=2" class="mention">'
    "@<span>bob</span></a><br/>line two&#39;s end</p>"
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hello world", '("hello" AND "world")'),
        ('"red fox" -hen', '(("red fox") NOT ("hen"))'),
        ("cat or dog food", '("cat") OR ("dog" AND "food")'),
        ("or cat", '("or" AND "cat")'),
        ("cat OR", '("cat")'),
        ('say "hi', '("say" AND "hi")'),
        ('a"b', '("a""b")'),
        ("-only -exclusions", None),
        ("!!! ???", None),
        ("", None),
        ('""', None),
    ],
)
def test_fts5_query_translates_web_search_syntax(query, expected):
    assert fulltext.fts5_query(query) == expected


def test_search_text_strips_tags_and_entities_and_adds_the_spoiler():
    assert fulltext.search_text(SAMPLE_HTML, "cw") == " Café    @ bob   line two s end  cw"
    assert fulltext.search_text(None, None) == " "


def test_search_objects_are_recognised_by_name():
    assert fulltext.is_search_object("statuses_fts", "table")
    assert fulltext.is_search_object("statuses_fts_data", "table")
    assert fulltext.is_search_object("ix_statuses_fulltext", "index")
    assert fulltext.is_search_object("ix_hashtags_name_prefix", "index")
    assert not fulltext.is_search_object("statuses", "table")
    assert not fulltext.is_search_object("ix_statuses_account_id_id", "index")
    assert not fulltext.is_search_object(None, "index")


# --- on a real database -------------------------------------------------------------------


@pytest.fixture
async def settings(tmp_path):
    async with async_scratch_database("fulltext") as url:
        yield Settings(data_dir=tmp_path / "data", database_url=url)


async def _run(settings: Settings, work):
    engine = make_engine(settings.effective_database_url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(work)
    finally:
        await engine.dispose()


_FILLERS = {Boolean: False, Integer: 0, BigInteger: 0, String: "x", Text: "", JSON: {}}


def _insert(conn, metadata: MetaData, table_name: str, *rows: dict, **values) -> None:
    """Rows in a table as the database has it now (reflected), whatever revision it is at:
    columns not given get a plain value of their type (distinct strings)."""
    table = metadata.tables[table_name]
    filled = []
    for given in rows or (values,):
        row = dict(given)
        for col in table.columns:
            if col.name in row or col.nullable or col.server_default is not None:
                continue
            if isinstance(col.type, DateTime):
                row[col.name] = dt.datetime(2024, 1, 1)
            elif isinstance(col.type, String) and not isinstance(col.type, Text):
                # Distinct, as some must be (statuses.uri), and within the column's length.
                row[col.name] = f"x{new_id()}"[-(col.type.length or 32) :]
            else:
                row[col.name] = next(v for t, v in _FILLERS.items() if isinstance(col.type, t))
        filled.append(row)
    conn.execute(table.insert(), filled)


def _old_rows(conn) -> dict[str, int]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=migrate.EXPRESSION_INDEX_WARNING)
        metadata = MetaData()
        metadata.reflect(conn, only=["accounts", "statuses"])
    author = new_id()
    _insert(conn, metadata, "accounts", id=author, nickname="old", nickname_key="old")
    ids = {"html": new_id(), "spoiler": new_id(), "other": new_id(), "reblog": new_id()}
    _insert(conn, metadata, "statuses", id=ids["html"], account_id=author, content=SAMPLE_HTML)
    _insert(conn, metadata, "statuses", id=ids["spoiler"], account_id=author, spoiler_text="zebra")
    _insert(conn, metadata, "statuses", id=ids["other"], account_id=author, content="unrelated")
    _insert(
        conn,
        metadata,
        "statuses",
        id=ids["reblog"],
        account_id=author,
        reblog_of_id=ids["html"],
        content="bob",
    )
    return ids


def _matching(word: str):
    """The ids of statuses whose indexed text has ``word``, through the index."""

    def work(conn) -> list[int]:
        if conn.dialect.name == "sqlite":
            stmt = select(fulltext.fts_table.c.rowid).where(
                fulltext.sqlite_matches(fulltext.fts5_query(word))
            )
        else:
            stmt = select(Status.id).where(fulltext.pg_matches(word))
        return sorted(conn.execute(stmt).scalars())

    return work


def _search_objects(conn) -> dict[str, str]:
    """Name -> definition of every search object in the database."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'trigger') "
            f"AND (name = '{fulltext.FTS_TABLE}' OR type = 'trigger')"
        )
    else:
        names = ", ".join(f"'{n}'" for n in (fulltext.PG_INDEX, *fulltext.PG_PREFIX_INDEXES))
        rows = conn.exec_driver_sql(
            f"SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN ({names})"
        )
    return {name: " ".join(sql.split()) for name, sql in rows}


async def test_migration_indexes_existing_rows_and_downgrade_removes_the_index(settings):
    await migrate.upgrade(settings, "0004")
    ids = await _run(settings, _old_rows)

    report = await migrate.upgrade(settings, "0005")

    assert [r.id for r in report.applied] == ["0005"]
    assert await _run(settings, _matching("bob")) == [ids["html"]]  # not the reblog
    assert await _run(settings, _matching("cafe" if settings.is_sqlite else "café")) == [
        ids["html"]
    ]
    assert await _run(settings, _matching("zebra")) == [ids["spoiler"]]
    assert await _run(settings, _matching("span")) == []
    assert await _run(settings, _matching("amp")) == []
    # SQLite: the FTS5 table and three triggers; PostgreSQL: four indexes.
    assert len(await _run(settings, _search_objects)) == 4

    await migrate.downgrade(settings, "0004")
    assert await _run(settings, _search_objects) == {}
    await migrate.upgrade(settings)
    assert await _run(settings, _matching("zebra")) == [ids["spoiler"]]


async def test_create_all_builds_what_the_migration_builds(settings, tmp_path):
    await migrate.upgrade(settings)
    migrated = await _run(settings, _search_objects)
    async with async_scratch_database("fulltext_create_all") as url:
        fresh = Settings(data_dir=tmp_path / "fresh", database_url=url)
        fresh.data_dir.mkdir(parents=True)
        await _run(fresh, Base.metadata.create_all)
        created = await _run(fresh, _search_objects)
    assert created == migrated and migrated


def _fill(conn) -> None:
    """Enough rows, and statistics, for PostgreSQL's planner to prefer an index at all."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=migrate.EXPRESSION_INDEX_WARNING)
        metadata = MetaData()
        metadata.reflect(conn, only=["accounts", "statuses", "hashtags"])
    author = new_id()
    _insert(conn, metadata, "accounts", id=author, nickname="a", nickname_key="a")
    words = [f"filler{n}" for n in range(2000)]
    _insert(
        conn,
        metadata,
        "statuses",
        *({"id": new_id(), "account_id": author, "content": f"{w} common"} for w in words),
    )
    _insert(
        conn,
        metadata,
        "accounts",
        *({"id": new_id(), "nickname": w, "nickname_key": w, "display_name": w} for w in words),
    )
    _insert(conn, metadata, "hashtags", *({"id": new_id(), "name": w} for w in words))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE")


def _plans(conn) -> list[str]:
    """The plans of a word query and the three prefix queries search makes."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        words = (
            select(Status.id)
            .select_from(fulltext.fts_table)
            .join(Status, Status.id == fulltext.fts_table.c.rowid)
            .where(fulltext.sqlite_matches('"filler7"'))
            .order_by(fulltext.fts_table.c.rowid.desc())
            .limit(20)
        )
        explain = "EXPLAIN QUERY PLAN"
    else:
        words = select(Status.id).where(fulltext.pg_matches("filler7"))
        explain = "EXPLAIN"
    plans = []
    for stmt in (
        words,
        select(Account.id).where(starts_with(Account.nickname_key, "filler12", dialect)),
        select(Account.id).where(
            starts_with(func.lower(Account.display_name), "filler12", dialect)
        ),
        select(Hashtag.id).where(starts_with(Hashtag.name, "filler12", dialect)),
    ):
        sql = stmt.compile(conn, compile_kwargs={"literal_binds": True})
        plans.append("\n".join(str(r[-1]) for r in conn.exec_driver_sql(f"{explain} {sql}")))
    return plans


async def test_search_queries_are_answered_from_indexes(settings):
    """PostgreSQL uses an expression index only for the identical expression; SQLite's FTS5
    walks its matches newest first (no sort of every match); prefixes are index ranges."""
    await migrate.upgrade(settings)
    await _run(settings, _fill)

    words, nicknames, names, tags = await _run(settings, _plans)

    if settings.is_sqlite:
        assert "VIRTUAL TABLE INDEX" in words and "TEMP B-TREE" not in words
        # Unique constraints are SQLite's own "autoindex" indexes.
        assert "SEARCH accounts USING INDEX sqlite_autoindex_accounts" in nicknames
        assert "(nickname_key>? AND nickname_key<?)" in nicknames
        assert "SEARCH accounts USING INDEX ix_accounts_display_name_lower" in names
        assert "SEARCH hashtags USING INDEX sqlite_autoindex_hashtags" in tags
        assert "(name>? AND name<?)" in tags
    else:
        assert fulltext.PG_INDEX in words
        assert "ix_accounts_nickname_key_prefix" in nicknames
        assert "ix_accounts_display_name_prefix" in names
        assert "ix_hashtags_name_prefix" in tags


REBUILD_STATUSES = '''"""rebuild statuses"""

import sqlalchemy as sa
from alembic import op

revision = "9002"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("statuses", recreate="always") as batch_op:
        batch_op.alter_column("url", type_=sa.String(3000))


def downgrade():
    with op.batch_alter_table("statuses", recreate="always") as batch_op:
        batch_op.alter_column("url", type_=sa.String(2048))
'''


async def test_sqlite_table_rebuild_keeps_the_index_triggers(
    tmp_path,
    migrations_copy,  # noqa: F811
):
    """A batch rebuild drops ``statuses`` and with it its triggers; they must come back."""
    settings = Settings(data_dir=tmp_path / "data")
    await migrate.upgrade(settings, "0004")
    ids = await _run(settings, _old_rows)
    head = migrate.head_revision()
    await migrate.upgrade(settings)
    before = await _run(settings, _search_objects)
    (migrations_copy / "versions" / "9002_rebuild_statuses.py").write_text(
        REBUILD_STATUSES.format(head=head)
    )

    await migrate.upgrade(settings, "9002")

    assert await _run(settings, _search_objects) == before
    assert await _run(settings, _matching("zebra")) == [ids["spoiler"]]

    def edit_and_delete(conn) -> None:
        conn.execute(
            text(f"UPDATE statuses SET spoiler_text = 'okapi' WHERE id = {ids['spoiler']}")
        )
        conn.execute(text(f"DELETE FROM statuses WHERE id = {ids['other']}"))

    await _run(settings, edit_and_delete)
    assert await _run(settings, _matching("zebra")) == []
    assert await _run(settings, _matching("okapi")) == [ids["spoiler"]]
    assert await _run(settings, _matching("unrelated")) == []
    await migrate.downgrade(settings, head)
    assert await _run(settings, _search_objects) == before


async def test_both_engines_index_the_same_text(settings):
    """PostgreSQL's regular expression and SQLite's function strip the same things."""
    await migrate.upgrade(settings)

    def indexed(conn) -> str:
        if conn.dialect.name == "sqlite":
            sql = f"SELECT {fulltext.SQLITE_FUNCTION}(:content, :spoiler)"
        else:
            sql = f"SELECT regexp_replace(:content, '{fulltext.MARKUP_PATTERN}', ' ', 'g')"
            sql += " || ' ' || :spoiler"
        return conn.execute(text(sql), {"content": SAMPLE_HTML, "spoiler": "cw"}).scalar()

    assert await _run(settings, indexed) == fulltext.search_text(SAMPLE_HTML, "cw")
    assert f"'{fulltext.MARKUP_PATTERN}'" in fulltext.pg_document()
