"""Announcements: GET /api/v1/announcements, POST /:id/dismiss, PUT/DELETE /:id/reactions/:name.

Listing is open to anyone, as Pleroma (Pleroma-FE asks for it before anyone logs in); a user
token of any scope adds that user's ``read`` and reaction ``me`` marks. Dismissing needs
``write:accounts``, and reactions Mastodon's ``write:favourites``, which Akkoma lacks.
The rules live in services/instance/announcements.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, optional_user, require_user
from pyleroma.api.openapi import STR, api_doc, arr, param, ref
from pyleroma.services.instance import announcements

router = APIRouter(tags=["Announcements"])
REACTION = param("name", STR, "A unicode emoji or a custom emoji shortcode")


@router.get("/api/v1/announcements", **api_doc(response=arr(ref("Announcement"))))
async def list_announcements(
    auth: AuthContext | None = Depends(optional_user()),
    session: AsyncSession = Depends(get_session),
):
    """The announcements active now, with ``read`` and the reactions as the viewer sees them
    (an anonymous reader: nothing read, no reaction of theirs)."""
    visible = await announcements.list_visible(session)
    return await announcements.announcements_to_api(
        session, visible, auth.user if auth is not None else None
    )


@router.post("/api/v1/announcements/{announcement_id}/dismiss", **api_doc(errors=(404,)))
async def dismiss_announcement(
    announcement_id: str,
    auth: AuthContext = Depends(require_user("write:accounts")),
    session: AsyncSession = Depends(get_session),
):
    await announcements.dismiss(session, auth.user, announcement_id)
    return {}


@router.put(
    "/api/v1/announcements/{announcement_id}/reactions/{name}",
    **api_doc(path=[REACTION], errors=(404, 422)),
)
async def add_reaction(
    announcement_id: str,
    name: str,
    auth: AuthContext = Depends(require_user("write:favourites")),
    session: AsyncSession = Depends(get_session),
):
    await announcements.add_reaction(session, auth.user, announcement_id, name)
    return {}


@router.delete(
    "/api/v1/announcements/{announcement_id}/reactions/{name}",
    **api_doc(path=[REACTION], errors=(404, 422)),
)
async def remove_reaction(
    announcement_id: str,
    name: str,
    auth: AuthContext = Depends(require_user("write:favourites")),
    session: AsyncSession = Depends(get_session),
):
    await announcements.remove_reaction(session, auth.user, announcement_id, name)
    return {}
