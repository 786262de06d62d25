"""Pleroma's subscriptions (under both /api/v1/pleroma and /api/pleroma):

- ``POST /accounts/{id}/subscribe``: be notified ("status") of every status the account
  posts that you may see, following it or not;
- ``POST /accounts/{id}/unsubscribe``: stop (also Mastodon's follow ``notify``).

Both answer the Mastodon Relationship (``subscribing`` and ``notifying`` say whether it
holds). An unknown or deactivated account is 404 "Record not found", as Pleroma answers;
subscribing to oneself, or to an account that blocks you, is 403 (Pleroma answers every
refusal here with a 403). Scopes as Pleroma: ``follow`` or ``write:follows``. The rules
live in services/relations/subscriptions.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, require_user
from pyleroma.api.openapi import api_doc, ref
from pyleroma.services.relations import follows, subscriptions
from pyleroma.services.relations.relationships_view import load_relationships

pleroma_router = APIRouter(tags=["Account subscriptions"])

SCOPES = ("follow", "write:follows")


@pleroma_router.post(
    "/accounts/{account_id}/subscribe",
    **api_doc(response=ref("Relationship"), errors=(401, 403, 404)),
)
async def subscribe(
    account_id: str,
    auth: AuthContext = Depends(require_user(*SCOPES)),
    session: AsyncSession = Depends(get_session),
):
    target = await follows.get_target(session, account_id)
    await subscriptions.subscribe(session, auth.user, target)
    return (await load_relationships(session, auth.user.id, [target]))[target.id]


@pleroma_router.post(
    "/accounts/{account_id}/unsubscribe",
    **api_doc(response=ref("Relationship"), errors=(401, 403, 404)),
)
async def unsubscribe(
    account_id: str,
    auth: AuthContext = Depends(require_user(*SCOPES)),
    session: AsyncSession = Depends(get_session),
):
    target = await follows.get_target(session, account_id)
    await subscriptions.unsubscribe(session, auth.user, target)
    return (await load_relationships(session, auth.user.id, [target]))[target.id]
