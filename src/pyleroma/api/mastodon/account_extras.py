"""Account routes Mastodon clients call on Pleroma that the older modules do not answer:

- ``GET /api/v1/accounts?id[]=...`` (Mastodon 4.3): several accounts at once, in the order
  asked; unknown, malformed and hidden ids are skipped (as Mastodon), more than
  ``MAX_ACCOUNT_IDS`` is a 422. Anonymous allowed unless profiles are restricted.
- ``GET /api/v1/accounts/:id/identity_proofs``: always ``[]``, as Pleroma answers (Keybase
  proofs were dropped by Mastodon too).
- ``POST /api/v1/accounts/:id/endorse`` and ``/unendorse`` (Mastodon 4.4's names for
  ``/pin`` and ``/unpin``): the same endorsement, the same Relationship answer
  (services/relations/endorsements.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user, require_user
from pyleroma.api.mastodon.relationships import ENDORSE_SCOPES, relationship_to_api
from pyleroma.api.mastodon.render_accounts import accounts_to_api
from pyleroma.api.openapi import STR, api_doc, arr, obj, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.db.ids import parse_id
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account
from pyleroma.services.accounts.account_directory import check_visible
from pyleroma.services.relations import endorsements, follows
from pyleroma.settings import Settings

router = APIRouter(tags=["Accounts"])

MAX_ACCOUNT_IDS = 40  # Mastodon's limit for GET /api/v1/accounts


@router.get(
    "/api/v1/accounts",
    summary="Several accounts by id",
    **api_doc(
        query=[param("id", arr(STR), "The accounts' ids (id[]=1&id[]=2)")],
        response=arr(ref("Account")),
        errors=(401, 422),
    ),
)
async def several_accounts(
    auth: AuthContext | None = Depends(optional_user("read:accounts")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    viewer = auth.account if auth else None
    wanted: list[int] = []
    for raw in params.str_list("id"):
        account_id = parse_id(raw)
        if account_id is not None and account_id not in wanted:
            wanted.append(account_id)
    if len(wanted) > MAX_ACCOUNT_IDS:
        raise Unprocessable(f"id: at most {MAX_ACCOUNT_IDS} ids per request")
    if not wanted:
        return []
    rows = await session.scalars(select(Account).where(Account.id.in_(wanted)))
    found = {account.id: account for account in rows}
    shown = []
    for account_id in wanted:
        try:
            shown.append(check_visible(settings, found.get(account_id), viewer))
        except NotFound:
            continue
    return await accounts_to_api(session, settings, shown, viewer)


@router.get(
    "/api/v1/accounts/{account_id}/identity_proofs",
    summary="Identity proofs (none: Pleroma keeps none)",
    **api_doc(response=arr(obj({}), maxItems=0)),
)
async def identity_proofs(account_id: str):
    return []


@router.post(
    "/api/v1/accounts/{account_id}/endorse",
    summary="Endorse (feature) an account you follow",
    **api_doc(response=ref("Relationship"), errors=(400, 401, 403, 404)),
)
async def endorse(
    account_id: str,
    auth: AuthContext = Depends(require_user(*ENDORSE_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    target = await follows.get_target(session, account_id)
    await endorsements.endorse(session, settings, auth.user, target)
    return await relationship_to_api(session, auth.user, target)


@router.post(
    "/api/v1/accounts/{account_id}/unendorse",
    summary="Stop endorsing an account",
    **api_doc(response=ref("Relationship"), errors=(401, 403, 404)),
)
async def unendorse(
    account_id: str,
    auth: AuthContext = Depends(require_user(*ENDORSE_SCOPES)),
    session: AsyncSession = Depends(get_session),
):
    target = await follows.get_target(session, account_id)
    await endorsements.unendorse(session, auth.user, target)
    return await relationship_to_api(session, auth.user, target)
