"""Pleroma's bookmark folders (under both /api/v1/pleroma and /api/pleroma):

- ``GET /bookmark_folders``: the viewer's folders (``read:bookmarks``);
- ``POST /bookmark_folders`` (``name``, ``emoji``), ``PATCH /bookmark_folders/:id`` and
  ``DELETE /bookmark_folders/:id`` (``write:bookmarks``), each answering the folder.

The entity is Pleroma's: ``{id, name, emoji, emoji_url}`` (``emoji_url`` for a custom
emoji). Bookmarks are filed with ``folder_id`` on ``POST /api/v1/statuses/:id/bookmark``
and listed by folder with ``GET /api/v1/bookmarks?folder_id=`` (api/mastodon/
status_actions.py and favourites.py); the rules are services/statuses/bookmark_folders.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.openapi import ID, STR, api_doc, arr, nullable, obj, param
from pyleroma.api.openapi.types import component
from pyleroma.api.params import Params, get_params
from pyleroma.models import BookmarkFolder
from pyleroma.services.statuses import bookmark_folders as folders
from pyleroma.settings import Settings

pleroma_router = APIRouter(tags=["Bookmark folders"])

READ = require_user("read:bookmarks")
WRITE = require_user("write:bookmarks")
FOLDER = component(
    "BookmarkFolder",
    obj({"id": ID, "name": STR, "emoji": nullable(STR), "emoji_url": nullable(STR)}),
)
NAME = param("name", STR, "The folder's name, unique among yours")
EMOJI = param("emoji", STR, "A unicode emoji or a custom :shortcode: of this instance")


def folder_to_api(settings: Settings, folder: BookmarkFolder) -> dict:
    return {
        "id": str(folder.id),
        "name": folder.name,
        "emoji": folder.emoji,
        "emoji_url": folders.emoji_url(settings, folder.emoji),
    }


def _change(params: Params) -> folders.FolderChange:
    return folders.FolderChange(
        name=params.str("name", max_length=4 * folders.MAX_NAME_LENGTH),
        emoji=params.str("emoji", max_length=255),
    )


@pleroma_router.get(
    "/bookmark_folders",
    summary="Your bookmark folders",
    **api_doc(response=arr(FOLDER), errors=(401, 403)),
)
async def list_folders(
    auth: AuthContext = Depends(READ),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return [folder_to_api(settings, f) for f in await folders.list_folders(session, auth.user)]


@pleroma_router.post(
    "/bookmark_folders",
    summary="Make a bookmark folder",
    **api_doc(body=[NAME, EMOJI], response=FOLDER, errors=(401, 403, 422)),
)
async def create_folder(
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    folder = await folders.create_folder(session, settings, auth.user, _change(params))
    return folder_to_api(settings, folder)


@pleroma_router.patch(
    "/bookmark_folders/{folder_id}",
    summary="Rename a bookmark folder or change its emoji",
    **api_doc(body=[NAME, EMOJI], response=FOLDER, errors=(401, 403, 422)),
)
async def update_folder(
    folder_id: str,
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    folder = await folders.update_folder(session, settings, auth.user, folder_id, _change(params))
    return folder_to_api(settings, folder)


@pleroma_router.delete(
    "/bookmark_folders/{folder_id}",
    summary="Delete a bookmark folder (its bookmarks stay, unfiled)",
    **api_doc(response=FOLDER, errors=(401, 403)),
)
async def delete_folder(
    folder_id: str,
    auth: AuthContext = Depends(WRITE),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    folder = await folders.delete_folder(session, auth.user, folder_id)
    return folder_to_api(settings, folder)
