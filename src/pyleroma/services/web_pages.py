"""What the server-rendered public pages show (web/public_pages.py renders them).

Every page is what an anonymous visitor may see, read through the same statements as the
client API's anonymous reads, so a page never shows more than ``GET /api/v1/...`` without a
token would:
- the landing page: the instance's counts (a minute old at most) and rules, and the local
  public timeline unless ``restrict_unauthenticated_local_timeline`` keeps it for members;
- a profile: a local account with an actor document (active, approved, confirmed), none at
  all when ``restrict_unauthenticated_profiles`` is on; its pinned posts on the first page,
  then its posts and boosts an anonymous reader may see (public and unlisted);
- a status: a local post an anonymous reader may see, with the visible part of its thread;
  a reblog's page is its original's, a remote post's is on its own server;
- a tag: the hashtag timeline an anonymous reader gets (the hashtag feed's rules).

Each page costs one statement for its ids and the status batch reads for rendering (the
routes render with api/mastodon/render_statuses.py), a few statements whatever its length.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.paging import Page
from pyleroma.errors import NotFound
from pyleroma.federation.to_as_actor import is_served
from pyleroma.models import Account, Status
from pyleroma.services.feeds import feed_page, tag_feed
from pyleroma.services.instance import instance as instance_service
from pyleroma.services.statuses import status_reads, threads
from pyleroma.services.timelines.account_timeline import account_statuses
from pyleroma.services.timelines.timelines import TimelineOptions, public_timeline
from pyleroma.settings import Settings

PAGE_LENGTH = 20
# Seconds the landing page's counts are kept (Pleroma's Stats recounts every 5 minutes).
COUNTS_TTL = 60.0
_LOCAL = TimelineOptions(local=True)
_PROFILE = TimelineOptions()


@dataclass
class Landing:
    user_count: int
    status_count: int
    domain_count: int
    rules: list[dict]
    # None: the local timeline is for members only (restrict_unauthenticated_local_timeline).
    statuses: list[Status] | None


@dataclass
class Profile:
    account: Account
    statuses: list[Status]
    pinned: list[Status] = field(default_factory=list)


@dataclass
class Thread:
    status: Status
    ancestors: list[Status]
    descendants: list[Status]


@dataclass
class Counts:
    """The landing page's user, post and known-instance counts, kept ``COUNTS_TTL`` seconds
    by each process: each count reads the whole accounts table (7 of the page's 9.5 ms of
    SQL at 12,000 accounts, 80 ms at 100,000), and a minute-old figure is as good."""

    values: tuple[int, int, int] | None = None
    expires: float = 0.0

    async def read(self, session: AsyncSession) -> tuple[int, int, int]:
        now = time.monotonic()
        if self.values is None or now >= self.expires:
            self.values = (
                await instance_service.user_count(session),
                await instance_service.status_count(session),
                await instance_service.domain_count(session),
            )
            self.expires = now + COUNTS_TTL
        return self.values


def page_bound(max_id: str | None) -> Page:
    """The page a ``?max_id=`` link asks for (a 422 when it is not an id)."""
    return feed_page(max_id, PAGE_LENGTH)


async def landing(session: AsyncSession, settings: Settings, page: Page, counts: Counts) -> Landing:
    statuses = None
    if not settings.restrict_unauthenticated_local_timeline:
        statuses = await public_timeline(session, settings, None, page, _LOCAL)
    users, posts, domains = await counts.read(session)
    return Landing(
        user_count=users,
        status_count=posts,
        domain_count=domains,
        rules=await instance_service.instance_rules(session),
        statuses=statuses,
    )


async def profile(session: AsyncSession, settings: Settings, nickname: str, page: Page) -> Profile:
    """A local account's page; NotFound for anyone without a public profile."""
    if settings.restrict_unauthenticated_profiles:
        raise NotFound("Not found")
    # (one read: the whole row is rendered, so the light row of find_served_account would
    # be a second statement for the same account)
    account = await session.scalar(
        select(Account).where(Account.nickname_key == nickname.lower(), Account.local.is_(True))
    )
    if account is None or not is_served(account):
        raise NotFound("Not found")
    statuses = await account_statuses(session, settings, None, account, page, _PROFILE)
    pinned = []
    if page.max_id is None:
        pinned = await account_statuses(
            session, settings, None, account, Page(limit=PAGE_LENGTH), _PROFILE, pinned=True
        )
        shown = {s.id for s in pinned}
        statuses = [s for s in statuses if s.id not in shown]
    return Profile(account=account, statuses=statuses, pinned=pinned)


async def post(session: AsyncSession, status_id: str) -> Status:
    """The post an anonymous reader may see (a reblog's id gives its original: callers
    redirect); NotFound otherwise. For the pages that show no thread."""
    return await status_reads.get_thread_status(session, None, status_id)


async def thread(session: AsyncSession, status_id: str) -> Thread:
    """The post and the part of its thread an anonymous reader may see; NotFound when the
    reader may not see the post. A reblog's id gives its original (callers redirect)."""
    status = await post(session, status_id)
    found = await threads.load_thread(session, status, None)
    return Thread(status=status, ancestors=found.ancestors, descendants=found.descendants)


async def tag(session: AsyncSession, settings: Settings, name: str, page: Page):
    """The hashtag's page: as its feed (services/feeds.py), NotFound where that is."""
    return await tag_feed(session, settings, name, page)
