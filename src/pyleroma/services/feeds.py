"""What the RSS and Atom feeds of an account or a hashtag hold (web/feeds.py renders them).

Pleroma's choices, kept (its Feed.UserController and Feed.TagController):
- an account feed is a local account's own posts, no reblogs, of ``public`` and ``unlisted``
  visibility (what an anonymous visitor sees on the profile); remote, deactivated, unapproved
  and unconfirmed accounts have none (404); ``restrict_unauthenticated_profiles`` turns every
  account feed off (404: a feed reader never logs in);
- a hashtag feed is the hashtag timeline an anonymous reader gets: ``public`` original posts,
  only the local ones when ``restrict_unauthenticated_federated_timeline`` is on, none (404)
  when the local timeline is restricted as well;
- newest first, ``FEED_LIMIT`` a page, paged with ``max_id`` (the feed's ``next`` link).

Each read is the timeline's own statement built once (services/timelines/): one for the
account (or the hashtag's id), one for the page's rows; the routes render them with the
status batch reads (api/mastodon/render_statuses.py), a few statements whatever the length.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import parse_id
from pyleroma.db.paging import Page
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.federation.to_as_actor import find_served_account
from pyleroma.models import Status
from pyleroma.services.timelines.account_timeline import account_statuses
from pyleroma.services.timelines.timelines import TimelineOptions, normalize_tag, tag_timeline
from pyleroma.settings import Settings

FEED_LIMIT = 20
FORMATS = ("atom", "rss")
_ACCOUNT_OPTIONS = TimelineOptions(exclude_reblogs=True)
_TAG_OPTIONS = TimelineOptions()
_LOCAL_TAG_OPTIONS = TimelineOptions(local=True)


@dataclass
class AccountFeed:
    account: object  # the account's light row (federation/to_as_actor.py ActorRow)
    statuses: list[Status]


@dataclass
class TagFeed:
    tag: str
    statuses: list[Status]
    local_only: bool


def feed_page(max_id: str | None, limit: int = FEED_LIMIT) -> Page:
    """The page a feed request (or a web page's "older" link) asks for: ``max_id`` (a 422
    when it is no id)."""
    if max_id is None or max_id == "":
        return Page(limit=limit)
    bound = parse_id(max_id)
    if bound is None:
        raise Unprocessable("max_id: must be an id")
    return Page(max_id=bound, limit=limit)


async def account_feed(
    session: AsyncSession, settings: Settings, nickname: str, page: Page
) -> AccountFeed:
    """The local account's feed page; NotFound for anyone without a public profile."""
    if settings.restrict_unauthenticated_profiles:
        raise NotFound("Not found")
    account = await find_served_account(session, nickname)
    if account is None:
        raise NotFound("Not found")
    statuses = await account_statuses(session, settings, None, account, page, _ACCOUNT_OPTIONS)
    return AccountFeed(account=account, statuses=statuses)


async def tag_feed(session: AsyncSession, settings: Settings, raw_tag: str, page: Page) -> TagFeed:
    """The hashtag's feed page, as the hashtag timeline answers an anonymous reader."""
    if settings.restrict_unauthenticated_local_timeline:
        raise NotFound("Not found")
    tag = normalize_tag(raw_tag)
    if not tag:
        raise NotFound("Not found")
    local_only = settings.restrict_unauthenticated_federated_timeline
    options = _LOCAL_TAG_OPTIONS if local_only else _TAG_OPTIONS
    statuses = await tag_timeline(session, settings, None, tag, page, options)
    return TagFeed(tag=tag, statuses=statuses, local_only=local_only)
