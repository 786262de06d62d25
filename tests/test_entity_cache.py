"""The entity caches' exactness rules (cache/): the shared journal, the guard against storing
what a concurrent writer replaced, and the keys a session's writes publish."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm.attributes import set_committed_value

from pyleroma.cache.changes import has_pending_changes, stamp_of
from pyleroma.cache.entities import (
    KIND_ACCOUNT,
    KIND_FILTERS,
    KIND_RELATIONS,
    KIND_STATUS,
    KINDS,
    WHOLE_KIND,
    AccountEntry,
    EntityCache,
    StatusBundle,
)
from pyleroma.cache.journal import Journal
from pyleroma.models import (
    Account,
    Filter,
    FilterKeyword,
    Follow,
    MediaAttachment,
    Mute,
    OAuthToken,
    StatusPin,
)
from tests.api.posting_helpers import media


def test_a_journal_entry_written_by_one_handle_is_read_by_another(tmp_path):
    writer, reader = Journal(tmp_path / "j"), Journal(tmp_path / "j")
    start = reader.sequence
    last = writer.append([(KIND_ACCOUNT, 7), (KIND_STATUS, 9)])
    seen, entries = reader.read_since(start)
    assert seen == last == start + 2
    assert entries == [(start + 1, KIND_ACCOUNT, 7), (start + 2, KIND_STATUS, 9)]
    assert reader.read_since(seen) == (seen, [])


def test_a_reader_that_fell_a_whole_ring_behind_must_forget_everything(tmp_path):
    writer, reader = Journal(tmp_path / "j", slots=8), Journal(tmp_path / "j")
    assert reader.slots == 8  # the file's size wins over the caller's
    writer.append([(KIND_ACCOUNT, n) for n in range(9)])
    seen, entries = reader.read_since(0)
    assert entries is None and seen == 9


def test_a_reopened_journal_keeps_its_position(tmp_path):
    Journal(tmp_path / "j").append([(KIND_ACCOUNT, 1)] * 3)
    assert Journal(tmp_path / "j").sequence == 3


def test_invalidations_from_another_process_drop_entries_and_whole_kinds(tmp_path):
    here = EntityCache(Journal(tmp_path / "j"), 10)
    there = EntityCache(Journal(tmp_path / "j"), 10)
    stamp = here.stamp()
    here.put(KIND_ACCOUNT, {1: AccountEntry("a"), 2: AccountEntry("b")}, stamp)
    here.put(KIND_STATUS, {5: StatusBundle(), 6: StatusBundle()}, stamp)
    there.publish({(KIND_ACCOUNT, 1)})
    assert set(here.get(KIND_ACCOUNT, [1, 2])) == {2}
    there.publish({(KIND_STATUS, WHOLE_KIND)})
    assert here.get(KIND_STATUS, [5, 6]) == {}
    assert set(here.get(KIND_ACCOUNT, [1, 2])) == {2}


def test_a_value_read_before_a_concurrent_invalidation_is_not_stored(tmp_path):
    here = EntityCache(Journal(tmp_path / "j"), 10)
    there = EntityCache(Journal(tmp_path / "j"), 10)
    stamp = here.stamp()  # a transaction begins and reads account 1 (old)
    there.publish({(KIND_ACCOUNT, 1)})  # meanwhile another process changes it
    here.put(KIND_ACCOUNT, {1: AccountEntry("old"), 2: AccountEntry("fine")}, stamp)
    assert set(here.get(KIND_ACCOUNT, [1, 2])) == {2}
    there.publish({(KIND_STATUS, WHOLE_KIND)})
    here.put(KIND_STATUS, {5: StatusBundle()}, stamp)
    assert here.get(KIND_STATUS, [5]) == {}
    # A transaction that began after the changes may store them.
    later = here.stamp()
    here.put(KIND_ACCOUNT, {1: AccountEntry("new")}, later)
    assert here.get(KIND_ACCOUNT, [1])[1].row == "new"


def test_the_cache_keeps_its_size_dropping_the_least_recently_used(tmp_path):
    cache = EntityCache(Journal(tmp_path / "j"), 2)
    stamp = cache.stamp()
    cache.put(KIND_ACCOUNT, {1: AccountEntry(1), 2: AccountEntry(2)}, stamp)
    cache.get(KIND_ACCOUNT, [1])
    cache.put(KIND_ACCOUNT, {3: AccountEntry(3)}, stamp)
    assert list(cache.accounts) == [1, 3]


def test_size_zero_caches_nothing_but_still_publishes(tmp_path):
    off = EntityCache(Journal(tmp_path / "j"), 0)
    on = EntityCache(Journal(tmp_path / "j"), 10)
    on.put(KIND_ACCOUNT, {1: AccountEntry(1)}, on.stamp())
    off.put(KIND_ACCOUNT, {1: AccountEntry(1)}, off.stamp())
    assert off.get(KIND_ACCOUNT, [1]) == {} and not off.accounts
    off.publish({(KIND_ACCOUNT, 1)})
    assert on.get(KIND_ACCOUNT, [1]) == {}


async def _published(app, work) -> list[tuple[int, int]]:
    """The keys a committed transaction running ``work`` wrote to the journal."""
    journal = app.state.entity_cache.journal
    before = journal.sequence
    async with app.state.sessionmaker() as session:
        await work(session)
        await session.commit()
    _, entries = journal.read_since(before)
    return sorted({(kind, ident) for _, kind, ident in entries})


async def test_orm_changes_and_bulk_statements_publish_their_keys(app, factory, db):
    alice = await factory.account("alice")
    status = await factory.status(alice)

    async def profile(session):
        account = await session.get(Account, alice.id)
        account.display_name = "Alice"

    assert await _published(app, profile) == [(KIND_ACCOUNT, alice.id)]

    async def counters(session):
        await session.execute(
            update(Account)
            .where(Account.id == alice.id)
            .values(statuses_count=Account.statuses_count + 1)
        )

    assert await _published(app, counters) == [(KIND_ACCOUNT, alice.id)]

    async def several(session):
        await session.execute(
            update(Account).where(Account.id.in_([alice.id, 5])).values(note_html="x")
        )

    assert await _published(app, several) == [(KIND_ACCOUNT, 5), (KIND_ACCOUNT, alice.id)]

    async def unreadable(session):
        await session.execute(update(Account).where(Account.local.is_(True)).values(note_html=""))

    assert await _published(app, unreadable) == [(KIND_ACCOUNT, WHOLE_KIND)]

    media_id = await media(db, alice)

    async def attach(session):
        item = await session.get(MediaAttachment, media_id)
        item.status_id = status.id

    assert await _published(app, attach) == [(KIND_STATUS, status.id)]

    async def pin(session):
        await session.execute(
            insert(StatusPin).values(account_id=alice.id, status_id=status.id, id=1)
        )

    assert await _published(app, pin) == [(KIND_STATUS, status.id)]

    async def unpin(session):
        await session.execute(delete(StatusPin).where(StatusPin.status_id == status.id))

    assert await _published(app, unpin) == [(KIND_STATUS, status.id)]

    async def raw(session):
        await session.execute(text("UPDATE accounts SET note_html = ''"))

    assert await _published(app, raw) == [(kind, WHOLE_KIND) for kind in KINDS]

    async def reading(session):
        await session.execute(select(Account.id))
        await session.execute(text("SELECT 1"))

    assert await _published(app, reading) == []


async def test_relationship_rows_publish_each_side_they_name(app, factory):
    alice, bob = await factory.account("alice"), await factory.account("bob")

    async def follow(session):
        session.add(Follow(id=11, follower_id=alice.id, followed_id=bob.id))

    # A new follow changes what alice sees of bob (following) and bob of alice (followed_by).
    both = sorted([(KIND_RELATIONS, alice.id), (KIND_RELATIONS, bob.id)])
    assert await _published(app, follow) == both

    async def mute(session):
        session.add(Mute(id=12, account_id=alice.id, target_id=bob.id))

    # A mute is only the muter's: bob's view of alice has nothing of it.
    assert await _published(app, mute) == [(KIND_RELATIONS, alice.id)]

    async def unfollow_all(session):
        await session.execute(delete(Follow).where(Follow.followed_id == bob.id))

    # The follower side cannot be read from the WHERE clause: every viewer's entry goes.
    assert await _published(app, unfollow_all) == sorted(
        [(KIND_RELATIONS, WHOLE_KIND), (KIND_RELATIONS, bob.id)]
    )


async def test_a_new_filter_keyword_drops_the_cached_filters(app, factory):
    alice = await factory.account("alice")

    async def new_filter(session):
        session.add(Filter(id=21, account_id=alice.id, title="t", context=["home"]))

    assert await _published(app, new_filter) == [(KIND_FILTERS, alice.id)]

    async def new_keyword(session):
        session.add(FilterKeyword(id=22, filter_id=21, keyword="spoiler"))

    # A keyword is keyed by its filter, not by the account whose entry embeds it.
    assert await _published(app, new_keyword) == [(KIND_FILTERS, WHOLE_KIND)]


async def test_a_rolled_back_change_publishes_nothing(app, factory):
    alice = await factory.account("alice")
    journal = app.state.entity_cache.journal
    before = journal.sequence
    async with app.state.sessionmaker() as session:
        account = await session.get(Account, alice.id)
        account.display_name = "never"
        await session.flush()
        assert has_pending_changes(session.sync_session)
        await session.rollback()
    assert journal.sequence == before


async def test_each_transaction_is_stamped_when_it_begins(app, factory):
    alice = await factory.account("alice")
    async with app.state.sessionmaker() as session:
        assert stamp_of(session.sync_session) is None
        await session.get(Account, alice.id)
        first = stamp_of(session.sync_session)
        assert first == app.state.entity_cache.journal.sequence
        account = await session.get(Account, alice.id)
        account.note_html = "changed"
        await session.commit()
        assert stamp_of(session.sync_session) is None
        await session.execute(select(Account.id))
        assert stamp_of(session.sync_session) == first + 1


async def test_a_writer_sees_its_own_uncommitted_changes_not_the_cache(app, client, factory):
    """PUT /statuses/:id renders the edit in the transaction that made it: a bundle cached
    before (old hashtags and mentions) must not be used, nor the new one stored early."""
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    posted = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "first #old"}
    )
    status_id = posted.json()["id"]
    for _ in range(2):  # warm
        shown = await client.get(f"/api/v1/statuses/{status_id}", headers=bob.headers)
        assert [t["name"] for t in shown.json()["tags"]] == ["old"]
    assert int(status_id) in app.state.entity_cache.statuses
    edited = await client.put(
        f"/api/v1/statuses/{status_id}",
        headers=alice.headers,
        json={"status": f"second #new @{bob.nickname}"},
    )
    assert [t["name"] for t in edited.json()["tags"]] == ["new"]
    assert [m["acct"] for m in edited.json()["mentions"]] == ["bob"]
    shown = await client.get(f"/api/v1/statuses/{status_id}", headers=bob.headers)
    assert [t["name"] for t in shown.json()["tags"]] == ["new"]
    assert [m["acct"] for m in shown.json()["mentions"]] == ["bob"]


async def test_a_previewed_post_leaves_nothing_in_the_cache(app, client, factory):
    """Pleroma's ``preview``: posting rendered, then rolled back. The author's row as the
    rolled-back transaction saw it (one more status) must not reach the cache."""
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    posted = await client.post("/api/v1/statuses", headers=alice.headers, json={"status": "one"})
    preview = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "two", "preview": "true"}
    )
    assert preview.status_code == 200
    assert preview.json()["account"]["statuses_count"] == 2
    assert int(preview.json()["id"]) not in app.state.entity_cache.statuses
    for _ in range(2):
        shown = await client.get(f"/api/v1/statuses/{posted.json()['id']}", headers=bob.headers)
        assert shown.json()["account"]["statuses_count"] == 1


async def test_token_lookups_are_cached_until_the_token_or_its_account_changes(
    app, client, factory, db
):
    """A second app on the same journal plays another process: its revocations and account
    changes reach this one's cached tokens before the next request."""
    from tests.api.test_cache_equivalence import second_app

    alice = await factory.user("alice")
    cache = app.state.entity_cache
    me = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert me.status_code == 200 and len(cache.tokens) == 1
    hits = cache.hits
    me = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert me.status_code == 200 and cache.hits == hits + 1

    async with second_app(app) as (other, other_http):
        # Another process deactivates the account: the cached token must not let it in.
        async with other.state.sessionmaker() as session:
            account = await session.get(Account, alice.account.id)
            account.is_active = False
            await session.commit()
        refused = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
        assert refused.status_code == 403
        async with db() as session:
            account = await session.get(Account, alice.account.id)
            account.is_active = True
            await session.commit()
        me = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
        assert me.status_code == 200
        # A write through a cached token is an ordinary ORM write.
        changed = await client.patch(
            "/api/v1/accounts/update_credentials",
            headers=alice.headers,
            data={"display_name": "Alice A."},
        )
        assert changed.json()["display_name"] == "Alice A."
        me = await other_http.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
        assert me.json()["display_name"] == "Alice A."
        # Revoked in the other process (as POST /oauth/revoke does: by digest).
        async with other.state.sessionmaker() as session:
            await session.execute(delete(OAuthToken).where(OAuthToken.account_id.is_not(None)))
            await session.commit()
        gone = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
        assert gone.status_code == 401


async def test_an_expired_cached_token_is_refused(app, client, factory, db):
    alice = await factory.user("alice")
    for _ in range(2):
        me = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
        assert me.status_code == 200
    entry = next(iter(app.state.entity_cache.tokens.values()))
    # Time passes (the copy's own expiry, not a change the journal would report).
    past = entry.snapshot.valid_until - dt.timedelta(days=400)
    set_committed_value(entry.snapshot, "valid_until", past)
    expired = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert expired.status_code == 401
