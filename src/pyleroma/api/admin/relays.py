"""Admin API, relays (under /api/v1/pleroma/admin and /api/pleroma/admin): list, follow and
unfollow the relays the instance's relay actor follows (Pleroma's ``RelayController``,
admins only). The work is services/instance/relays.py's, shared with ``pyleroma relay``.

A URL that leads to no relay (nothing answers, not an actor, a user's actor, this very
instance) is a 400 or 422 saying why, where Pleroma answers 500; nothing is followed and
nothing logged then.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.deps import AuthContext, get_session, get_settings
from pyleroma.api.openapi import BOOL, STR, api_doc, arr, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.errors import Unprocessable
from pyleroma.services.instance import relays
from pyleroma.settings import Settings

admin_router = APIRouter(tags=["Admin: relays"])

RELAY = obj({"actor": STR, "followed_back": BOOL})
RELAY_URL = param("relay_url", STR, "The relay's actor (LitePub) or inbox (Mastodon-style)")


def render_relay(info: relays.RelayInfo) -> dict:
    """Pleroma's relay entry: ``actor`` as the admin followed it (so it unfollows it as
    is); ``followed_back`` once the relay accepted (Pleroma lists accepted follows as
    true and pending ones as false)."""
    return {"actor": info.url, "followed_back": info.state == "accepted"}


def _relay_url(params: Params) -> str:
    url = params.str("relay_url", max_length=2048)
    if not url or not url.strip():
        raise Unprocessable("relay_url: can't be blank")
    return url.strip()


@admin_router.get("/relay", **api_doc(response=obj({"relays": arr(RELAY)}), errors=(401, 403)))
async def list_relays(
    auth: AuthContext = Depends(require_admin(None, "admin:read")),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return {"relays": [render_relay(i) for i in await relays.list_relays(session, settings)]}


@admin_router.post(
    "/relay",
    **api_doc(body=[RELAY_URL], response=RELAY, errors=(400, 401, 403, 409, 422)),
)
async def follow_relay(
    auth: AuthContext = Depends(require_admin(None, "admin:write:follows")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Sends the Follow (a delivery job); the relay shows ``followed_back: false`` until
    it accepts. Logged as ``relay_follow`` in the follow's transaction."""
    info = await relays.follow_relay(session, settings, _relay_url(params), actor=auth.user)
    return render_relay(info)


@admin_router.delete(
    "/relay",
    **api_doc(
        body=[RELAY_URL, param("force", BOOL, "Accepted; leaving a relay never needs it")],
        response=STR,
        errors=(401, 403, 404, 422),
    ),
)
async def unfollow_relay(
    auth: AuthContext = Depends(require_admin(None, "admin:write:follows")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Answers the URL, as Pleroma. ``force`` is read (a bad value is a 422) but changes
    nothing: leaving a relay never fetches it, so a relay that is gone is left anyway."""
    url = _relay_url(params)
    params.bool("force", False)
    await relays.unfollow_relay(session, settings, url, actor=auth.user)
    return url
