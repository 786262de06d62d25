"""Which cached entries a transaction changes, found from what the session writes.

``TrackedSession`` is the sync session class behind every async session of the app, the
job runner and the CLI (db/engine.py). It collects keys two ways, so that no service has to
remember to invalidate anything:

- ORM flushes: every new, changed or deleted object of a cached table (for a moved child
  row, both its old and its new status);
- bulk statements run through the session (``update``, ``delete``, ``insert``): the ids are
  read from a ``WHERE key = value`` / ``key IN (...)`` condition or the inserted values; when
  they cannot be read, the whole kind is invalidated (never too little).

On commit the keys go to the journal (cache/entities.EntityCache.publish); on rollback they
are dropped. Each transaction is stamped with the journal position when it begins, which is
what entities.EntityCache.put checks. Writes that bypass the session (a ``sqlite3`` shell,
another program) are not seen: restart the server after editing the database by hand.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList, TextClause

from pyleroma.cache.entities import (
    KIND_ACCOUNT,
    KIND_FILTERS,
    KIND_RELATIONS,
    KIND_STATUS,
    KIND_TOKEN,
    KINDS,
    WHOLE_KIND,
    EntityCache,
)

log = logging.getLogger("pyleroma.cache")

CACHE_KEY = "entity_cache"
_STAMP = "pyleroma.cache.stamp"
_PENDING = "pyleroma.cache.pending"

# table -> (kind, the column holding the cached entry's id). Rows the cached entries embed
# but are not keyed by invalidate the whole kind: column None on any change but an insert
# (a new hashtag or app is in no entry yet), ANY_ROW on inserts too (a new keyword or
# filtered status changes its filter's entry).
ANY_ROW = "*"
TRACKED: dict[str, tuple[tuple[int, str | None], ...]] = {
    "accounts": ((KIND_ACCOUNT, "id"),),
    "media_attachments": ((KIND_STATUS, "status_id"),),
    "status_mentions": ((KIND_STATUS, "status_id"),),
    "status_tags": ((KIND_STATUS, "status_id"),),
    "status_pins": ((KIND_STATUS, "status_id"),),
    "status_reactions": ((KIND_STATUS, "status_id"),),
    # A status's link preview card (services/cards/batches.py).
    "status_preview_cards": ((KIND_STATUS, "status_id"),),
    "events": ((KIND_STATUS, "status_id"),),
    "hashtags": ((KIND_STATUS, None),),
    "oauth_tokens": ((KIND_TOKEN, "id"),),
    "oauth_apps": ((KIND_STATUS, None), (KIND_TOKEN, None)),
    "filters": ((KIND_FILTERS, "account_id"),),
    "filter_keywords": ((KIND_FILTERS, ANY_ROW),),
    "filter_statuses": ((KIND_FILTERS, ANY_ROW),),
    # Relationships are cached per viewer: a row changes the entry of each side it names.
    "follows": ((KIND_RELATIONS, "follower_id"), (KIND_RELATIONS, "followed_id")),
    "blocks": ((KIND_RELATIONS, "account_id"), (KIND_RELATIONS, "target_id")),
    "mutes": ((KIND_RELATIONS, "account_id"),),
    "endorsements": ((KIND_RELATIONS, "account_id"),),
    "account_notes": ((KIND_RELATIONS, "account_id"),),
    "account_domain_blocks": ((KIND_RELATIONS, "account_id"),),
    "account_subscriptions": ((KIND_RELATIONS, "account_id"),),
}
_DML_WORDS = ("insert", "update", "delete", "replace", "with")


class TrackedSession(Session):
    """A Session whose transactions report the cached entries they change."""


def cache_of(session) -> EntityCache | None:
    return session.info.get(CACHE_KEY)


def stamp_of(session) -> int | None:
    """The journal position the session's open transaction reads from (None: outside one)."""
    return session.info.get(_STAMP)


def has_pending_changes(session) -> bool:
    """Whether the open transaction already changed something a cache holds."""
    return bool(session.info.get(_PENDING))


def usable_cache(session) -> EntityCache | None:
    """The entity cache an (async) session may read and fill now: none when caching is off
    or when its open transaction has written to a cached table (it must read its own
    writes, which may yet roll back)."""
    sync = session.sync_session
    cache = cache_of(sync)
    if cache is None or not cache.enabled or has_pending_changes(sync):
        return None
    return cache


def cache_in_transaction(session) -> tuple[EntityCache, int] | None:
    """``usable_cache`` with the stamp of the session's open transaction, which stores need:
    for readers that have begun their transaction (``fastread.reader`` does)."""
    cache = usable_cache(session)
    stamp = stamp_of(session.sync_session) if cache is not None else None
    return None if stamp is None else (cache, stamp)


def _add(session, keys) -> None:
    if cache_of(session) is not None:
        session.info.setdefault(_PENDING, set()).update(keys)


