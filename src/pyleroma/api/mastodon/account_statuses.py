"""GET /api/v1/accounts/:id/statuses: an account's posts and boosts, as the viewer may see them.

Open to anonymous readers (a token, when given, must have ``read:statuses``), unless
``restrict_unauthenticated_profiles`` is on (401). The account is found by id or nickname;
an unknown or deactivated one is Pleroma's 404 "Can't find user". Filters: ``pinned``,
``only_media``, ``exclude_replies`` (every reply, as Pleroma), ``exclude_reblogs``,
``tagged``, ``exclude_visibilities[]``, ``with_muted``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.backfill import BackfillTrigger, backfill_trigger
from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user
from pyleroma.api.mastodon.timelines import read_options, statuses_page
from pyleroma.api.openapi import BOOL, STR, api_doc, arr, param, ref
from pyleroma.api.openapi.parameters import PAGE, TIMELINE_OPTIONS
from pyleroma.api.pagination import read_page
from pyleroma.api.params import Params, get_params
from pyleroma.db.paging import Page
from pyleroma.models import Status
from pyleroma.services.accounts.account_directory import show_account
from pyleroma.services.timelines import account_timeline
from pyleroma.settings import Settings

router = APIRouter(tags=["Accounts"])


@router.get(
    "/api/v1/accounts/{account_id}/statuses",
    **api_doc(
        query=[
            *PAGE,
            *TIMELINE_OPTIONS,
            param("pinned", BOOL, "Only the pinned posts"),
            param("tagged", STR, "Only posts with this hashtag"),
        ],
        response=arr(ref("Status")),
        paged=True,
        errors=(401, 404),
    ),
)
async def account_statuses(
    request: Request,
    account_id: str,
    auth: AuthContext | None = Depends(optional_user("read:statuses")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
    backfill: BackfillTrigger = Depends(backfill_trigger),
):
    viewer = auth.account if auth else None
    account = await show_account(session, settings, account_id, viewer)
    backfill.account(viewer, account)  # a remote profile: its posts fetched after the answer
    page = read_page(params)
    options = read_options(params)
    pinned = params.bool("pinned", False)
    tagged = params.str("tagged") or None

    async def fetch(batch: Page) -> list[Status]:
        return await account_timeline.account_statuses(
            session, settings, viewer, account, batch, options, pinned=pinned, tagged=tagged
        )

    return await statuses_page(
        request, session, settings, fetch, page, viewer, links=not pinned, context="account"
    )
