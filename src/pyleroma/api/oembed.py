"""oEmbed for statuses: Mastodon's ``GET /api/oembed?url=<a post's URL>``
(services/oembed.py decides which posts may be embedded; docs/feeds.md).

The answer is Mastodon's OEmbedSerializer shape: a ``rich`` embed, version 1.0, with the
author, this server as provider, a day's ``cache_age``, and ``html``. Mastodon's ``html`` is an
iframe of its embed page; there is no embed page here yet, so ``html`` is a self-contained
blockquote (the post's sanitised HTML, or only its content warning, its author and a link
to it), which any page can show without scripts. ``maxwidth``/``maxheight`` set ``width``
(400 by default, as Mastodon) and ``height`` (null by default). Pleroma and Akkoma serve no
oEmbed route.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import get_session, get_settings
from pyleroma.api.mastodon.render_statuses import status_to_api
from pyleroma.api.openapi import INT, STR, api_doc, nullable, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.errors import BadRequest
from pyleroma.services.oembed import embeddable_status
from pyleroma.settings import Settings
from pyleroma.web.feeds import post_title

router = APIRouter(tags=["oEmbed"])

DEFAULT_WIDTH = 400
MAX_SIZE = 10_000
CACHE_AGE = 86_400

OEMBED = obj(
    {
        "type": STR,
        "version": STR,
        "title": STR,
        "author_name": STR,
        "author_url": STR,
        "provider_name": STR,
        "provider_url": STR,
        "cache_age": INT,
        "html": STR,
        "width": nullable(INT),
        "height": nullable(INT),
    }
)


def embed_html(status: dict) -> str:
    """The blockquote an embedding page shows (every value escaped; the content is the
    sanitised HTML the API serves)."""
    account = status["account"]
    name = account.get("display_name") or account["username"]
    url = escape(status["url"], quote=True)
    if status.get("spoiler_text"):
        body = f"<p><strong>{escape(status['spoiler_text'])}</strong></p>"
    else:
        body = status.get("content") or ""
    return (
        f'<blockquote class="pyleroma-embed" data-status-url="{url}">'
        f"{body}"
        f'<p>&mdash; <a href="{escape(account["url"], quote=True)}">{escape(name)}</a>'
        f" (@{escape(account['acct'])})"
        f' <a href="{url}">{escape(status.get("created_at") or "")}</a></p>'
        "</blockquote>"
    )


@router.get(
    "/api/oembed",
    summary="oEmbed for a public or unlisted post of this server",
    **api_doc(
        query=[
            param("url", STR, "The post's URL or ActivityPub id", required=True),
            param("maxwidth", INT, "The embed's width (400 by default)"),
            param("maxheight", INT, "The embed's height (none by default)"),
        ],
        response=OEMBED,
        errors=(400, 404, 422),
    ),
)
async def oembed(
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    url = params.str("url")
    if not url:
        raise BadRequest("url: required")
    width = params.int("maxwidth", DEFAULT_WIDTH, min=1, max=MAX_SIZE, clamp=True)
    height = params.int("maxheight", None, min=1, max=MAX_SIZE, clamp=True)
    status, _author = await embeddable_status(session, settings, url)
    entity = await status_to_api(session, settings, status, None)
    account = entity["account"]
    return json_response(
        {
            "type": "rich",
            "version": "1.0",
            "title": post_title(entity),
            "author_name": account.get("display_name") or account["username"],
            "author_url": account["url"],
            "provider_name": settings.domain,
            "provider_url": settings.base_url + "/",
            "cache_age": CACHE_AGE,
            "html": embed_html(entity),
            "width": width,
            "height": height,
        }
    )
