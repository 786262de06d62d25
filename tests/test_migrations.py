"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL.

If test_upgrade_to_head_matches_the_models fails after a model change, regenerate the
migration: ``./scripts/make-migration "what changed"`` (or ``--replace-initial`` before the
first release).
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from pyleroma.db import migrate
from pyleroma.db.base import Base
from pyleroma.db.engine import make_engine
from pyleroma.settings import Settings
from tests.scratch_db import async_scratch_database


@pytest.fixture
async def settings(tmp_path):
    async with async_scratch_database("migrations") as url:
        yield Settings(data_dir=tmp_path / "data", database_url=url)


async def _inspect(settings: Settings, work):
    engine = make_engine(settings.effective_database_url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(work)
    finally:
        await engine.dispose()


def _schema_differences(connection) -> list:
    with warnings.catch_warnings():
        # SQLite cannot reflect expression indexes; _sqlite_index_names covers them by name.
        warnings.filterwarnings("ignore", message=migrate.EXPRESSION_INDEX_WARNING)
        warnings.filterwarnings("ignore", message=".*expression-based index")
        # The search index objects are not in the models (db/fulltext.py); the migrations'
        # own comparison leaves them out the same way.
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": migrate.include_name}
        )
        return compare_metadata(context, Base.metadata)


def _sqlite_index_names(connection) -> set[str]:
    rows = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'"
    )
    return {row[0] for row in rows}


def _all_revisions() -> list[str]:
    scripts = migrate.script_directory()
    return [s.revision for s in reversed(list(scripts.walk_revisions()))]


async def test_upgrade_to_head_matches_the_models(settings):
    report = await migrate.upgrade(settings)

    assert report.before is None
    assert report.after == migrate.head_revision()
    assert [r.id for r in report.applied] == _all_revisions()
    assert report.created_database == settings.is_sqlite
    differences = await _inspect(settings, _schema_differences)
    assert differences == [], (
        f"the models and the migrations differ; run ./scripts/make-migration: {differences}"
    )
    if settings.is_sqlite:
        expected = {i.name for t in Base.metadata.sorted_tables for i in t.indexes}
        assert await _inspect(settings, _sqlite_index_names) == expected


async def test_upgrade_twice_changes_nothing(settings):
    await migrate.upgrade(settings)

    again = await migrate.upgrade(settings)

    assert again.before == again.after == migrate.head_revision()
    assert again.applied == [] and not again.created_database


async def test_downgrade_to_base_removes_every_table_and_upgrades_again(settings):
    await migrate.upgrade(settings)

    report = await migrate.downgrade(settings, "base")

    assert report.after is None
    assert [r.id for r in report.applied] == list(reversed(_all_revisions()))
    tables = await _inspect(settings, lambda conn: set(inspect(conn).get_table_names()))
    assert tables <= {"alembic_version"}
    assert await migrate.current_revision(settings) is None

    await migrate.upgrade(settings)
    assert await migrate.current_revision(settings) == migrate.head_revision()
    assert await _inspect(settings, _schema_differences) == []


async def test_ensure_migrated_explains_what_to_do(settings):
    with pytest.raises(migrate.MigrationError, match="pyleroma migrate"):
        await migrate.ensure_migrated(settings)
    if settings.is_sqlite:
        # Checking must not create the database as a side effect.
        assert not settings.database_file.exists()

    await migrate.upgrade(settings)
    await migrate.ensure_migrated(settings)


async def test_downgrade_of_missing_sqlite_database_is_an_error(tmp_path):
    settings = Settings(data_dir=tmp_path / "nothing-here")

    with pytest.raises(migrate.MigrationError, match="no database"):
        await migrate.downgrade(settings)


async def test_sqlite_migrations_keep_foreign_keys_on_for_the_app(tmp_path):
    """Migrations switch foreign keys off on their own connection only."""
    settings = Settings(data_dir=tmp_path / "data")
    await migrate.upgrade(settings)

    def pragma(conn):
        return conn.exec_driver_sql("PRAGMA foreign_keys").scalar()

    assert await _inspect(settings, pragma) == 1


