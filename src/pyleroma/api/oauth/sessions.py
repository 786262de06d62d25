"""GET /api/oauth_tokens and DELETE /api/oauth_tokens/:id: the user's own sessions.

As in Pleroma these need an authenticated user but no particular scope (Pleroma skips its
scope check for them): any token, the ``_pleroma_key`` cookie or HTTP Basic will do.
``/api/oauth_tokens.json`` is the list too: Pleroma-FE and Soapbox ask for that form (Pleroma
strips the format suffix on this path).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, require_user
from pyleroma.api.oauth.render import session_to_api
from pyleroma.api.openapi import api_doc, arr, ref
from pyleroma.services.oauth import oauth

router = APIRouter(tags=["OAuth"])


@router.get("/api/oauth_tokens", **api_doc(response=arr(ref("OAuthSession"))))
@router.get("/api/oauth_tokens.json", **api_doc(response=arr(ref("OAuthSession"))))
async def list_tokens(
    context: AuthContext = Depends(require_user()),
    session: AsyncSession = Depends(get_session),
):
    tokens = await oauth.list_user_tokens(session, context.user)
    return [session_to_api(token) for token in tokens]


@router.delete("/api/oauth_tokens/{token_id}", **api_doc(errors=(404,)))
async def revoke_token(
    token_id: str,
    context: AuthContext = Depends(require_user()),
    session: AsyncSession = Depends(get_session),
):
    """Revoking ends the session at once; someone else's token id is a 404."""
    await oauth.delete_user_token(session, context.user, token_id)
    return {}
