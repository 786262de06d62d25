"""Well-known discovery documents: nodeinfo, WebFinger and host-meta.

Other servers and crawlers read these without any credentials: nodeinfo tells them what
software this is and which Pleroma features it has, WebFinger turns ``nick@domain`` into an
actor URL. WebFinger and host-meta answer 404 when the instance does not federate (switched off, as
Pleroma's FederatingPlug does, or not built yet: services/instance/features.py), since their links
would
point at actors nobody can fetch; nodeinfo stays up (it describes the instance either way).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pyleroma.api.deps import get_session, get_settings
from pyleroma.api.openapi import STR, api_doc, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import JSONResponse
from pyleroma.errors import NotFound
from pyleroma.services.instance import instance as instance_service
from pyleroma.services.instance import webfinger
from pyleroma.services.instance.features import federates
from pyleroma.settings import Settings

router = APIRouter(tags=["discovery"])


def _require_federating(settings: Settings) -> None:
    if not federates(settings):
        raise NotFound("Not found")


@router.get(
    "/.well-known/nodeinfo",
    summary="Links to the nodeinfo documents",
    **api_doc(response=ref("NodeinfoLinks")),
)
async def nodeinfo_links(settings: Settings = Depends(get_settings)):
    return instance_service.nodeinfo_links(settings)


@router.get(
    "/nodeinfo/{version}.json",
    summary="Nodeinfo 2.0 or 2.1",
    **api_doc(path=[param("version", STR, "2.0 or 2.1")], response=ref("Nodeinfo"), errors=(404,)),
)
async def nodeinfo(
    version: str,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    if version not in instance_service.NODEINFO_VERSIONS:
        raise NotFound("Nodeinfo schema version not handled")
    facts = await instance_service.gather_facts(session, settings)
    return JSONResponse(
        instance_service.nodeinfo(settings, facts, version),
        media_type=instance_service.nodeinfo_content_type(version),
    )


@router.get(
    "/.well-known/webfinger",
    summary="WebFinger (JRD, or XRD on request)",
    **api_doc(
        query=[
            param("resource", STR, "acct:nick@domain or an actor URL", required=True),
            param("format", STR, "xml for XRD"),
        ],
        response=ref("WebFingerJRD"),
        media_type=webfinger.JRD_TYPE,
        responses={
            200: {
                "description": "The account's links",
                "content": {
                    webfinger.JRD_TYPE: {"schema": ref("WebFingerJRD")},
                    webfinger.XRD_TYPE: {"schema": STR},
                },
            }
        },
        errors=(400, 404),
    ),
)
async def webfinger_lookup(
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    _require_federating(settings)
    nickname = webfinger.parse_resource(settings, params.str("resource"))
    account = await webfinger.find_local_account(session, nickname)
    if webfinger.wants_xml(request.headers.get("accept"), params.str("format")):
        return Response(webfinger.to_xrd(settings, account), media_type=webfinger.XRD_TYPE)
    return JSONResponse(webfinger.to_jrd(settings, account), media_type=webfinger.JRD_TYPE)


@router.get(
    "/.well-known/host-meta",
    summary="host-meta (XRD with the WebFinger template)",
    **api_doc(response=STR, media_type=webfinger.XRD_TYPE, errors=(404,)),
)
async def host_meta(settings: Settings = Depends(get_settings)):
    _require_federating(settings)
    return Response(webfinger.host_meta(settings), media_type=webfinger.XRD_TYPE)