@pytest.fixture
def migrations_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the migrations directory for make-migration to write into."""
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", copy)
    monkeypatch.setattr(migrate, "VERSIONS_DIR", copy / "versions")
    return copy


def test_make_migration_writes_nothing_when_models_and_migrations_agree(migrations_copy):
    before = sorted(p.name for p in (migrations_copy / "versions").glob("*.py"))

    assert migrate.generate_revision("no changes") is None

    assert sorted(p.name for p in (migrations_copy / "versions").glob("*.py")) == before


def test_make_migration_replace_initial_is_reproducible(migrations_copy):
    """Regenerating 0001 from the models leaves one revision, and the same bytes each time."""
    path = migrate.generate_revision("ignored", replace_initial=True)
    first = path.read_text()

    assert path == migrations_copy / "versions" / "0001_initial.py"
    assert [p.name for p in (migrations_copy / "versions").glob("*.py")] == ["0001_initial.py"]
    assert "statuses" in first and "accounts" in first
    again = migrate.generate_revision("ignored", replace_initial=True)
    if shutil.which("ruff") or (Path(migrate.sys.executable).parent / "ruff").exists():
        assert again.read_text() == first


REBUILD_ACCOUNTS = '''"""rebuild accounts"""

import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("accounts", recreate="always") as batch_op:
        batch_op.alter_column("display_name", type_=sa.String(300))
    {extra}


def downgrade():
    with op.batch_alter_table("accounts", recreate="always") as batch_op:
        batch_op.alter_column("display_name", type_=sa.String(255))
'''


async def _two_accounts_following(settings: Settings) -> None:
    from pyleroma.db.engine import make_sessionmaker
    from pyleroma.models import Follow
    from pyleroma.services.accounts.accounts import create_local_account
    from pyleroma.services.oauth.secrets import configure_hashing

    configure_hashing(1, 1024)
    engine = make_engine(settings.effective_database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            alice = await create_local_account(
                session, settings, "alice", "a@example.com", "password1!"
            )
            bob = await create_local_account(
                session, settings, "bob", "b@example.com", "password1!"
            )
            session.add(Follow(follower_id=alice.id, followed_id=bob.id))
            await session.commit()
    finally:
        await engine.dispose()


def _count(table: str):
    return lambda conn: conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()


@pytest.mark.parametrize("drops_index", [False, True])
async def test_sqlite_table_rebuild_keeps_rows_and_expression_indexes(
    tmp_path, migrations_copy, drops_index
):
    """A batch rebuild of `accounts` must not cascade-delete rows or lose lower(...) indexes."""
    settings = Settings(data_dir=tmp_path / "data")
    head = migrate.head_revision()
    await migrate.upgrade(settings)
    await _two_accounts_following(settings)
    extra = 'op.drop_index("ix_accounts_display_name_lower", table_name="accounts")'
    (migrations_copy / "versions" / "9001_rebuild_accounts.py").write_text(
        REBUILD_ACCOUNTS.format(head=head, extra=extra if drops_index else "")
    )

    report = await migrate.upgrade(settings)

    assert [r.id for r in report.applied] == ["9001"]
    assert await _inspect(settings, _count("accounts")) == 2
    assert await _inspect(settings, _count("follows")) == 1
    indexes = await _inspect(settings, _sqlite_index_names)
    assert ("ix_accounts_display_name_lower" in indexes) is not drops_index
    assert "ix_accounts_domain" in indexes
    await migrate.downgrade(settings, head)
    assert await _inspect(settings, _count("follows")) == 1


# -- data migrations ---------------------------------------------------------------------------

PUBLIC_REPLIES_REVISION = "0007"


async def _table_as_of(conn, table: sa.Table) -> sa.Table:
    """``table`` with only the columns the database has now (their model defaults kept)."""
    present = await conn.run_sync(
        lambda sync: {column["name"] for column in inspect(sync).get_columns(table.name)}
    )
    columns = [column._copy() for column in table.columns if column.name in present]
    return sa.Table(table.name, sa.MetaData(), *columns)


async def _root_with_replies(settings: Settings) -> int:
    """A root status with replies of every visibility, counted under the old rule (all)."""
    from pyleroma.db.ids import new_id
    from pyleroma.models import Account, Status

    engine = make_engine(settings.effective_database_url)
    try:
        async with engine.begin() as conn:
            # Core inserts name only the columns given (and those with defaults), of the
            # tables as they are at this older revision (later columns left out).
            accounts = await _table_as_of(conn, Account.__table__)
            statuses = await _table_as_of(conn, Status.__table__)
            alice_id, root_id = new_id(), new_id()
            await conn.execute(
                accounts.insert().values(
                    id=alice_id, nickname="alice", nickname_key="alice", local=True
                )
            )
            await conn.execute(
                statuses.insert().values(
                    id=root_id,
                    account_id=alice_id,
                    content="root",
                    replies_count=5,
                    conversation_id=root_id,
                )
            )
            for visibility in ("public", "unlisted", "local", "private", "direct"):
                await conn.execute(
                    statuses.insert().values(
                        id=new_id(),
                        account_id=alice_id,
                        content=visibility,
                        visibility=visibility,
                        in_reply_to_id=root_id,
                        in_reply_to_account_id=alice_id,
                        conversation_id=root_id,
                    )
                )
            return root_id
    finally:
        await engine.dispose()


async def test_replies_count_is_recomputed_to_count_replies_anyone_may_see(settings):
    revision = migrate.script_directory().get_revision(PUBLIC_REPLIES_REVISION)
    await migrate.upgrade(settings, revision.down_revision)
    root_id = await _root_with_replies(settings)

    def replies_count(conn):
        query = f"SELECT replies_count FROM statuses WHERE id = {root_id}"
        return conn.exec_driver_sql(query).scalar()

    await migrate.upgrade(settings, PUBLIC_REPLIES_REVISION)
    assert await _inspect(settings, replies_count) == 3  # public, unlisted, local

    await migrate.downgrade(settings, revision.down_revision)
    assert await _inspect(settings, replies_count) == 5


FEDERATION_IDENTITY_REVISION = "0008"


async def test_federation_identity_fills_existing_rows(settings):
    """0008 gives existing rows their AP ids under the base URL, and local accounts keys."""
    from pyleroma.db.ids import new_id
    from pyleroma.models import Account, Favourite, Follow, Status

    revision = migrate.script_directory().get_revision(FEDERATION_IDENTITY_REVISION)
    await migrate.upgrade(settings, revision.down_revision)
    root_id = await _root_with_replies(settings)
    engine = make_engine(settings.effective_database_url)
    try:
        async with engine.begin() as conn:
            alice_id = (
                await conn.exec_driver_sql("SELECT id FROM accounts WHERE nickname = 'alice'")
            ).scalar()
            bob_id, reblog_id, fav_id, follow_id = new_id(), new_id(), new_id(), new_id()
            await conn.execute(
                (await _table_as_of(conn, Account.__table__))
                .insert()
                .values(id=bob_id, nickname="bob", nickname_key="bob", local=True)
            )
            await conn.execute(
                (await _table_as_of(conn, Status.__table__))
                .insert()
                .values(
                    id=reblog_id, account_id=bob_id, reblog_of_id=root_id, conversation_id=root_id
                )
            )
            await conn.execute(
                (await _table_as_of(conn, Favourite.__table__))
                .insert()
                .values(id=fav_id, account_id=bob_id, status_id=root_id)
            )
            await conn.execute(
                (await _table_as_of(conn, Follow.__table__))
                .insert()
                .values(id=follow_id, follower_id=bob_id, followed_id=alice_id)
            )
    finally:
        await engine.dispose()

    await migrate.upgrade(settings, FEDERATION_IDENTITY_REVISION)
    base = settings.base_url

    def read(conn):
        def one(sql):
            return conn.exec_driver_sql(sql).one()

        return {
            "alice": one(
                "SELECT ap_id, inbox, shared_inbox, outbox, followers_url, following_url,"
                f" featured_url, url, key_id, public_key, private_key FROM accounts"
                f" WHERE id = {alice_id}"
            ),
            "root": one(f"SELECT uri, context, in_reply_to_uri FROM statuses WHERE id = {root_id}"),
            "reply": one(
                "SELECT uri, context, in_reply_to_uri FROM statuses"
                f" WHERE in_reply_to_id = {root_id} AND visibility = 'public'"
            ),
            "reblog": one(f"SELECT uri FROM statuses WHERE id = {reblog_id}"),
            "fav": one(f"SELECT activity_id FROM favourites WHERE id = {fav_id}"),
            "follow": one(f"SELECT activity_id FROM follows WHERE id = {follow_id}"),
            "null_uris": one("SELECT count(*) FROM statuses WHERE uri IS NULL"),
        }

    rows = await _inspect(settings, read)
    actor = f"{base}/users/alice"
    assert tuple(rows["alice"][:9]) == (
        actor,
        f"{actor}/inbox",
        f"{base}/inbox",
        f"{actor}/outbox",
        f"{actor}/followers",
        f"{actor}/following",
        f"{actor}/collections/featured",
        actor,
        f"{actor}#main-key",
    )
    public_pem, private_pem = rows["alice"][9], rows["alice"][10]
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert tuple(rows["root"]) == (f"{base}/objects/{root_id}", f"{base}/contexts/{root_id}", None)
    reply_uri, reply_context, reply_parent = rows["reply"]
    assert reply_uri.startswith(f"{base}/objects/")
    assert (reply_context, reply_parent) == (
        f"{base}/contexts/{root_id}",
        f"{base}/objects/{root_id}",
    )
    assert rows["reblog"][0] == f"{base}/activities/{reblog_id}"
    assert rows["fav"][0] == f"{base}/activities/{fav_id}"
    assert rows["follow"][0] == f"{base}/activities/{follow_id}"
    assert rows["null_uris"][0] == 0

    await migrate.downgrade(settings, revision.down_revision)

    def columns(conn):
        return {column["name"] for column in inspect(conn).get_columns("accounts")}

    assert "inbox" not in await _inspect(settings, columns)
