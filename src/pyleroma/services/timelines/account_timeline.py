"""An account's statuses as a viewer sees them (``GET /api/v1/accounts/:id/statuses``).

The profile timeline: the account's posts and boosts that the viewer may see, with the
client's options, an optional hashtag, or its pinned posts. The page statement is built once
per shape (services/timelines/prepared_pages.py); the pinned list, short and read rarely, per
request.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, and_, bindparam, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pyleroma.db.paging import Page
from pyleroma.models import Account, Block, Status, StatusPin, StatusTag
from pyleroma.policy.visibility import not_blocked_filter, not_muted_filter, visible_filter
from pyleroma.services.statuses.status_batches import STATUS_COLUMNS
from pyleroma.services.timelines.prepared_pages import (
    NOW,
    VIEWER,
    PageShape,
    PreparedCache,
    page_shape,
    read_status_page,
    status_page,
)
from pyleroma.services.timelines.timelines import (
    ORIGINAL,
    TimelineOptions,
    hashtag_ids,
    normalize_tag,
    option_filters,
)
from pyleroma.settings import Settings


async def account_statuses(
    session: AsyncSession,
    settings: Settings,
    viewer: Account | None,
    account: Account,
    page: Page,
    options: TimelineOptions,
    *,
    pinned: bool = False,
    tagged: str | None = None,
) -> list[Status]:
    """The statuses and reblogs ``account`` posted that ``viewer`` may see.

    The account's own posts are shown even when the viewer mutes it (they asked for this
    profile, as Mastodon); reblogs of blocked or muted authors are hidden, unless the
    viewer blocks the account itself (then nothing is filtered, as Pleroma: the profile
    is all there is to look at). ``pinned`` lists its pinned statuses, newest pin first.
    """
    viewer_id = viewer.id if viewer is not None else None
    blocks_account = False
    if viewer_id is not None and viewer_id != account.id:
        blocks_account = bool(
            await session.scalar(
                select(exists().where(Block.account_id == viewer_id, Block.target_id == account.id))
            )
        )
    tag_id = None
    if tagged is not None:
        name = normalize_tag(tagged)
        tag_id = (await hashtag_ids(session, [name])).get(name) if name else None
        if tag_id is None:
            return []
    if pinned:
        return await _pinned_statuses(
            session,
            settings,
            viewer_id,
            account,
            page,
            options,
            blocks_account=blocks_account,
            tag_id=tag_id,
        )
    shape = (options, page_shape(page), viewer_id is not None, blocks_account, tag_id is not None)
    prepared = _ACCOUNT_PAGES.get(
        (*shape, settings.domain), lambda: _account_page(settings, *shape)
    )
    params = {"account_id": account.id, "tag_id": tag_id}
    if viewer_id is not None:
        params["viewer_id"] = viewer_id
    return await read_status_page(session, prepared, page, **params)


_ACCOUNT_PAGES = PreparedCache()


def _account_filters(viewer_id, account_id, options, settings, *, blocks_account: bool, now=None):
    original = ORIGINAL
    filters = [Status.account_id == account_id, visible_filter(viewer_id)]
    if viewer_id is not None and not blocks_account:
        about_original = [not_blocked_filter(viewer_id, original)]
        if not options.with_muted:
            about_original.append(not_muted_filter(viewer_id, original, now=now))
        filters.append(or_(Status.reblog_of_id.is_(None), and_(*about_original)))
    filters.extend(option_filters(viewer_id, options, settings))
    return filters


def _account_page(
    settings: Settings,
    options: TimelineOptions,
    shape: PageShape,
    signed_in: bool,
    blocks_account: bool,
    tagged: bool,
):
    """An account's statuses for one shape (``account_id``, ``viewer_id`` and ``tag_id``
    are parameters)."""
    filters = _account_filters(
        VIEWER if signed_in else None,
        bindparam("account_id", type_=BigInteger),
        options,
        settings,
        blocks_account=blocks_account,
        now=NOW,
    )
    if tagged:
        tag = aliased(StatusTag, name="profile_tag")
        filters.append(
            exists().where(
                tag.status_id == func.coalesce(Status.reblog_of_id, Status.id),
                tag.hashtag_id == bindparam("tag_id", type_=BigInteger),
            )
        )
    stmt = (
        select(*STATUS_COLUMNS)
        .outerjoin(ORIGINAL, ORIGINAL.id == Status.reblog_of_id)
        .where(*filters)
    )
    return status_page(stmt, Status.id, shape)


async def _pinned_statuses(
    session: AsyncSession,
    settings: Settings,
    viewer_id: int | None,
    account: Account,
    page: Page,
    options: TimelineOptions,
    *,
    blocks_account: bool,
    tag_id: int | None,
) -> list[Status]:
    """The account's pinned statuses the viewer may see, newest pin first (a short list
    read rarely: built per request)."""
    filters = _account_filters(
        viewer_id, account.id, options, settings, blocks_account=blocks_account
    )
    if tag_id is not None:
        tag = aliased(StatusTag)
        filters.append(
            exists().where(
                tag.status_id == func.coalesce(Status.reblog_of_id, Status.id),
                tag.hashtag_id == tag_id,
            )
        )
    pin = aliased(StatusPin)
    stmt = (
        select(Status)
        .outerjoin(ORIGINAL, ORIGINAL.id == Status.reblog_of_id)
        .join(pin, pin.status_id == Status.id)
        .where(pin.account_id == account.id, *filters)
    )
    if page.max_id is not None:
        stmt = stmt.where(Status.id < page.max_id)
    if page.since_id is not None:
        stmt = stmt.where(Status.id > page.since_id)
    if page.min_id is not None:
        stmt = stmt.where(Status.id > page.min_id)
    stmt = stmt.order_by(pin.id.desc()).limit(page.limit)
    return list((await session.execute(stmt)).scalars())
