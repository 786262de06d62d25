"""The documents of local Likes and Follows, served at their ids (``/activities/<row id>``).

Why: every Like and Follow we send is named by that id (activities/build.py mints it from
the favourite's or follow's row id), and servers dereference it: Pleroma and Akkoma fetch
an activity they are pointed at (an Accept naming a Follow by id, a Like found in a
collection), and ActivityPub says an object's id should answer with it. Pleroma serves
them; Mastodon mints fragment ids it never serves. The document is exactly what was
delivered (federation/activity_to_as.py renders both).

Who may read which (the rest is a 404, as for something that does not exist):

- a Like, while the favourite and its post exist and the liker is one of ours and active:
  to anyone when the post is public or unlisted; when it is followers-only or direct, only
  to a signed fetch by an account that may see the post (the Like names it); never for a
  local-only post (it never left).
- a Follow (pending or accepted), while the follow exists, the follower is one of ours,
  active and not the invisible relay actor (whose Follow's shape depends on the relay's
  protocol: services/instance/relays.py): to anyone, unless the follower hides whom it
  follows or the followed hides its followers; then only to a signed fetch by the followed
  account, which knows already.
- Blocks: never (Mastodon and Pleroma keep them from everyone but the blocked side).

A favourite or follow that arrived from another server carries that server's id and is
never served here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities.activity import Activity
from pyleroma.federation.activity_to_as import activity_json
from pyleroma.models import Account, Favourite, Follow, Status
from pyleroma.policy.visibility import can_see
from pyleroma.settings import Settings
from pyleroma.urls import activity_uri

Fetcher = Callable[[], Awaitable[Account | None]]


def _ours(settings: Settings, row_activity_id: str | None, row_id: int) -> bool:
    """The row's activity is one we minted (rows made before ids were stored have none)."""
    return row_activity_id in (None, activity_uri(settings, row_id))


async def _local_actor(session: AsyncSession, account_id: int) -> Account | None:
    account = await session.get(Account, account_id)
    if account is None or not account.local or not account.is_active:
        return None
    return account


async def _like(
    session: AsyncSession, settings: Settings, row: Favourite, fetcher: Fetcher
) -> dict[str, Any] | None:
    liker = await _local_actor(session, row.account_id)
    status = await session.get(Status, row.status_id)
    if liker is None or status is None or status.visibility == "local":
        return None
    if status.visibility not in ("public", "unlisted"):
        viewer = await fetcher()
        if viewer is None or not await can_see(session, viewer, status):
            return None
    author = await session.get(Account, status.account_id)
    if author is None:
        return None
    like = Activity("Like", liker, status, id=activity_uri(settings, row.id))
    return activity_json(settings, like, {author.id: author.ap_id})


async def _follow(
    session: AsyncSession, settings: Settings, row: Follow, fetcher: Fetcher
) -> dict[str, Any] | None:
    follower = await _local_actor(session, row.follower_id)
    followed = await session.get(Account, row.followed_id)
    if follower is None or follower.invisible or followed is None:
        return None
    if follower.hide_follows or followed.hide_followers:
        viewer = await fetcher()
        if viewer is None or viewer.id != followed.id:
            return None
    follow = Activity("Follow", follower, followed, id=activity_uri(settings, row.id))
    return activity_json(settings, follow, {})


async def local_activity_document(
    session: AsyncSession, settings: Settings, row_id: int, fetcher: Fetcher
) -> dict[str, Any] | None:
    """The Like or Follow whose row has ``row_id``, for the requester ``fetcher`` names
    (called only when the answer depends on who asks: it verifies the signature); None
    when there is none or it is not for this requester (see the module docstring)."""
    favourite = await session.get(Favourite, row_id)
    if favourite is not None:
        if not _ours(settings, favourite.activity_id, favourite.id):
            return None
        return await _like(session, settings, favourite, fetcher)
    follow = await session.get(Follow, row_id)
    if follow is not None and _ours(settings, follow.activity_id, follow.id):
        return await _follow(session, settings, follow, fetcher)
    return None
