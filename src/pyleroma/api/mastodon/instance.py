"""GET /api/v1/instance, /api/v2/instance, /api/v1/instance/peers and /rules: public, no token.

Clients read these before login to learn the server's limits and which Pleroma features it
has; the documents are built in services/instance/instance.py so they never disagree with nodeinfo.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import get_session, get_settings
from pyleroma.api.mastodon.render_accounts import account_to_api
from pyleroma.api.openapi import STR, api_doc, arr, ref
from pyleroma.services.instance import instance as instance_service
from pyleroma.settings import Settings

router = APIRouter(tags=["instance"])


async def _facts_and_contact(session: AsyncSession, settings: Settings):
    facts = await instance_service.gather_facts(session, settings)
    contact = account_to_api(settings, facts.contact) if facts.contact is not None else None
    return facts, contact


@router.get(
    "/api/v1/instance",
    summary="Instance information (Mastodon v1 + Pleroma)",
    **api_doc(response=ref("InstanceV1")),
)
async def instance_v1(
    session: AsyncSession = Depends(get_session), settings: Settings = Depends(get_settings)
):
    facts, contact = await _facts_and_contact(session, settings)
    return instance_service.instance_v1(settings, facts, contact)


@router.get(
    "/api/v2/instance",
    summary="Instance information (Mastodon v2 + Pleroma)",
    **api_doc(response=ref("InstanceV2")),
)
async def instance_v2(
    session: AsyncSession = Depends(get_session), settings: Settings = Depends(get_settings)
):
    facts, contact = await _facts_and_contact(session, settings)
    return instance_service.instance_v2(settings, facts, contact)


@router.get(
    "/api/v1/instance/peers",
    summary="Domains this instance knows accounts of",
    **api_doc(response=arr(STR)),
)
async def instance_peers(session: AsyncSession = Depends(get_session)):
    return await instance_service.known_domains(session)


@router.get(
    "/api/v1/instance/rules",
    summary="The instance's rules, in display order",
    **api_doc(response=arr(ref("Rule"))),
)
async def instance_rules(session: AsyncSession = Depends(get_session)):
    return await instance_service.instance_rules(session)
