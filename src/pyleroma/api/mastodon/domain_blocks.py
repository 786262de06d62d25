"""The user's own domain blocks: hide everything from a remote domain.

Answers follow Pleroma: the list is an array of domain names, and blocking or unblocking
answers ``{}``. Both are idempotent.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.openapi import STR, api_doc, arr, param
from pyleroma.api.openapi.parameters import PAGE
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.services.relations import blocks
from pyleroma.settings import Settings

router = APIRouter(tags=["Domain blocks"])

WRITE_SCOPES = ("follow", "write:blocks")
DOMAIN = param("domain", STR, "A remote domain", required=True)


@router.get("/api/v1/domain_blocks", **api_doc(query=PAGE, response=arr(STR), paged=True))
async def domain_blocks(
    request: Request,
    auth: AuthContext = Depends(require_user("follow", "read:blocks")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Blocked domains, newest first (up to 100 a page, 200 at most)."""
    page = read_page(params, default_limit=100, max_limit=200)
    rows = await blocks.list_domain_blocks(session, auth.user, page)
    return json_response(
        [row[0] for row in rows], headers=link_header(request, [row[1] for row in rows], page)
    )


@router.post("/api/v1/domain_blocks", **api_doc(body=[DOMAIN], errors=(422,)))
async def block_domain(
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    domain = blocks.normalize_domain(settings, params.raw("domain"))
    await blocks.block_domain(session, auth.user, domain)
    return {}


@router.delete("/api/v1/domain_blocks", **api_doc(body=[DOMAIN], errors=(422,)))
async def unblock_domain(
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    domain = blocks.normalize_domain(settings, params.raw("domain"), allow_own=True)
    await blocks.unblock_domain(session, auth.user, domain)
    return {}