def _drops_whole_kind(column: str | None, *, inserting: bool) -> bool:
    """For a table whose rows are not keyed like the entries (``TRACKED`` column None or
    ``ANY_ROW``): whether this write drops the whole kind."""
    return column == ANY_ROW or not inserting


def _keys_of_object(obj, *, new: bool = False) -> set[tuple[int, int]]:
    """The keys a flushed object touches (a new row only through the parent it joins)."""
    keys: set[tuple[int, int]] = set()
    for kind, column in TRACKED.get(getattr(type(obj), "__tablename__", None), ()):
        if column is None or column == ANY_ROW:
            if _drops_whole_kind(column, inserting=new):
                keys.add((kind, WHOLE_KIND))
            continue
        if new and column == "id":
            continue  # a new parent row is in no cache yet
        state = inspect(obj)
        values = [getattr(obj, column, None)]
        if column in state.attrs:
            values += list(state.attrs[column].history.deleted or ())
        keys.update((kind, v) for v in values if isinstance(v, int))
    return keys


@event.listens_for(TrackedSession, "after_begin")
def _after_begin(session, transaction, connection) -> None:
    cache = cache_of(session)
    if cache is not None and _STAMP not in session.info:
        session.info[_STAMP] = cache.stamp()


@event.listens_for(TrackedSession, "after_flush")
def _after_flush(session, flush_context) -> None:
    if cache_of(session) is None:
        return
    keys: set[tuple[int, int]] = set()
    for obj in session.new:
        keys |= _keys_of_object(obj, new=True)
    for obj in (*session.dirty, *session.deleted):
        keys |= _keys_of_object(obj)
    if keys:
        _add(session, keys)


def _column_values(clause, table: str, column: str) -> set[int] | None:
    """The ids a WHERE clause pins ``table.column`` to, if it says so plainly."""
    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        for part in clause.clauses:
            found = _column_values(part, table, column)
            if found is not None:
                return found
        return None
    if not isinstance(clause, BinaryExpression):
        return None
    left, right = clause.left, clause.right
    left_table = getattr(getattr(left, "table", None), "name", None)
    if getattr(left, "name", None) != column or left_table != table:
        return None
    if not isinstance(right, BindParameter):
        return None
    value = right.effective_value
    if clause.operator is operators.eq and isinstance(value, int):
        return {value}
    if clause.operator is operators.in_op and right.expanding and value is not None:
        values = list(value)
        if all(isinstance(v, int) for v in values):
            return set(values)
    return None


def _inserted_values(statement: Insert, parameters: Any, column: str) -> set[int] | None:
    rows = parameters if isinstance(parameters, list) else [parameters] if parameters else []
    if not rows:
        if statement.select is not None:
            return None
        rows = [statement.compile().params]
    values = set()
    for row in rows:
        value = row.get(column) if isinstance(row, dict) else None
        if not isinstance(value, int):
            return None
        values.add(value)
    return values


def _keys_of_statement(statement, parameters) -> set[tuple[int, int]]:
    if isinstance(statement, TextClause):
        if statement.text.lstrip().lower().startswith(_DML_WORDS):
            return {(kind, WHOLE_KIND) for kind in KINDS}
        return set()
    if not isinstance(statement, Insert | Update | Delete):
        return set()
    table = getattr(statement.table, "name", None)
    keys: set[tuple[int, int]] = set()
    for kind, column in TRACKED.get(table, ()):
        if column is None or column == ANY_ROW:
            if _drops_whole_kind(column, inserting=isinstance(statement, Insert)):
                keys.add((kind, WHOLE_KIND))
            continue
        if isinstance(statement, Insert):
            values = _inserted_values(statement, parameters, column)
        elif statement.whereclause is not None:
            values = _column_values(statement.whereclause, table, column)
        elif isinstance(parameters, list) and parameters:  # ORM bulk update by primary key
            values = {row.get(column) for row in parameters}
            values = values if all(isinstance(v, int) for v in values) else None
        else:
            values = None
        if values is None:
            keys.add((kind, WHOLE_KIND))
        else:
            keys.update((kind, v) for v in values)
    return keys


@event.listens_for(TrackedSession, "do_orm_execute")
def _do_orm_execute(state) -> None:
    session = state.session
    if cache_of(session) is None or state.is_select:
        return
    keys = _keys_of_statement(state.statement, state.parameters)
    if keys:
        _add(session, keys)


@event.listens_for(TrackedSession, "after_commit")
def _after_commit(session) -> None:
    keys = session.info.pop(_PENDING, None)
    cache = cache_of(session)
    if keys and cache is not None:
        try:
            cache.publish(keys)
        except OSError:  # the journal is unusable: never serve what may be stale
            log.exception("writing %d cache invalidations failed; dropping caches", len(keys))
            cache.enabled = False
            cache.forget_all()


@event.listens_for(TrackedSession, "after_transaction_end")
def _after_transaction_end(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_STAMP, None)
