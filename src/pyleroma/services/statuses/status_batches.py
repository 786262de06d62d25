"""Everything a page of statuses needs to render, read in at most two batches.

A page of statuses (a timeline, a thread, notifications, search results) renders from the
same related rows whatever its length: the originals of its boosts and the posts it quotes,
then authors and mentioned accounts, mentions, hashtags, media, polls, applications, pins,
which linked posts the viewer may see, and the viewer's own marks (favourited, reblogged,
bookmarked, muted, poll votes, direct conversations, all in one statement: ``MARKS``).
Each is a statement written once below and compiled once per dialect (db/fastread.py); the
second batch runs in a single hop to the database thread on SQLite. What every viewer sees
alike (accounts; a status's media, mentions, hashtags, pin and application) comes from the
entity caches (cache/entities.py) when they hold it, so a warm page reads only its rows and
the viewer's marks. Rows come back as light read-only tuples with the models' attribute
names, which the renderers read exactly as ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pyleroma.cache.changes import cache_in_transaction
from pyleroma.cache.entities import (
    KIND_ACCOUNT,
    KIND_STATUS,
    AccountEntry,
    StatusBundle,
)
from pyleroma.db.base import utcnow
from pyleroma.db.fastread import Prepared, in_list, reader, row_type
from pyleroma.models import (
    Account,
    Bookmark,
    Conversation,
    ConversationParticipation,
    Favourite,
    Hashtag,
    MediaAttachment,
    Mute,
    OAuthApp,
    Poll,
    PollVote,
    Status,
    StatusMention,
    StatusPin,
    StatusTag,
    ThreadMute,
)
from pyleroma.policy.relations import mute_in_force
from pyleroma.policy.visibility import visible_filter
from pyleroma.services.cards import batches as card_batches
from pyleroma.services.statuses import event_batches, reaction_batches

# Columns no renderer reads and no read path should carry around.
SECRET_ACCOUNT_COLUMNS = (
    "password_hash",
    "private_key",
    "confirmation_token",
    "totp_secret",
    "totp_last_step",
    "mfa_backup_codes",
)

StatusRow, STATUS_COLUMNS = row_type(Status)
AccountRow, ACCOUNT_COLUMNS = row_type(Account, exclude=SECRET_ACCOUNT_COLUMNS)
MediaRow, MEDIA_COLUMNS = row_type(MediaAttachment)
PollRow, POLL_COLUMNS = row_type(Poll)

VIEWER = bindparam("viewer_id", type_=BigInteger)
_QUOTING = aliased(Status, name="quoting")

# Each of these reads "rows by id, and rows linked to those" as a UNION ALL of two lookups
# rather than ``id IN (list) OR id IN (subquery)``: PostgreSQL answers such an OR with a
# sequential scan of the whole table (0.3 s per home page at 1M statuses). A row may come
# twice; the readers key rows by id.

# The originals of the page's boosts and the posts it (or those originals) quote.
LINKED = Prepared(
    union_all(
        select(*STATUS_COLUMNS).where(in_list(Status.id, "ids")),
        select(*STATUS_COLUMNS).where(
            Status.id.in_(select(_QUOTING.quote_id).where(in_list(_QUOTING.id, "original_ids")))
        ),
    )
)
# Statuses by id, and the originals of those that are boosts (notifications show the
# original of a boost they are about).
_BOOSTS = aliased(Status, name="boosts")
WITH_ORIGINALS = Prepared(
    union_all(
        select(*STATUS_COLUMNS).where(in_list(Status.id, "ids")),
        select(*STATUS_COLUMNS).where(
            Status.id.in_(select(_BOOSTS.reblog_of_id).where(in_list(_BOOSTS.id, "ids")))
        ),
    )
)
ACCOUNTS = Prepared(
    union_all(
        select(*ACCOUNT_COLUMNS).where(in_list(Account.id, "account_ids")),
        select(*ACCOUNT_COLUMNS).where(
            Account.id.in_(
                select(StatusMention.account_id).where(
                    in_list(StatusMention.status_id, "bundle_ids"),
                    StatusMention.silent.is_(False),
                )
            )
        ),
    )
)
MENTIONS = Prepared(
    select(StatusMention.status_id, StatusMention.account_id)
    .join(Account, Account.id == StatusMention.account_id)
    .where(in_list(StatusMention.status_id, "bundle_ids"), StatusMention.silent.is_(False))
    .order_by(StatusMention.status_id, Account.nickname_key)
)
TAGS = Prepared(
    select(StatusTag.status_id, Hashtag.name)
    .join(Hashtag, Hashtag.id == StatusTag.hashtag_id)
    .where(in_list(StatusTag.status_id, "bundle_ids"))
    .order_by(StatusTag.status_id, Hashtag.name)
)
MEDIA = Prepared(
    select(*MEDIA_COLUMNS)
    .where(in_list(MediaAttachment.status_id, "media_status_ids"))
    .order_by(MediaAttachment.position, MediaAttachment.id)
)
POLLS = Prepared(select(*POLL_COLUMNS).where(in_list(Poll.status_id, "poll_status_ids")))
APPS = Prepared(
    select(OAuthApp.id, OAuthApp.name, OAuthApp.website).where(in_list(OAuthApp.id, "app_ids"))
)
PINS = Prepared(
    select(StatusPin.status_id, StatusPin.created_at).where(
        in_list(StatusPin.status_id, "bundle_ids"), in_list(StatusPin.account_id, "author_ids")
    )
)
VISIBLE_ANONYMOUS = Prepared(
    select(Status.id).where(in_list(Status.id, "linked_ids"), visible_filter(None))
)
# Accounts by id alone (the targets of moved accounts: render_statuses' ``moved``).
ACCOUNTS_BY_ID = Prepared(select(*ACCOUNT_COLUMNS).where(in_list(Account.id, "account_ids")))
ACCOUNTS_MUTED = Prepared(
    select(Mute.target_id).where(
        Mute.account_id == VIEWER,
        in_list(Mute.target_id, "author_ids"),
        mute_in_force(bindparam("now", type_=DateTime())),
    )
)


# The viewer's marks on a page in one statement (one round trip on PostgreSQL too): which
# statuses they favourited, bookmarked and boosted, whose authors and threads they mute,
# which linked posts they may see, their poll votes and direct conversations. Each part
# gives (mark, id, extra); an empty list parameter makes a part cost nothing.
MARK_FAVOURITED, MARK_BOOKMARKED, MARK_REBLOGGED = 1, 2, 3
MARK_MUTED_ACCOUNT, MARK_MUTED_THREAD, MARK_VISIBLE, MARK_VOTE, MARK_PARTICIPATION = 4, 5, 6, 7, 8


def _mark(mark: int, ident, extra=None):
    extra = cast(null(), BigInteger) if extra is None else cast(extra, BigInteger)
    return select(
        literal_column(str(mark), BigInteger).label("mark"),
        cast(ident, BigInteger).label("ident"),
        extra.label("extra"),
    )


MARKS = Prepared(
    union_all(
        _mark(MARK_FAVOURITED, Favourite.status_id).where(
            Favourite.account_id == VIEWER, in_list(Favourite.status_id, "status_ids")
        ),
        _mark(MARK_BOOKMARKED, Bookmark.status_id).where(
            Bookmark.account_id == VIEWER, in_list(Bookmark.status_id, "status_ids")
        ),
        _mark(MARK_REBLOGGED, Status.reblog_of_id).where(
            Status.account_id == VIEWER, in_list(Status.reblog_of_id, "status_ids")
        ),
        _mark(MARK_MUTED_ACCOUNT, Mute.target_id).where(
            Mute.account_id == VIEWER,
            in_list(Mute.target_id, "author_ids"),
            mute_in_force(bindparam("now", type_=DateTime())),
        ),
        _mark(MARK_MUTED_THREAD, ThreadMute.conversation_id).where(
            ThreadMute.account_id == VIEWER, in_list(ThreadMute.conversation_id, "thread_ids")
        ),
        _mark(MARK_VISIBLE, Status.id).where(
            in_list(Status.id, "linked_ids"), visible_filter(VIEWER)
        ),
        _mark(MARK_VOTE, PollVote.poll_id, PollVote.choice)
        .join(Poll, Poll.id == PollVote.poll_id)
        .where(in_list(Poll.status_id, "poll_status_ids"), PollVote.account_id == VIEWER),
        _mark(MARK_PARTICIPATION, Conversation.thread_id, ConversationParticipation.id)
        .join(Conversation, Conversation.id == ConversationParticipation.conversation_id)
        .where(
            in_list(Conversation.thread_id, "direct_thread_ids"),
            ConversationParticipation.account_id == VIEWER,
        ),
    ).order_by("mark", "ident", "extra")
)


async def statuses_with_originals(session: AsyncSession, ids: Iterable[int]) -> dict[int, Any]:
    """StatusRows by id for ``ids`` and for the originals of those that are boosts."""
    rows = await (await reader(session)).one(WITH_ORIGINALS, {"ids": ids})
    return {row[0]: StatusRow._make(row) for row in rows}


async def muted_among(session: AsyncSession, viewer_id: int, account_ids: Iterable[int]) -> set:
    """Which of ``account_ids`` the viewer mutes now (timed mutes still running)."""
    params = {"viewer_id": viewer_id, "author_ids": account_ids, "now": utcnow()}
    return {r[0] for r in await (await reader(session)).one(ACCOUNTS_MUTED, params)}


@dataclass
class RenderContext:
    """Everything loaded for one page: rows keyed by id, and the viewer's own marks."""

    statuses: dict[int, Any] = field(default_factory=dict)
    accounts: dict[int, Any] = field(default_factory=dict)
    mentions: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    polls: dict[int, Any] = field(default_factory=dict)
    own_votes: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    favourited: set[int] = field(default_factory=set)
    reblogged: set[int] = field(default_factory=set)
    bookmarked: set[int] = field(default_factory=set)
    muted_threads: set[int] = field(default_factory=set)
    muted_accounts: set[int] = field(default_factory=set)
    visible: set[int] = field(default_factory=set)
    participations: dict[int, int] = field(default_factory=dict)
    # Reacting accounts the viewer is not shown: always, and unless ``with_muted``.
    hidden_reactors: set[int] = field(default_factory=set)
    muted_reactors: set[int] = field(default_factory=set)
    # The viewer's participation in the page's events (pending, accepted, rejected).
    join_states: dict[int, str] = field(default_factory=dict)
    # What every viewer sees alike, cached across requests (cache/entities.py) or read now.
    account_entries: dict[int, AccountEntry] = field(default_factory=dict)
    bundles: dict[int, StatusBundle] = field(default_factory=dict)


