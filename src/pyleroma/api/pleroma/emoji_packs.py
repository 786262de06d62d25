"""Pleroma's emoji pack API (under both /api/v1/pleroma and /api/pleroma):

- ``GET /emoji/packs`` (``page``, ``page_size`` 50): ``{"packs": {name: pack}, "count": n}``;
  ``GET /emoji/pack?name=`` (``page``, ``page_size`` 30 for its files): the pack;
  ``GET /emoji/packs/archive?name=``: the zip of a shared pack. Public, as in Pleroma.
- ``POST|PATCH|DELETE /emoji/pack?name=``: create (``"ok"``), replace the metadata (the
  stored metadata), delete (``"ok"``).
- ``GET /emoji/packs/import``: write pack.json for pack folders without one (their names);
  ``GET /emoji/packs/remote?url=``: another instance's packs; ``POST /emoji/packs/download``
  (``url``, ``name``, ``as``): install a pack another instance shares (``"ok"``).
- ``POST|PATCH|DELETE /emoji/packs/files?name=``: add (an upload, a URL, or a zip of
  images), rename/move (``force``), delete an emoji; each answers the files map.

Writes are for admins: a token with ``admin:write`` (granted only to admins: api/deps.py,
services/oauth) of an account that is an admin now (policy/permissions.is_admin), as
Pleroma's admin-scoped routes; 403 "User is not an admin." otherwise. The work is in
services/emoji_packs/ (docs/api/emoji.md, "Emoji pack API").
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends
from starlette.responses import Response

from pyleroma.api.deps import AuthContext, get_settings, require_user
from pyleroma.api.openapi import ANY_OBJECT, BOOL, INT, STR, api_doc, arr, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.errors import BadRequest, Forbidden
from pyleroma.policy.permissions import is_admin
from pyleroma.services.emoji_packs import files, packs, remote
from pyleroma.settings import Settings

pleroma_router = APIRouter(tags=["Emoji packs"])

ADMIN_SCOPES = ("admin:write",)
OK = "ok"
MAX_PAGE_SIZE = 1 << 31  # more than any pack holds; keeps slicing arithmetic small
METADATA_FIELDS = (
    "license",
    "homepage",
    "description",
    "fallback-src",
    "fallback-src-sha256",
    "share-files",
)

NAME = param("name", STR, "The pack's name", required=True, example="blobs")
URL = param("url", STR, "The other instance's URL", required=True)
SHORTCODE = param("shortcode", STR, "The emoji's shortcode", required=True)


def _page(default_size: int) -> list:
    return [
        param("page", {**INT, "minimum": 1}, "Page number (from 1)"),
        param("page_size", {**INT, "minimum": 0}, f"Entries per page (default {default_size})"),
    ]


FILES_MAP = obj(description="Shortcode -> file name in the pack")
PACK = obj(
    {"files": FILES_MAP, "files_count": INT, "pack": ANY_OBJECT},
    description="An emoji pack: a page of its files, their count, and its metadata",
)
METADATA = obj(
    optional={
        "license": STR,
        "homepage": STR,
        "description": STR,
        "fallback-src": STR,
        "fallback-src-sha256": STR,
        "share-files": BOOL,
    },
    description="The pack's metadata (replaces the stored one)",
)


async def require_admin(auth: AuthContext = Depends(require_user(*ADMIN_SCOPES))) -> AuthContext:
    if not is_admin(auth.account):
        raise Forbidden("User is not an admin.")
    return auth


def _pages(params: Params, default_size: int) -> tuple[int, int]:
    page = params.int("page", 1, min=1)
    size = params.int("page_size", default_size, min=0)
    return page, min(size, MAX_PAGE_SIZE)


def _name(params: Params) -> str:
    return packs.check_name(params.str("name"))


def _required(params: Params, name: str) -> str:
    value = params.str(name)
    if value is None:
        raise BadRequest(f"Missing field: {name}.")
    return value


# --- packs -------------------------------------------------------------------------------


@pleroma_router.get(
    "/emoji/packs",
    **api_doc(query=_page(50), response=obj({"packs": ANY_OBJECT, "count": INT})),
)
async def list_packs(
    params: Params = Depends(get_params), settings: Settings = Depends(get_settings)
):
    return await packs.list_packs(settings, *_pages(params, 50))


@pleroma_router.get(
    "/emoji/pack", **api_doc(query=[NAME, *_page(30)], response=PACK, errors=(400, 404))
)
async def show_pack(
    params: Params = Depends(get_params), settings: Settings = Depends(get_settings)
):
    name = _name(params)
    return await packs.show_pack(settings, name, *_pages(params, 30))


@pleroma_router.get(
    "/emoji/packs/archive",
    **api_doc(
        query=[NAME],
        response={"type": "string", "format": "binary"},
        media_type="application/zip",
        errors=(400, 403, 404),
    ),
)
async def pack_archive(
    params: Params = Depends(get_params), settings: Settings = Depends(get_settings)
):
    name = _name(params)
    body = await packs.pack_archive(settings, name)
    disposition = f"attachment; filename=\"pack.zip\"; filename*=UTF-8''{quote(name)}.zip"
    headers = {"Content-Disposition": disposition}
    return Response(body, media_type="application/zip", headers=headers)


@pleroma_router.post(
    "/emoji/pack", **api_doc(query=[NAME], response=STR, errors=(400, 401, 403, 409))
)
async def create_pack(
    _auth: AuthContext = Depends(require_admin),
    params: Params = Depends(get_params),
    settings: Settings = Depends(get_settings),
):
    await packs.create_pack(settings, _name(params))
    return OK


@pleroma_router.patch(
    "/emoji/pack",
    **api_doc(
        query=[NAME],
        body=[
            param("metadata", METADATA, "The new metadata"),
            *[
                param(key, schema, "A metadata key, when `metadata` is not sent")
                for key, schema in METADATA["properties"].items()
            ],
        ],
        response=ANY_OBJECT,
        errors=(400, 401, 403, 404, 422),
    ),
)
async def update_pack(
    _auth: AuthContext = Depends(require_admin),
    params: Params = Depends(get_params),
    settings: Settings = Depends(get_settings),
):
    name = _name(params)
    if params.has("metadata"):
        metadata = params.raw("metadata")
    else:  # the doc also lists the metadata's keys as parameters of their own
        metadata = {key: params.raw(key) for key in METADATA_FIELDS if params.has(key)}
        if not metadata:
            raise BadRequest("Missing field: metadata.")
    return await packs.update_metadata(settings, name, metadata)


@pleroma_router.delete(
    "/emoji/pack", **api_doc(query=[NAME], response=STR, errors=(400, 401, 403, 404))
)
async def delete_pack(
    _auth: AuthContext = Depends(require_admin),
    params: Params = Depends(get_params),
    settings: Settings = Depends(get_settings),
):
    await packs.delete_pack(settings, _name(params))
    return OK


@pleroma_router.get("/emoji/packs/import", **api_doc(response=arr(STR), errors=(401, 403)))
async def import_packs(
    _auth: AuthContext = Depends(require_admin), settings: Settings = Depends(get_settings)
):
    return await packs.import_packs(settings)


# --- other instances ---------------------------------------------------------------------


@pleroma_router.get(
    "/emoji/packs/remote",
    **api_doc(query=[URL, *_page(50)], response=ANY_OBJECT, errors=(400, 401, 403)),
)
async def remote_packs(
    _auth: AuthContext = Depends(require_admin),
    params: Params = Depends(get_params),
    settings: Settings = Depends(get_settings),
):
    url = _required(params, "url")
    page, size = _pages(params, 50)
    return await remote.list_remote(settings, url, page, size)


@pleroma_router.post(
    "/emoji/packs/download",
    **api_doc(
        body=[
            URL,
            param("name", STR, "The pack's name on that instance", required=True),
            param("as", STR, "The name to save it under (default: its name)"),
        ],
        response=STR,
        errors=(400, 401, 403, 409, 413, 422),
    ),
)
async def download_pack(
    _auth: AuthContext = Depends(require_admin),
    params: Params = Depends(get_params),
    settings: Settings = Depends(get_settings),
):
    url = _required(params, "url")
    name = packs.check_name(_required(params, "name"))
    local = packs.check_name(params.str("as") or name, "as")
    await remote.download_pack(settings, url, name, local)
    return OK


# --- files -------------------------------------------------------------------------------


@pleroma_router.post(
    "/emoji/packs/files",
    **api_doc(
        query=[NAME],
        body=[
            param(
                "file",
                {"type": "string", "format": "binary"},
                "The image (or a zip of images) as an upload, or the URL of an image",
                required=True,
            ),
            param("shortcode", STR, "The shortcode (default: the file name's stem)"),
            param("filename", STR, "Its file name in the pack (default: the upload's)"),
        ],
        uploads=True,
        response=FILES_MAP,
        errors=(400, 401, 403, 404, 409, 413, 415, 422),
    ),
)
async def add_file(
    _auth: AuthContext = Depends(require_admin),
    params: Params = Depends(get_params),
    settings: Settings = Depends(get_settings),
):
    name = _name(params)
    file = params.raw("file")
    shortcode, filename = params.str("shortcode"), params.str("filename")
    return await files.add_file(settings, name, file, shortcode, filename)


@pleroma_router.patch(
    "/emoji/packs/files",
    **api_doc(
        query=[NAME],
        body=[
            SHORTCODE,
            param("new_shortcode", STR, "The new shortcode", required=True),
            param("new_filename", STR, "The new file name in the pack", required=True),
            param("force", BOOL, "Take the new shortcode (or file name) even if used"),
        ],
        response=FILES_MAP,
        errors=(400, 401, 403, 404, 409, 422),
    ),
)
async def update_file(
    _auth: AuthContext = Depends(require_admin),
    params: Params = Depends(get_params),
    settings: Settings = Depends(get_settings),
):
    name = _name(params)
    shortcode = _required(params, "shortcode")
    new_shortcode = _required(params, "new_shortcode")
    new_filename = _required(params, "new_filename")
    force = params.bool("force", False)
    return await files.update_file(settings, name, shortcode, new_shortcode, new_filename, force)


@pleroma_router.delete(
    "/emoji/packs/files",
    **api_doc(query=[NAME, SHORTCODE], response=FILES_MAP, errors=(400, 401, 403, 404, 422)),
)
async def delete_file(
    _auth: AuthContext = Depends(require_admin),
    params: Params = Depends(get_params),
    settings: Settings = Depends(get_settings),
):
    name = _name(params)
    shortcode = _required(params, "shortcode")
    return await files.delete_file(settings, name, shortcode)
