"""The posts quoting a post (Pleroma's ``/api/v1/pleroma/statuses/:id/quotes`` and Mastodon
4.5's ``/api/v1/statuses/:id/quotes``), as far as the viewer may see them.

The quoted post must be visible to the viewer (else 404, as for reading it); the quoting
posts pass the visibility rule of policy/visibility.py and, as in Pleroma's list, posts by
accounts the viewer blocks or is blocked by (or whose domain the viewer blocks) are left out.
Pages go by the quoting post's id, newest first; ``statuses.quote_id`` is indexed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.models import Account, Status
from pyleroma.policy.visibility import not_blocked_filter, visible_filter
from pyleroma.services.statuses.status_access import get_visible_status, resolve_original


async def quotes_page(
    session: AsyncSession, viewer: Account | None, status_id: str, page: Page
) -> list[Status]:
    """The visible posts quoting the post ``status_id`` (a boost's id means its original);
    NotFound when the viewer may not see that post."""
    quoted = await resolve_original(session, await get_visible_status(session, viewer, status_id))
    viewer_id = viewer.id if viewer is not None else None
    stmt = select(Status).where(
        Status.quote_id == quoted.id,
        Status.reblog_of_id.is_(None),
        visible_filter(viewer_id),
        not_blocked_filter(viewer_id),
    )
    rows = list((await session.scalars(paginate(stmt, Status.id, page))).all())
    return in_display_order(rows, page)