async def load_context(
    session: AsyncSession, statuses: Iterable[Any], viewer: Account | None
) -> RenderContext:
    """The related rows of ``statuses`` (ORM Status objects or StatusRows) for ``viewer``."""
    ctx = RenderContext()
    for status in statuses:
        ctx.statuses[status.id] = status
    if not ctx.statuses:
        return ctx
    read = await reader(session)

    page = list(ctx.statuses.values())
    original_ids = {s.reblog_of_id for s in page if s.reblog_of_id}
    linked = (original_ids | {s.quote_id for s in page if s.quote_id}) - ctx.statuses.keys()
    if linked or original_ids:
        for row in await read.one(LINKED, {"ids": linked, "original_ids": original_ids}):
            status = StatusRow._make(row)
            ctx.statuses.setdefault(status.id, status)

    everything = list(ctx.statuses.values())
    ids = list(ctx.statuses)
    cache, stamp = cache_in_transaction(session) or (None, None)
    bundles = cache.get(KIND_STATUS, ids) if cache is not None else {}
    unbundled = [s for s in everything if s.id not in bundles]
    author_ids = {s.account_id for s in everything}
    account_ids = author_ids | {
        s.in_reply_to_account_id for s in everything if s.in_reply_to_account_id
    }
    account_ids.update(m for bundle in bundles.values() for m in bundle.mention_ids)
    entries = cache.get(KIND_ACCOUNT, account_ids) if cache is not None else {}
    poll_status_ids = [s.id for s in everything if s.has_poll]
    linked_ids = {s.in_reply_to_id for s in everything if s.in_reply_to_id} | {
        s.quote_id for s in everything if s.quote_id
    }
    params = {
        "status_ids": ids,
        "bundle_ids": [s.id for s in unbundled],
        "account_ids": account_ids - entries.keys(),
        "author_ids": author_ids,
        "media_status_ids": [s.id for s in unbundled if s.has_media],
        "poll_status_ids": poll_status_ids,
        "app_ids": {s.application_id for s in unbundled if s.application_id},
        "linked_ids": linked_ids,
    }
    batch: list[tuple[str, Prepared]] = []
    if params["account_ids"] or unbundled:
        batch.append(("accounts", ACCOUNTS))
    if unbundled:
        batch += [("mentions", MENTIONS), ("tags", TAGS), ("pins", PINS)]
    if params["media_status_ids"]:
        batch.append(("media", MEDIA))
    if poll_status_ids:
        batch.append(("polls", POLLS))
    if params["app_ids"]:
        batch.append(("apps", APPS))
    if viewer is None:
        if linked_ids:
            batch.append(("visible", VISIBLE_ANONYMOUS))
    else:
        params |= {
            "viewer_id": viewer.id,
            "now": utcnow(),
            "thread_ids": {s.conversation_id for s in everything if s.conversation_id},
            "direct_thread_ids": {
                s.conversation_id
                for s in everything
                if s.visibility == "direct" and s.conversation_id
            },
        }
        batch.append(("marks", MARKS))
    if unbundled:
        batch.append(("reactions", reaction_batches.REACTIONS))
        batch.append(("cards", card_batches.CARDS))
    if unbundled or any(bundle.reactions for bundle in bundles.values()):
        hidden = reaction_batches.HIDDEN_REACTORS[viewer is not None]
        batch.append(("hidden_reactors", hidden))
    params["event_ids"] = event_batches.event_ids(params["bundle_ids"], bundles)
    if params["event_ids"]:
        batch.append(("events", event_batches.EVENTS[viewer is not None]))
    results = await read.run([(prepared, params) for _, prepared in batch]) if batch else []
    got = {name: rows for (name, _), rows in zip(batch, results, strict=True)}

    fetched = {row[0]: AccountEntry(AccountRow._make(row)) for row in got.get("accounts", ())}
    held, read_now = await _moved_targets(read, cache, entries | fetched)
    entries |= held
    fetched |= read_now
    ctx.account_entries = entries | fetched
    ctx.accounts = {ident: entry.row for ident, entry in ctx.account_entries.items()}
    new_bundles = {s.id: StatusBundle() for s in unbundled}
    for status_id, account_id in got.get("mentions", ()):
        new_bundles[status_id].mention_ids.append(account_id)
    for status_id, name in got.get("tags", ()):
        new_bundles[status_id].tags.append(name)
    for status_id, created_at in got.get("pins", ()):
        new_bundles[status_id].pinned_at = created_at
    for row in got.get("media", ()):
        media = MediaRow._make(row)
        new_bundles[media.status_id].media.append(media)
    apps = {app_id: _App(name, website) for app_id, name, website in got.get("apps", ())}
    for status in unbundled:
        if status.application_id:
            new_bundles[status.id].app = apps.get(status.application_id)
    for status_id, emoji, emoji_url, account_id in got.get("reactions", ()):
        new_bundles[status_id].reactions.append((emoji, emoji_url, account_id))
    for account_id, why in got.get("hidden_reactors", ()):
        hidden = ctx.hidden_reactors if why == reaction_batches.HIDDEN else ctx.muted_reactors
        hidden.add(account_id)
    events, ctx.join_states = event_batches.read_rows(got.get("events", ()))
    cards = card_batches.read_rows(got.get("cards", ()))
    for status_id, bundle in new_bundles.items():
        bundle.event = events.get(status_id)
        bundle.card = cards.get(status_id)
    ctx.bundles = bundles | new_bundles
    for status_id, bundle in ctx.bundles.items():
        mentioned = [ctx.accounts[a] for a in bundle.mention_ids if a in ctx.accounts]
        if mentioned:
            ctx.mentions[status_id] = mentioned
    if cache is not None:
        cache.put(KIND_ACCOUNT, fetched, stamp)
        cache.put(KIND_STATUS, new_bundles, stamp)
    for row in got.get("polls", ()):
        poll = PollRow._make(row)
        ctx.polls[poll.status_id] = poll
    ctx.visible = {r[0] for r in got.get("visible", ())}
    marks = {
        MARK_FAVOURITED: ctx.favourited,
        MARK_BOOKMARKED: ctx.bookmarked,
        MARK_REBLOGGED: ctx.reblogged,
        MARK_MUTED_ACCOUNT: ctx.muted_accounts,
        MARK_MUTED_THREAD: ctx.muted_threads,
        MARK_VISIBLE: ctx.visible,
    }
    for mark, ident, extra in got.get("marks", ()):
        if mark == MARK_VOTE:
            ctx.own_votes[ident].append(extra)
        elif mark == MARK_PARTICIPATION:
            ctx.participations[ident] = extra
        else:
            marks[mark].add(ident)
    return ctx


async def _moved_targets(read, cache, entries: dict[int, AccountEntry]) -> tuple[dict, dict]:
    """The entries of the accounts that accounts of the page moved to (their ``moved``):
    (those the cache holds, those read now in one more statement). Only a page with a
    moved account reads anything, so an ordinary page costs nothing more."""
    wanted = {e.row.moved_to_id for e in entries.values() if e.row.moved_to_id is not None}
    wanted -= entries.keys()
    if not wanted:
        return {}, {}
    held = cache.get(KIND_ACCOUNT, wanted) if cache is not None else {}
    missing = wanted - held.keys()
    if not missing:
        return held, {}
    rows = await read.one(ACCOUNTS_BY_ID, {"account_ids": missing})
    return held, {row[0]: AccountEntry(AccountRow._make(row)) for row in rows}


@dataclass(frozen=True, slots=True)
class _App:
    """What a Status shows of the application that posted it."""

    name: str
    website: str | None
