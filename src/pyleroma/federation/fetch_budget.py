"""How many remote fetches one received activity may cause, counted where every fetch passes.

A delivered reply names its parent, which names its own; a quote names a post; a boost
names a post by an author we never saw; a custom emoji names an image. Each may mean a
fetch, and each fetched post may name more, so a hostile (or merely long) thread could keep
one receive job fetching for as long as the job may run, holding its transaction. So each
received activity gets a budget (``federation_max_fetches_per_activity``): every GET through
fetch.guarded_get while it is open spends one, whatever asked for it (fetch_posts,
actors, keys, MRF StealEmojiPolicy), and once it is spent a fetch fails at once with
``FetchBudgetSpent``, a ``FetchError`` that callers already treat as "cannot be had": the
reply is stored without its parent (it keeps the URI, and adopts the parent if it arrives
later), the quote without its quoted post.

The budget lives in a context variable rather than on every signature between the receive
path and the HTTP client: it follows the activity's task (and tasks it starts) and nothing
else, so backfill jobs and client requests, which have their own bounds, are not counted.
A budget opened while one is already open (a receive inside a receive) joins the outer one.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from pyleroma.federation.errors import FetchError

log = logging.getLogger("pyleroma.federation")

P = ParamSpec("P")
R = TypeVar("R")


class FetchBudgetSpent(FetchError):
    """A fetch refused because the activity being received used up its fetches."""


class FetchBudget:
    """``limit`` fetches; ``spent`` so far."""

    def __init__(self, limit: int):
        self.limit = limit
        self.spent = 0

    def spend(self, url: str) -> None:
        if self.spent >= self.limit:
            log.info("not fetching %s: the activity's %d fetches are spent", url[:300], self.limit)
            raise FetchBudgetSpent(
                f"not fetching {url[:300]}: this activity may cause {self.limit} fetches",
                url=url,
            )
        self.spent += 1


_current: ContextVar[FetchBudget | None] = ContextVar("pyleroma_fetch_budget", default=None)


def current_budget() -> FetchBudget | None:
    return _current.get()


@contextmanager
def fetch_budget(limit: int) -> Iterator[FetchBudget]:
    """Count the fetches made inside the block against ``limit`` (or against the budget
    already open, if one is)."""
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    budget = FetchBudget(limit)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def charge(url: str) -> None:
    """Spend one fetch of the open budget (none open: fetches are not counted here)."""
    budget = _current.get()
    if budget is not None:
        budget.spend(url)


def per_activity_fetch_budget(
    func: Callable[..., Awaitable[R]],
) -> Callable[..., Awaitable[R]]:
    """Run ``func(ctx, ...)`` (ctx: a PipelineContext) inside a budget of the settings'
    ``federation_max_fetches_per_activity``."""

    @functools.wraps(func)
    async def wrapper(ctx: Any, *args: Any, **kwargs: Any) -> R:
        with fetch_budget(ctx.settings.federation_max_fetches_per_activity):
            return await func(ctx, *args, **kwargs)

    return wrapper
