"""``GET /api/v1/statuses/:id/card``: a status's link preview card (services/cards).

Pleroma still answers this route Mastodon deprecated in 2019: the card of a status the
viewer may see (a reblog shows its original's), open to anonymous viewers, ``read:statuses``
from a token. A status with no ready card, one the viewer may not see, or any status
while ``rich_media_enabled`` is off: 404 ``Record not found``, as Pleroma answers. The
card is never fetched here; the job that fetches it runs when the status is written.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user
from pyleroma.api.mastodon.render_cards import card_to_api
from pyleroma.api.openapi import api_doc, ref
from pyleroma.services.cards.cards import status_card
from pyleroma.settings import Settings

router = APIRouter(tags=["Statuses"])

read_statuses = optional_user("read:statuses")


@router.get(
    "/api/v1/statuses/{status_id}/card",
    **api_doc(response=ref("PreviewCard"), errors=(404,)),
)
async def show_status_card(
    status_id: str,
    auth: AuthContext | None = Depends(read_statuses),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The link preview card of a status (Pleroma's rich media)."""
    viewer = auth.account if auth is not None else None
    card = await status_card(session, settings, viewer, status_id)
    return card_to_api(settings, card)
