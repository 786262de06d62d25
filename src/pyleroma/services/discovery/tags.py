"""Hashtags as things to look at and follow (Mastodon's Tag entity, Akkoma's TagController).

A hashtag row is created the first time a post uses it (services/statuses/posting.py) or someone
follows it; names are stored lower-cased, so every lookup here is case-insensitive.
Following a tag puts new public posts carrying it into the follower's home (the fan-out in
services/timelines/home_fanout.py reads TagFollow); here are only the follow rows themselves.
"""

from __future__ import annotations

import re

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import new_id
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.errors import Unprocessable
from pyleroma.models import Account, Hashtag, TagFollow
from pyleroma.services.statuses.posting import hashtag_ids

# The part after "#" that the posting formatter (services/text/formatting.py) turns into a tag:
# word characters with at least one letter or underscore.
TAG_NAME_RE = re.compile(r"\w*[^\W\d]\w*")
MAX_NAME_LENGTH = 255  # the width of hashtags.name


def normalize_name(name: str) -> str | None:
    """The stored form of a tag name (lower-cased), or None when no post could carry it."""
    if len(name) > MAX_NAME_LENGTH or not TAG_NAME_RE.fullmatch(name):
        return None
    return name.lower()


def check_name(name: str) -> str:
    """A followable tag name, stored form; 422 otherwise (it could never match a post)."""
    normalized = normalize_name(name)
    if normalized is None:
        raise Unprocessable(
            "Invalid hashtag name: use letters, digits and _ (at least one letter or _), "
            f"at most {MAX_NAME_LENGTH} characters"
        )
    return normalized


async def show_hashtag(session: AsyncSession, name: str) -> Hashtag:
    """The hashtag by name, any case. A valid name no post or follow has used yet is
    answered as a tag (not stored: ``id`` is None) that nobody follows, as Mastodon does,
    since clients look a tag up, or unfollow it, before following it. 422 for a name no
    post could carry."""
    normalized = check_name(name)
    found = await session.scalar(select(Hashtag).where(Hashtag.name == normalized))
    return found if found is not None else Hashtag(name=normalized)


async def is_following(session: AsyncSession, viewer: Account | None, hashtag: Hashtag) -> bool:
    if viewer is None or hashtag.id is None:
        return False
    found = await session.scalar(
        select(TagFollow.id).where(
            TagFollow.account_id == viewer.id, TagFollow.hashtag_id == hashtag.id
        )
    )
    return found is not None


async def follow_tag(session: AsyncSession, account: Account, name: str) -> Hashtag:
    """Follow a tag, creating it if no post used it yet (Mastodon); following twice is
    harmless. Commits."""
    (hashtag_id,) = await hashtag_ids(session, [check_name(name)])
    exists = await session.scalar(
        select(TagFollow.id).where(
            TagFollow.account_id == account.id, TagFollow.hashtag_id == hashtag_id
        )
    )
    if exists is None:
        # Two concurrent follows of the same tag collide on the unique pair: the loser's
        # savepoint rolls back and the follow is there either way.
        try:
            async with session.begin_nested():
                session.add(TagFollow(id=new_id(), account_id=account.id, hashtag_id=hashtag_id))
        except IntegrityError:
            pass
    hashtag = await session.get(Hashtag, hashtag_id)
    await session.commit()
    return hashtag


async def unfollow_tag(session: AsyncSession, account: Account, name: str) -> Hashtag:
    """Stop following a tag; not following it, or a tag nobody used yet, is fine (422 for
    an invalid name). Commits.

    Posts the tag already brought stay in the home until they are trimmed (Mastodon
    removes them; not done here)."""
    hashtag = await show_hashtag(session, name)
    if hashtag.id is not None:
        await session.execute(
            delete(TagFollow).where(
                TagFollow.account_id == account.id, TagFollow.hashtag_id == hashtag.id
            )
        )
        await session.commit()
    return hashtag


async def followed_tags(
    session: AsyncSession, account: Account, page: Page
) -> list[tuple[int, Hashtag]]:
    """A page of (follow id, hashtag) the account follows, newest follow first."""
    stmt = (
        select(TagFollow.id, Hashtag)
        .join(Hashtag, Hashtag.id == TagFollow.hashtag_id)
        .where(TagFollow.account_id == account.id)
    )
    rows = [
        (follow_id, tag)
        for follow_id, tag in await session.execute(paginate(stmt, TagFollow.id, page))
    ]
    return in_display_order(rows, page)
