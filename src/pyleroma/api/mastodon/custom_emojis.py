"""The instance's custom emoji: the two public lists, and the image files themselves.

``GET /api/v1/custom_emojis`` (Mastodon) and ``GET /api/v1/pleroma/emoji`` (also under
``/api/pleroma``) need no token, as in Pleroma. ``/emoji/<pack>/<file>`` serves only files
the registry loaded as emoji: the URL is looked up, never joined to a directory, so no path
can reach pack.json, other files or anything outside the packs. Files go out with the type
their bytes sniffed as at load time and the same protective headers as uploads.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import FileResponse

from pyleroma.api.mastodon.render_emojis import custom_emoji_to_api, pleroma_emoji_index
from pyleroma.api.openapi import api_doc, arr, ref
from pyleroma.errors import NotFound
from pyleroma.services.text.emoji import EmojiRegistry

router = APIRouter(tags=["Custom emoji"])
pleroma_router = APIRouter(tags=["Custom emoji"])

EMOJI_FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    # Not immutable: an admin may replace a pack's file under the same name.
    "Cache-Control": "public, max-age=86400",
}


def _registry(request: Request) -> EmojiRegistry:
    return request.app.state.emoji


@router.get("/api/v1/custom_emojis", **api_doc(response=arr(ref("CustomEmoji"))))
async def custom_emojis(request: Request):
    registry = _registry(request)
    return [custom_emoji_to_api(registry, emoji) for emoji in registry.all()]


@pleroma_router.get("/emoji", **api_doc(response=ref("PleromaEmojiIndex")))
async def pleroma_emoji(request: Request):
    return pleroma_emoji_index(_registry(request))


@router.api_route("/emoji/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def emoji_file(path: str, request: Request):
    pack, _, file = path.partition("/")
    emoji = _registry(request).by_file(pack, file)
    if emoji is None or not emoji.disk_path.is_file():
        raise NotFound("Not found")
    return FileResponse(emoji.disk_path, media_type=emoji.mime, headers=EMOJI_FILE_HEADERS)
