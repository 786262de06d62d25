"""The generator's write buffer and its time-ordered stream of statuses.

``Writer`` collects rows per table and writes them in dependency order (a status before its
tags, mentions, favourites and notifications), one batch and one commit at a time.

``StatusStream`` produces the statuses one event at a time, in time order: a plain post, a
reply to a recent post, a boost of a recent post, or a reply in the one deep thread the
context benchmark reads; favourites are sprinkled on recent posts as time passes. A status
stays in a window of recent statuses (``Params.window``) while replies, boosts and
favourites may still change its counters, and is written only when it leaves the window, so
every row is written once with its final counters. Only the deep thread outlives the window;
its late reply counts are applied with one UPDATE at the end.
"""

from __future__ import annotations

import asyncio
from array import array
from collections import Counter
from collections.abc import Callable

from benchmarks.dataset import THREAD_TAG, WORDS, IdMaker, ms_to_datetime, status_text
from pyleroma.db.base import Base
from pyleroma.db.ids import id_floor
from pyleroma.policy.visibility import open_to_everyone
from pyleroma.services.text.formatting import render_plain_text
from pyleroma.urls import activity_uri, context_uri, object_uri

OPEN = ("public", "unlisted")
DAY_MS = 86_400_000

# Tables whose rows the generator builds as tuples in this column order (the hot ones).
FIXED = {
    "follows": (
        "id",
        "follower_id",
        "followed_id",
        "state",
        "show_reblogs",
        "notify",
        "created_at",
    ),
    "notifications": (
        "id",
        "account_id",
        "from_account_id",
        "type",
        "status_id",
        "seen",
        "created_at",
    ),
    "status_tags": ("status_id", "hashtag_id"),
    "status_mentions": ("status_id", "account_id", "silent"),
    "favourites": ("id", "account_id", "status_id", "created_at"),
    "home_timeline_entries": ("account_id", "status_id", "author_id", "reblog_of_author_id"),
}
# Write order within a batch: referenced rows first.
ORDER = (
    "accounts",
    "follows",
    "hashtags",
    "statuses",
    "status_tags",
    "status_mentions",
    "favourites",
    "notifications",
    "home_timeline_entries",
    "oauth_apps",
    "oauth_tokens",
)


def column_default(column):
    """A column's Python-side default value (the bulk path skips SQLAlchemy's defaults)."""
    default = column.default
    if default is None:
        return None
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        return default.arg(None)
    return None


async def db_columns(sink, table: str) -> set[str]:
    if sink.name == "sqlite":
        rows = await sink.fetch("SELECT name FROM pragma_table_info(?)", (table,))
    else:
        rows = await sink.fetch(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = ? AND table_schema = current_schema()",
            (table,),
        )
    return {r[0] for r in rows}


