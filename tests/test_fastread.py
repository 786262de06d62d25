"""db/fastread.py: prepared statements read exactly what the ORM reads, on both engines."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import BigInteger, bindparam, select

from pyleroma.db import fastread
from pyleroma.db.fastread import Prepared, in_list, reader, row_type
from pyleroma.models import Account, MediaAttachment, Poll, Status
from pyleroma.services.statuses.status_batches import SECRET_ACCOUNT_COLUMNS
from pyleroma.services.timelines.prepared_pages import PreparedCache

STATUSES_BY_ID = Prepared(
    select(*row_type(Status)[1]).where(in_list(Status.id, "ids")).order_by(Status.id)
)
ACCOUNT_BY_ID = Prepared(
    select(*row_type(Account, exclude=SECRET_ACCOUNT_COLUMNS)[1]).where(
        Account.id == bindparam("account_id", type_=BigInteger)
    )
)
ACCOUNTS_BY_NICKNAME = Prepared(
    select(Account.id).where(in_list(Account.nickname, "names", text=True)).order_by(Account.id)
)


def _same_as_orm(row, orm, fields) -> None:
    for name in fields:
        assert getattr(row, name) == getattr(orm, name), name
        assert type(getattr(row, name)) is type(getattr(orm, name)), name


async def test_rows_read_back_as_the_orm_reads_them(db, factory):
    """Every column type (datetimes, booleans, JSON, floats, nulls) comes back with the
    value and the Python type the ORM gives, and properties work on the rows."""
    author = await factory.account("fastread", display_name="Fast Read")
    async with db() as session:
        stored = await session.get(Account, author.id)
        stored.fields = [{"name": "a", "value": "b"}]
        stored.emojis = {"blob": "https://example.test/blob.png"}
        stored.last_status_at = dt.datetime(2026, 1, 2, 3, 4, 5, 678000)
        status = Status(
            account_id=author.id,
            uri="https://remote.test/objects/fastread",
            content="<p>x</p>",
            source="x",
            sensitive=True,
            language="en",
            emojis={"cat": "https://example.test/cat.png"},
            has_media=True,
            has_poll=True,
            expires_at=dt.datetime(2027, 5, 6, 7, 8, 9),
        )
        session.add(status)
        await session.flush()
        media = MediaAttachment(
            account_id=author.id,
            status_id=status.id,
            type="image",
            mime_type="image/png",
            file_path="a/b.png",
            focus_x=-0.25,
            focus_y=0.5,
            meta={"original": {"width": 3, "height": 2}},
        )
        poll = Poll(
            status_id=status.id,
            account_id=author.id,
            options=[{"title": "yes", "votes_count": 2}],
            multiple=True,
            expires_at=dt.datetime(2027, 1, 1),
        )
        session.add_all([media, poll])
        await session.commit()
    async with db() as session:
        read = await reader(session)
        status_rows, account_rows = await read.run(
            [(STATUSES_BY_ID, {"ids": [status.id]}), (ACCOUNT_BY_ID, {"account_id": author.id})]
        )
        media_type, media_columns = row_type(MediaAttachment)
        poll_type, poll_columns = row_type(Poll)
        media_rows = await read.one(
            Prepared(select(*media_columns).where(in_list(MediaAttachment.id, "ids"))),
            {"ids": [media.id]},
        )
        poll_rows = await read.one(
            Prepared(select(*poll_columns).where(in_list(Poll.id, "ids"))), {"ids": [poll.id]}
        )
        status_type, _ = row_type(Status)
        account_type, _ = row_type(Account, exclude=SECRET_ACCOUNT_COLUMNS)
        row = status_type._make(status_rows[0])
        _same_as_orm(row, await session.get(Status, status.id), status_type._fields)
        account_row = account_type._make(account_rows[0])
        orm_account = await session.get(Account, author.id)
        _same_as_orm(account_row, orm_account, account_type._fields)
        assert account_row.username == "fastread"
        assert not hasattr(account_row, "password_hash")
        _same_as_orm(
            media_type._make(media_rows[0]),
            await session.get(MediaAttachment, media.id),
            media_type._fields,
        )
        _same_as_orm(
            poll_type._make(poll_rows[0]), await session.get(Poll, poll.id), poll_type._fields
        )


async def test_in_list_binds_any_length_and_the_largest_ids(db, factory):
    one = await factory.account("listone")
    two = await factory.account("listtwo")
    async with db() as session:
        read = await reader(session)
        assert await read.one(STATUSES_BY_ID, {"ids": []}) == []
        assert await read.one(STATUSES_BY_ID, {"ids": [2**63 - 1, 1]}) == []
        names = await read.one(
            ACCOUNTS_BY_NICKNAME, {"names": ["listtwo", "listone", "o'brien", "nobody"]}
        )
        assert [r[0] for r in names] == sorted([one.id, two.id])


async def test_a_read_sees_the_sessions_own_unflushed_writes(db, factory):
    author = await factory.account("unflushed")
    async with db() as session:
        session.add(
            Status(
                account_id=author.id,
                uri="https://remote.test/objects/pending",
                content="pending",
                source="pending",
            )
        )
        rows = await (await reader(session)).one(
            Prepared(
                select(Status.content).where(
                    Status.account_id == bindparam("author", type_=BigInteger)
                )
            ),
            {"author": author.id},
        )
        assert rows == [("pending",)]
        await session.rollback()
    async with db() as session:
        assert await session.scalar(select(Status.id).where(Status.account_id == author.id)) is None


async def test_a_batch_is_one_hop_on_sqlite(db, factory, app):
    """Three statements, one call into aiosqlite's thread on SQLite; the observers that
    benchmarks count statements with see the batch once, with its three statements."""
    author = await factory.account("onehop")
    seen = []
    hops = []
    fastread.observers.append(lambda work, seconds: seen.append(len(work)))
    try:
        async with db() as session:
            read = await reader(session)
            if app.state.engine.dialect.name == "sqlite":
                driver = read._driver
                real = driver._execute

                async def counting(fn, *args, **kwargs):
                    hops.append(fn)
                    return await real(fn, *args, **kwargs)

                driver._execute = counting
            results = await read.run(
                [
                    (STATUSES_BY_ID, {"ids": [1]}),
                    (ACCOUNT_BY_ID, {"account_id": author.id}),
                    (ACCOUNTS_BY_NICKNAME, {"names": ["onehop"]}),
                ]
            )
            if app.state.engine.dialect.name == "sqlite":
                del driver._execute
                assert len(hops) == 1
    finally:
        fastread.observers.clear()
    assert seen == [3]
    assert [len(r) for r in results] == [0, 1, 1]


def test_a_per_request_list_is_refused_at_compile_time(app):
    prepared = Prepared(select(Status.id).where(Status.id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(ValueError, match="in_list"):
        prepared.compiled(app.state.engine.dialect)


def test_prepared_cache_keeps_the_newest_shapes():
    cache = PreparedCache(size=2)
    built = []

    def build(name):
        def make():
            built.append(name)
            return Prepared(select(Status.id))

        return make

    first = cache.get("a", build("a"))
    cache.get("b", build("b"))
    assert cache.get("a", build("a")) is first  # kept, and now the newest
    cache.get("c", build("c"))  # drops b, the least recently used
    cache.get("b", build("b"))
    assert built == ["a", "b", "c", "b"]


async def test_in_list_inside_or_keeps_its_index_on_sqlite(app, db):
    """``in_list`` is a predicate of its own: SQLite (no native booleans) once got
    ``id IN (...) = 1`` inside an OR, which no index serves: a scan of every status (0.9 s
    per timeline page at 1M statuses). The plan of the page's originals statement must
    look statuses up by key."""
    from pyleroma.services.statuses.status_batches import WITH_ORIGINALS

    dialect = app.state.engine.dialect
    compiled = WITH_ORIGINALS.compiled(dialect)
    assert ") = 1" not in compiled.sql and ") = true" not in compiled.sql.lower()
    if dialect.name != "sqlite":
        return  # PostgreSQL has native booleans; its plans are read in BENCHMARKS.md
    async with db() as session:
        driver = (await reader(session))._driver
        args = compiled.args({"ids": [1, 2]})
        cursor = await driver.execute(f"EXPLAIN QUERY PLAN {compiled.sql}", args)
        plan = [str(row[-1]) for row in await cursor.fetchall()]
    assert not [step for step in plan if step.startswith("SCAN statuses")], plan
