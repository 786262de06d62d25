"""Process caches of what every viewer sees alike: account rows and what a status shows
besides its own row, each with the rendering made from it.

Entries keyed by id (tokens by digest, filters and relationships by account; see
cache/tokens.py, services/filters/filters.py and services/relations/relationships_view.py):

- ``KIND_ACCOUNT``: an account's row (secrets left out) and, made on first use, its
  public rendering (what anyone but the account itself and admins sees).
- ``KIND_STATUS``: a status's *bundle*: its media, mentioned account ids, hashtags, the
  author's pin and the posting application, and, made on first use, the viewer-independent
  part of its rendering together with the status row it was made from. The status row
  itself is never cached: a page reads it anyway, and the rendering is reused only while
  the row is equal, so counters and edits need no invalidation of their own.

Exactness. Every commit that touches a cached table appends the keys it touched to the
shared journal (cache/journal.py, cache/changes.py) before the request answers, and a
process reads the journal before each use of its caches. A value read from the database is
stored only if no invalidation of its key reached the journal after the reading transaction
began (its *stamp*), so a slow reader can never put back what a writer just replaced, and a
session that has written something in its open transaction neither reads nor fills the
caches (it must see its own uncommitted writes, and they may still roll back).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from pyleroma.cache.journal import Journal

KIND_ACCOUNT = 1
KIND_STATUS = 2
KIND_TOKEN = 3
KIND_FILTERS = 4
KIND_RELATIONS = 5
KINDS = (KIND_ACCOUNT, KIND_STATUS, KIND_TOKEN, KIND_FILTERS, KIND_RELATIONS)
WHOLE_KIND = -1  # an id meaning "every entry of this kind"


@dataclass(slots=True)
class AccountEntry:
    row: Any
    public: dict | None = None  # account_to_api for anyone but itself and admins


@dataclass(slots=True)
class StatusBundle:
    media: list[Any] = field(default_factory=list)
    mention_ids: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    pinned_at: Any = None
    app: Any = None  # name and website of the application that posted it
    # (emoji, image URL, account id) of each reaction, oldest first (reaction_batches.py)
    reactions: list[tuple[str, str | None, int]] = field(default_factory=list)
    # The status's ``events`` row (event_batches.py), None for a post that is no event.
    event: Any = None
    # The ready link preview card the status shows (services/cards/batches.py), or None.
    card: Any = None
    # (status row, fragment): render_statuses' viewer-independent part, valid for that row
    fragment: tuple[Any, dict] | None = None


@dataclass(slots=True)
class TokenEntry:
    """An access token with its app and account, detached (cache/tokens.py), valid while
    neither the token nor its account changed after ``stamp``."""

    snapshot: Any
    token_id: int
    account_id: int | None
    stamp: int

    @property
    def rows(self) -> tuple[tuple[int, int], ...]:
        if self.account_id is None:
            return ((KIND_TOKEN, self.token_id),)
        return ((KIND_TOKEN, self.token_id), (KIND_ACCOUNT, self.account_id))


@dataclass(slots=True)
class NamedEntry:
    """A value found by a name rather than an id (a remote key id, a local nickname),
    valid while none of ``rows`` ((kind, id) of what it was read from) changed after
    ``stamp``."""

    value: Any
    rows: tuple[tuple[int, int], ...]
    stamp: int


class EntityCache:
    """One process's caches; ``size`` entries per kind (0: publish changes, cache nothing)."""

    def __init__(self, journal: Journal, size: int) -> None:
        self.journal = journal
        self.size = size
        self.enabled = size > 0
        self.accounts: OrderedDict[int, AccountEntry] = OrderedDict()
        self.statuses: OrderedDict[int, StatusBundle] = OrderedDict()
        self.tokens: OrderedDict[str, TokenEntry] = OrderedDict()  # by digest
        # An account's filters with their keywords and statuses, expired ones included
        # (services/filters/filters.py drops those per request: time is not an invalidation).
        self.filters: OrderedDict[int, list[tuple]] = OrderedDict()
        # A viewer's relationships (follows both ways, blocks both ways, mutes with their
        # expiry, endorsements, notes, domain blocks) to the accounts asked about so far,
        # by target id (services/relations/relationships_view.py).
        self.relations: OrderedDict[int, dict[int, tuple]] = OrderedDict()
        # Values found by name, per name space (NamedEntry): e.g. "signer" (a remote key id
        # to its account's id, actor id and public key: federation/intake.py).
        self.named: dict[str, OrderedDict[str, NamedEntry]] = {}
        self._tables = {
            KIND_ACCOUNT: self.accounts,
            KIND_STATUS: self.statuses,
            KIND_TOKEN: self.tokens,
            KIND_FILTERS: self.filters,
            KIND_RELATIONS: self.relations,
        }
        self._seen = journal.sequence
        self._invalidated: dict[tuple[int, int], int] = {}
        self._cleared = dict.fromkeys(KINDS, self._seen)
        self.hits = 0

    def _table(self, kind: int) -> OrderedDict:
        return self._tables[kind]

    # -- invalidation ---------------------------------------------------------------------

    def publish(self, keys: set[tuple[int, int]]) -> None:
        """A transaction that touched ``keys`` committed: tell every process (this one too)."""
        self.journal.append(sorted(keys))
        self.catch_up()

    def catch_up(self) -> int:
        """Apply what any process wrote to the journal since we last looked."""
        seen, entries = self.journal.read_since(self._seen)
        if seen == self._seen:
            return seen
        if entries is None:
            self.forget_all(seen)
            return seen
        for sequence, kind, ident in entries:
            if kind not in KINDS:
                continue
            table = self._table(kind)
            if ident == WHOLE_KIND:
                table.clear()
                self._cleared[kind] = sequence
            else:
                if kind != KIND_TOKEN:  # tokens are keyed by digest: checked in token()
                    table.pop(ident, None)
                self._invalidated[(kind, ident)] = sequence
        self._seen = seen
        if len(self._invalidated) > 4 * self.journal.slots:
            horizon = seen - self.journal.slots
            self._invalidated = {k: s for k, s in self._invalidated.items() if s > horizon}
        return seen

    def forget_all(self, sequence: int | None = None) -> None:
        sequence = self.journal.sequence if sequence is None else sequence
        for table in (*self._tables.values(), *self.named.values()):
            table.clear()
        self._invalidated.clear()
        self._cleared = dict.fromkeys(KINDS, sequence)
        self._seen = sequence

    def stamp(self) -> int:
        """The journal position a transaction beginning now reads from."""
        return self.catch_up()

    def _may_store(self, kind: int, ident: int, stamp: int) -> bool:
        if self._seen - stamp >= self.journal.slots or self._cleared[kind] > stamp:
            return False
        return self._invalidated.get((kind, ident), 0) <= stamp

    # -- reads and stores -----------------------------------------------------------------

    def get(self, kind: int, ids) -> dict[int, Any]:
        """The cached entries of ``ids`` (after catching up with the journal)."""
        if not self.enabled:
            return {}
        self.catch_up()
        table = self._table(kind)
        found = {}
        for ident in ids:
            entry = table.get(ident)
            if entry is not None:
                table.move_to_end(ident)
                found[ident] = entry
        self.hits += len(found)
        return found

    def put(self, kind: int, entries: dict[int, Any], stamp: int) -> None:
        """Store entries read in a transaction stamped ``stamp`` (unless outdated since)."""
        if not self.enabled or not entries:
            return
        self.catch_up()
        table = self._table(kind)
        for ident, entry in entries.items():
            if self._may_store(kind, ident, stamp):
                table[ident] = entry
                table.move_to_end(ident)
        while len(table) > self.size:
            table.popitem(last=False)

    # -- tokens ---------------------------------------------------------------------------

    def token(self, digest: str) -> Any | None:
        """The cached token of ``digest`` unless it or its account changed since it was read."""
        entry = self._checked(self.tokens, digest)
        return None if entry is None else entry.snapshot

    def put_token(self, digest: str, entry: TokenEntry) -> None:
        self._keep(self.tokens, digest, entry)

    # -- values found by name -------------------------------------------------------------

    def get_named(self, space: str, name: str) -> Any | None:
        """The value cached under ``name`` unless a row it was read from changed since."""
        table = self.named.get(space)
        entry = self._checked(table, name) if table is not None else None
        return None if entry is None else entry.value

    def put_named(self, space: str, name: str, entry: NamedEntry) -> None:
        self._keep(self.named.setdefault(space, OrderedDict()), name, entry)

    def _checked(self, table: OrderedDict, name: str) -> Any | None:
        if not self.enabled:
            return None
        self.catch_up()
        entry = table.get(name)
        if entry is None:
            return None
        if not all(self._may_store(kind, ident, entry.stamp) for kind, ident in entry.rows):
            del table[name]
            return None
        table.move_to_end(name)
        self.hits += 1
        return entry

    def _keep(self, table: OrderedDict, name: str, entry: Any) -> None:
        if not self.enabled:
            return
        self.catch_up()
        table[name] = entry
        table.move_to_end(name)
        while len(table) > self.size:
            table.popitem(last=False)
