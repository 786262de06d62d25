"""Akkoma's front end settings profiles: ``/api/v1/akkoma/frontend_settings/:frontend`` (the
list) and ``.../:frontend/:profile`` (GET, PUT, DELETE). akkoma-fe reads its ``default``
profile at every start and writes it back after each change; the rules are in
services/accounts/frontend_settings.py. Reads need ``read:accounts``, writes
``write:accounts``, as Akkoma."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, require_user
from pyleroma.api.openapi import INT, STR, api_doc, arr, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.services.accounts import frontend_settings

router = APIRouter(tags=["Akkoma"])

BASE = "/api/v1/akkoma/frontend_settings"
FRONTEND = param("frontend_name", STR, "The front end's name (akkoma-fe: pleroma-fe)")
PROFILE = param("profile_name", STR, "The profile's name (akkoma-fe: default)")
SETTINGS = {"type": "object"}
PROFILE_DOC = obj({"settings": SETTINGS, "version": INT})


def _names(frontend_name: str, profile_name: str | None = None) -> tuple[str, str | None]:
    frontend = frontend_settings.check_name("frontend_name", frontend_name)
    if profile_name is None:
        return frontend, None
    return frontend, frontend_settings.check_name("profile_name", profile_name)


@router.get(
    f"{BASE}/{{frontend_name}}",
    **api_doc(path=[FRONTEND], response=arr(obj({"name": STR, "version": INT})), errors=(422,)),
)
async def list_profiles(
    frontend_name: str,
    auth: AuthContext = Depends(require_user("read:accounts")),
    session: AsyncSession = Depends(get_session),
):
    frontend, _ = _names(frontend_name)
    return await frontend_settings.list_profiles(session, auth.user, frontend)


@router.get(
    f"{BASE}/{{frontend_name}}/{{profile_name}}",
    **api_doc(path=[FRONTEND, PROFILE], response=PROFILE_DOC, errors=(404, 422)),
)
async def get_profile(
    frontend_name: str,
    profile_name: str,
    auth: AuthContext = Depends(require_user("read:accounts")),
    session: AsyncSession = Depends(get_session),
):
    frontend, profile = _names(frontend_name, profile_name)
    found = await frontend_settings.get_profile(session, auth.user, frontend, profile)
    return {"settings": found.settings, "version": found.version}


@router.put(
    f"{BASE}/{{frontend_name}}/{{profile_name}}",
    **api_doc(
        path=[FRONTEND, PROFILE],
        body=[
            param("settings", SETTINGS, "The front end's settings", required=True),
            param(
                "version",
                INT,
                "Above 0 for a new profile, else the stored version plus 1",
                required=True,
            ),
        ],
        response=SETTINGS,
        errors=(422,),
    ),
)
async def save_profile(
    frontend_name: str,
    profile_name: str,
    auth: AuthContext = Depends(require_user("write:accounts")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Create the profile or write its next version; answers the settings stored."""
    frontend, profile = _names(frontend_name, profile_name)
    return await frontend_settings.save_profile(
        session, auth.user, frontend, profile, params.raw("settings"), params.raw("version")
    )


@router.delete(
    f"{BASE}/{{frontend_name}}/{{profile_name}}",
    **api_doc(path=[FRONTEND, PROFILE], response=obj({"deleted": STR}), errors=(404, 422)),
)
async def delete_profile(
    frontend_name: str,
    profile_name: str,
    auth: AuthContext = Depends(require_user("write:accounts")),
    session: AsyncSession = Depends(get_session),
):
    frontend, profile = _names(frontend_name, profile_name)
    await frontend_settings.delete_profile(session, auth.user, frontend, profile)
    return {"deleted": "ok"}
