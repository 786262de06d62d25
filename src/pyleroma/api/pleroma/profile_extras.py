"""Pleroma's smaller profile routes (under both /api/v1/pleroma and /api/pleroma):

- ``GET /birthdays?day=&month=``: the followed accounts whose shown birthday is that day.
- ``GET /mascot`` and ``PUT /mascot`` (``file``): Pleroma-FE's mascot.
- ``PATCH /accounts/update_avatar``, ``/accounts/update_banner``,
  ``/accounts/update_background`` (``img``: an upload or a base64 ``data:`` URL, empty to
  remove): ``{"url": ...}``, the image's new URL or null.
- ``GET /frontend_configurations``: the ``frontend_configurations`` setting, no token.
- ``GET /emoji.json``: the same as ``GET /emoji``, the form Pleroma-FE asks for.

The services are services/accounts/birthdays.py, mascot.py and profile_images.py; docs in
docs/api/pleroma_accounts.md.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.mastodon.render_accounts import accounts_to_api
from pyleroma.api.mastodon.render_emojis import pleroma_emoji_index
from pyleroma.api.openapi import ANY_OBJECT, INT, STR, api_doc, arr, nullable, obj, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.services.accounts import birthdays, mascot, profile_images
from pyleroma.settings import Settings

pleroma_router = APIRouter(tags=["Profile extras"])

READ_SCOPES = ("read:accounts",)
WRITE_SCOPES = ("write:accounts",)
UPLOAD = {"type": "string", "format": "binary"}
MASCOT = obj(
    {"id": STR, "url": STR, "pleroma": obj({"mime_type": STR})},
    optional={
        "type": STR,
        "preview_url": STR,
        "remote_url": nullable(STR),
        "text_url": STR,
        "description": nullable(STR),
        "blurhash": nullable(STR),
        "meta": ANY_OBJECT,
    },
)
IMAGE_URL = obj({"url": nullable(STR)})


@pleroma_router.get(
    "/birthdays",
    **api_doc(
        query=[
            param("day", INT, "Day of the month, 1 to 31", required=True),
            param("month", INT, "Month, 1 to 12", required=True),
        ],
        response=arr(ref("Account")),
        errors=(401, 403, 422),
    ),
)
async def friends_birthdays(
    auth: AuthContext = Depends(require_user(*READ_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    day, month = birthdays.check_day_month(params.int("day"), params.int("month"))
    found = await birthdays.friends_birthdays(session, auth.user, day, month)
    return await accounts_to_api(session, settings, found, auth.user)


@pleroma_router.get("/mascot", **api_doc(response=MASCOT, errors=(401, 403)))
async def get_mascot(
    auth: AuthContext = Depends(require_user(*READ_SCOPES)),
    settings: Settings = Depends(get_settings),
):
    return mascot.get_mascot(settings, auth.user)


@pleroma_router.put(
    "/mascot",
    **api_doc(
        body=[param("file", UPLOAD, "An image (PNG, JPEG, GIF or WebP)", required=True)],
        uploads=True,
        response=MASCOT,
        errors=(401, 403, 413, 415, 422),
    ),
)
async def update_mascot(
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await mascot.update_mascot(session, settings, auth.user, params.raw("file"))


IMG = param(
    "img",
    {"anyOf": [UPLOAD, STR]},
    "An image upload or a base64 data: URL; an empty string removes the image",
    required=True,
)


async def _update_image(target: str, auth, params, session, settings) -> dict:
    url = await profile_images.update_image(session, settings, auth.user, target, params)
    return {"url": url}


@pleroma_router.patch(
    "/accounts/update_avatar",
    **api_doc(body=[IMG], uploads=True, response=IMAGE_URL, errors=(401, 403, 413, 415, 422)),
)
async def update_avatar(
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await _update_image("avatar", auth, params, session, settings)


@pleroma_router.patch(
    "/accounts/update_banner",
    **api_doc(
        body=[IMG, param("banner", {"anyOf": [UPLOAD, STR]}, "Alias of img (Pleroma's name)")],
        uploads=True,
        response=IMAGE_URL,
        errors=(401, 403, 413, 415, 422),
    ),
)
async def update_banner(
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await _update_image("banner", auth, params, session, settings)


@pleroma_router.patch(
    "/accounts/update_background",
    **api_doc(body=[IMG], uploads=True, response=IMAGE_URL, errors=(401, 403, 413, 415, 422)),
)
async def update_background(
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await _update_image("background", auth, params, session, settings)


@pleroma_router.get("/frontend_configurations", **api_doc(response=ANY_OBJECT))
async def frontend_configurations(settings: Settings = Depends(get_settings)):
    return settings.frontend_configurations_map()


@pleroma_router.get("/emoji.json", **api_doc(response=ref("PleromaEmojiIndex")))
async def pleroma_emoji_json(request: Request):
    return pleroma_emoji_index(request.app.state.emoji)