class Writer:
    """Rows per table, flushed in ``ORDER`` when ``batch`` rows are waiting."""

    def __init__(self, sink, batch: int):
        self.sink = sink
        self.batch = batch
        self.ids = IdMaker()
        self.pending: dict[str, list[tuple]] = {name: [] for name in ORDER}
        self.count = 0
        self.totals: Counter = Counter()
        self.columns: dict[str, list[str]] = {}
        self.defaults: dict[str, dict] = {}
        self.tails: dict[str, tuple] = {}
        self.warnings: list[str] = []
        self.inflight: asyncio.Future | None = None

    async def prepare(self) -> None:
        """Column lists from the models, limited to what the migrated database has."""
        for name in ORDER:
            table = Base.metadata.tables[name]
            present = await db_columns(self.sink, name)
            if not present:
                raise RuntimeError(f"table {name} is missing: is the database migrated?")
            missing = [c.name for c in table.c if c.name not in present]
            if missing:
                self.warnings.append(f"{name}: the database lacks {', '.join(missing)}")
            columns = [c.name for c in table.c if c.name in present]
            self.defaults[name] = {c.name: column_default(c) for c in table.c}
            fixed = FIXED.get(name)
            if fixed:
                absent = [c for c in fixed if c not in present]
                if absent:
                    raise RuntimeError(f"table {name} lacks {', '.join(absent)}")
                extras = [c for c in columns if c not in fixed]
                self.columns[name] = [*fixed, *extras]
                self.tails[name] = tuple(self.defaults[name][c] for c in extras)
            else:
                self.columns[name] = columns

    def when(self, ms: int):
        return ms_to_datetime(ms)

    def when_id(self, ms: int) -> int:
        return id_floor(ms)

    def add(self, name: str, values: dict) -> None:
        defaults = self.defaults[name]
        self.pending[name].append(
            tuple(values[c] if c in values else defaults[c] for c in self.columns[name])
        )
        self.count += 1

    def add_fixed(self, name: str, row: tuple) -> None:
        tail = self.tails[name]
        self.pending[name].append(row + tail if tail else row)
        self.count += 1

    async def maybe_flush(self) -> None:
        if self.count >= self.batch:
            await self.flush(wait=False)
        elif self.inflight is not None and not self.inflight.done():
            # Let the in-flight write (asyncpg's COPY) move its bytes along.
            await asyncio.sleep(0)

    async def flush(self, *, wait: bool = True) -> None:
        """Write what is waiting; with ``wait=False`` the write runs while the caller
        builds the next batch (one write in flight at a time keeps the order)."""
        await self.drain()
        batches = [(name, rows) for name, rows in self.pending.items() if rows]
        self.pending = {name: [] for name in ORDER}
        self.count = 0
        self.inflight = asyncio.ensure_future(self._write(batches))
        if wait:
            await self.drain()

    async def drain(self) -> None:
        if self.inflight is not None:
            task, self.inflight = self.inflight, None
            await task

    async def _write(self, batches: list[tuple[str, list[tuple]]]) -> None:
        for name, rows in batches:
            await self.sink.insert(Base.metadata.tables[name], self.columns[name], rows)
            self.totals[name] += len(rows)
        await self.sink.commit()


class Pending:
    """A status in the window: its row values (counters still moving) and dependent rows."""

    __slots__ = ("values", "author", "children", "likers", "rebloggers", "flushed")

    def __init__(self, values: dict, author: int):
        self.values = values
        self.author = author
        self.children: list[tuple[str, tuple]] = []
        self.likers: set[int] | None = None
        self.rebloggers: set[int] | None = None
        self.flushed = False

    @property
    def id(self) -> int:
        return self.values["id"]

    def open_original(self) -> bool:
        """A post anyone may reply to, boost or favourite (not a boost, not private)."""
        return "reblog_of_id" not in self.values and self.values["visibility"] in OPEN


class StatusStream:
    def __init__(self, ctx, rng, picker: Callable[[], int]):
        self.ctx = ctx
        self.p = p = ctx.params
        self.rng = rng
        self.pick = picker
        self.w = ctx.writer
        self.ring: list[Pending | None] = [None] * p.window
        self.pos = 0
        self.span = ctx.end_ms - ctx.start_ms
        self.thread_start = int(p.statuses * 0.4)
        self.thread_end = max(self.thread_start + 2, int(p.statuses * 0.6))
        self.thread_every = (self.thread_end - self.thread_start) / (p.thread_size + 1)
        self.thread: list[Pending] = []
        self.thread_parent: dict[int, int] = {}
        self.late_replies: Counter = Counter()
        self.seen_before = ctx.end_ms - 2 * DAY_MS
        self.kinds: Counter = Counter()

    # -- events ---------------------------------------------------------------------------

    def event(self, k: int) -> None:
        p, rng, layout = self.p, self.rng, self.ctx.layout
        ms = self.ctx.start_ms + int((k + rng.random()) * self.span / p.statuses)
        author = self.pick()
        wide = layout.posts_widely(author)
        if k == self.thread_start:
            words = " ".join(rng.choices(WORDS, k=12))
            root = self.store(ms, layout.AUTHOR, "public", f"A long thread #{THREAD_TAG} {words}")
            self.thread.append(root)
            self.kinds["thread"] += 1
        elif wide and self.thread and k < self.thread_end and self.thread_due(k):
            # Mostly answering the latest reply (a long chain), sometimes an earlier one
            # (branches), as a busy discussion goes.
            parent = self.thread[-1] if rng.random() < 0.8 else rng.choice(self.thread)
            reply = self.reply(ms, author, parent, "public")
            self.thread.append(reply)
            self.thread_parent[reply.id] = parent.id
            self.kinds["thread"] += 1
        else:
            roll = rng.random()
            done = False
            if wide and roll < p.reblog_rate:
                done = self.reblog(ms, author)
            elif roll < p.reblog_rate + p.reply_rate:
                parent = self.target(lambda s: s.open_original())
                if parent is not None:
                    self.reply(ms, author, parent, self.visibility())
                    done = True
            if not done:
                self.post(ms, author)
        self.favourites(ms)

    def thread_due(self, k: int) -> bool:
        """Spread the thread's replies evenly over the middle fifth of the period."""
        replies = len(self.thread) - 1
        return (
            replies < self.p.thread_size and replies < (k - self.thread_start) / self.thread_every
        )

    def visibility(self) -> str:
        roll = self.rng.random()
        return "public" if roll < 0.8 else "unlisted" if roll < 0.92 else "private"

    def random_regular(self) -> int:
        regular = self.ctx.layout.regular
        return regular[self.rng.randrange(len(regular))]

    def target(self, accept: Callable[[Pending], bool]) -> Pending | None:
        """A random recent status that ``accept``s, or None after a few misses."""
        filled = min(self.pos, len(self.ring))
        if not filled:
            return None
        for _ in range(6):
            candidate = self.ring[self.rng.randrange(filled)]
            if accept(candidate):
                return candidate
        return None

    def post(self, ms: int, author: int) -> Pending:
        mention = None
        if self.rng.random() < self.p.mention_rate:
            other = self.random_regular()
            if other != author:
                mention = other
        self.kinds["post"] += 1
        return self.store(ms, author, self.visibility(), None, mention=mention)

    def reply(self, ms: int, author: int, parent: Pending, visibility: str) -> Pending:
        self.kinds["reply"] += 1
        mention = parent.author if parent.author != author else None
        return self.store(ms, author, visibility, None, mention=mention, parent=parent)

    def store(
        self,
        ms: int,
        author: int,
        visibility: str,
        text: str | None,
        *,
        mention: int | None = None,
        parent: Pending | None = None,
    ) -> Pending:
        """A post or reply, with its mentions, tags and mention notifications."""
        ctx, w = self.ctx, self.w
        refs = ctx.refs
        if text is None:
            text = status_text(self.rng, self.p, refs[mention].nickname if mention else None)
        names = {refs[mention].nickname.lower(): refs[mention]} if mention is not None else {}
        formatted = render_plain_text(ctx.settings, text, names)
        ident = w.ids(ms)
        created = w.when(ms)
        author_id = ctx.ids[author]
        values = {
            "id": ident,
            "uri": object_uri(ctx.settings, ident),
            "account_id": author_id,
            "visibility": visibility,
            "source": text,
            "content": formatted.html,
            "conversation_id": ident,
            "created_at": created,
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
        }
        status = Pending(values, author)
        recipients = [ref.id for ref in formatted.mentions]
        if parent is not None:
            values["in_reply_to_id"] = parent.id
            values["in_reply_to_account_id"] = ctx.ids[parent.author]
            values["conversation_id"] = parent.values["conversation_id"]
            values["in_reply_to_uri"] = parent.values["uri"]
            # A reply addresses the author it answers even when not @-mentioned (posting.py).
            if parent.author != author and ctx.ids[parent.author] not in recipients:
                recipients.append(ctx.ids[parent.author])
            if not open_to_everyone(visibility):
                pass  # replies_count counts only replies anyone may see (policy.visibility)
            elif parent.flushed:
                self.late_replies[parent.id] += 1
            else:
                parent.values["replies_count"] += 1
        if parent is not None and parent.author != author:
            ctx.reply_to[ident] = parent.author
        values["context"] = context_uri(ctx.settings, values["conversation_id"])
        for index in {mention, parent.author if parent is not None else None} - {None, author}:
            ctx.addressed.setdefault(index, array("q")).append(ident)
            ctx.author_of[ident] = author
        seen = ms < self.seen_before
        for account_id in recipients:
            status.children.append(("status_mentions", (ident, account_id, False)))
            if account_id != author_id:
                row = (w.ids(ms), account_id, author_id, "mention", ident, seen, created)
                status.children.append(("notifications", row))
        for tag in formatted.tags:
            status.children.append(("status_tags", (ident, ctx.tag_ids[tag])))
        ctx.statuses_count[author] += 1
        ctx.last_status_ms[author] = ms
        ctx.by_author[author].append(ident)
        self.push(status)
        return status

    def reblog(self, ms: int, author: int) -> bool:
        original = self.target(
            lambda s: (
                s.open_original()
                and s.author != author
                and (s.rebloggers is None or author not in s.rebloggers)
            )
        )
        if original is None:
            return False
        ctx, w = self.ctx, self.w
        ident = w.ids(ms)
        created = w.when(ms)
        values = {
            "id": ident,
            "uri": activity_uri(ctx.settings, ident),
            "account_id": ctx.ids[author],
            "visibility": original.values["visibility"],
            "reblog_of_id": original.id,
            "conversation_id": original.values["conversation_id"],
            "created_at": created,
        }
        original.values["reblogs_count"] += 1
        if original.rebloggers is None:
            original.rebloggers = set()
        original.rebloggers.add(author)
        row = (
            w.ids(ms),
            ctx.ids[original.author],
            ctx.ids[author],
            "reblog",
            original.id,
            ms < self.seen_before,
            created,
        )
        original.children.append(("notifications", row))
        ctx.by_author[author].append(ident)
        ctx.reblog_author[ident] = original.author
        self.push(Pending(values, author))
        self.kinds["reblog"] += 1
        return True

    def favourites(self, ms: int) -> None:
        rate = self.p.favourite_rate
        count = int(rate) + (self.rng.random() < rate - int(rate))
        ctx, w = self.ctx, self.w
        for _ in range(count):
            liker = self.random_regular()
            status = self.target(
                lambda s, liker=liker: (
                    s.open_original()
                    and s.author != liker
                    and (s.likers is None or liker not in s.likers)
                )
            )
            if status is None:
                continue
            if status.likers is None:
                status.likers = set()
            status.likers.add(liker)
            status.values["favourites_count"] += 1
            created = w.when(ms)
            status.children.append(("favourites", (w.ids(ms), ctx.ids[liker], status.id, created)))
            row = (
                w.ids(ms),
                ctx.ids[status.author],
                ctx.ids[liker],
                "favourite",
                status.id,
                ms < self.seen_before,
                created,
            )
            status.children.append(("notifications", row))
            self.kinds["favourite"] += 1

    # -- the window -----------------------------------------------------------------------

    def push(self, status: Pending) -> None:
        slot = self.pos % len(self.ring)
        old = self.ring[slot]
        if old is not None:
            self.emit(old)
        self.ring[slot] = status
        self.pos += 1

    def emit(self, status: Pending) -> None:
        self.w.add("statuses", status.values)
        for name, row in status.children:
            self.w.add_fixed(name, row)
        status.children = []
        status.flushed = True

    async def finish(self) -> None:
        size = len(self.ring)
        for k in range(max(0, self.pos - size), self.pos):
            self.emit(self.ring[k % size])
        self.ring = []
        await self.w.flush()
        await self.ctx.sink.executemany(
            "UPDATE statuses SET replies_count = replies_count + ? WHERE id = ?",
            [(count, ident) for ident, count in self.late_replies.items()],
        )
        await self.ctx.sink.commit()

    def summary(self) -> dict:
        """The deep thread's ids for the context benchmark, and what the stream made."""
        parent = self.thread_parent
        depth: dict[int, int] = {}
        below: Counter = Counter()
        for node in self.thread:
            chain, up = 0, parent.get(node.id)
            while up is not None:
                chain += 1
                below[up] += 1
                up = parent.get(up)
            depth[node.id] = chain
        summary = {"status_kinds": dict(self.kinds)}
        if self.thread:
            best = max(self.thread, key=lambda n: min(depth[n.id], below[n.id]))
            summary.update(
                thread_root_id=str(self.thread[0].id),
                thread_statuses=len(self.thread),
                context_status_id=str(best.id),
                context_ancestors=depth[best.id],
                context_descendants=below[best.id],
            )
        return summary
