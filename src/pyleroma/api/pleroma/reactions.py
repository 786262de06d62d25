"""Emoji reactions (Pleroma's EmojiReactionController, both prefixes), and Akkoma's names:

- ``PUT /statuses/:id/reactions/:emoji`` and ``DELETE`` (Akkoma also
  ``/api/v1/statuses/:id/emoji_reactions/:emoji``): react, or take the reaction back;
  both answer the Status as the viewer now sees it. Scope ``write:statuses``.
- ``GET /statuses/:id/reactions[/:emoji]``: the reactions as a list of ``{name, count, me,
  url, accounts}`` (Account entities), oldest emoji first; open to anonymous readers of a
  public post (a token must have ``read:statuses``); ``with_muted=true`` shows the
  reactions of muted accounts too.

``:emoji`` is one unicode emoji (variation selectors optional: "❤" is "❤️"), a custom
emoji of this instance (``blobcat`` or ``:blobcat:``), or another server's custom emoji
already among the post's reactions (``blobcat@host``); anything else is 400. A status the
viewer may not see is 404, as one that does not exist (Pleroma answers 403 on the list,
which tells a stranger that a private post exists). A boost's id means its original.
Unreacting without a reaction is Pleroma's 400 "Could not remove reaction emoji".
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user, require_user
from pyleroma.api.mastodon.render_accounts import accounts_to_api
from pyleroma.api.mastodon.render_reactions import group_reactions
from pyleroma.api.mastodon.render_statuses import status_to_api
from pyleroma.api.openapi import BOOL, INT, STR, api_doc, arr, nullable, obj, param, ref
from pyleroma.api.openapi.parameters import WITH_MUTED
from pyleroma.api.params import Params, get_params
from pyleroma.models import Account, Status
from pyleroma.services.statuses import reactions
from pyleroma.services.statuses.status_access import get_visible_status, resolve_original
from pyleroma.settings import Settings

router = APIRouter(tags=["Emoji reactions"])
pleroma_router = APIRouter(tags=["Emoji reactions"])

WRITE_SCOPES = ("write:statuses",)
READ_SCOPES = ("read:statuses",)
EMOJI = param("emoji", STR, "A unicode emoji, a shortcode, or shortcode@host", required=True)
REACTION_WITH_ACCOUNTS = obj(
    {
        "name": STR,
        "count": INT,
        "me": BOOL,
        "url": nullable(STR),
        "accounts": arr(ref("Account")),
    }
)
WRITE_DOC = api_doc(path=[EMOJI], response=ref("Status"), errors=(400, 401, 403, 404))
LIST_DOC = api_doc(query=[WITH_MUTED], response=arr(REACTION_WITH_ACCOUNTS), errors=(400, 404))


async def _react(session, settings, viewer: Account, status_id: str, emoji: str, *, undo: bool):
    """React (or take back), then the requested status as the viewer sees it now."""
    requested = await get_visible_status(session, viewer, status_id)
    original = await resolve_original(session, requested)
    if undo:
        await reactions.unreact(session, settings, viewer, original, emoji, missing_ok=False)
    else:
        await reactions.react(session, settings, viewer, original, emoji)
    fresh = await session.get(Status, requested.id, populate_existing=True)
    return await status_to_api(session, settings, fresh, viewer)


@pleroma_router.put("/statuses/{status_id}/reactions/{emoji}", **WRITE_DOC)
@router.put("/api/v1/statuses/{status_id}/emoji_reactions/{emoji}", **WRITE_DOC)
async def react(
    status_id: str,
    emoji: str,
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """React to a status; reacting twice with one emoji is harmless."""
    return await _react(session, settings, auth.user, status_id, emoji, undo=False)


@pleroma_router.delete("/statuses/{status_id}/reactions/{emoji}", **WRITE_DOC)
@router.delete("/api/v1/statuses/{status_id}/emoji_reactions/{emoji}", **WRITE_DOC)
async def unreact(
    status_id: str,
    emoji: str,
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Take one's reaction with this emoji back."""
    return await _react(session, settings, auth.user, status_id, emoji, undo=True)


async def _list(session, settings, auth, params: Params, status_id: str, emoji: str | None):
    viewer = auth.account if auth else None
    wanted = reactions.reaction_filter_name(settings, emoji) if emoji is not None else None
    status = await resolve_original(session, await get_visible_status(session, viewer, status_id))
    rows = await reactions.reactions_with_accounts(
        session, status, viewer, with_muted=params.bool("with_muted", False)
    )
    groups = [
        group
        for group in group_reactions(settings, ((e, url, a.id) for e, url, a in rows))
        if wanted is None or group[0] == wanted
    ]
    accounts = {a.id: a for _, _, a in rows}
    shown = {i for _, _, ids in groups for i in ids}
    rendered = await accounts_to_api(
        session, settings, [a for i, a in accounts.items() if i in shown], viewer
    )
    by_id = {int(item["id"]): item for item in rendered}
    return [
        {
            "name": name,
            "count": len(ids),
            "me": viewer is not None and viewer.id in ids,
            "url": url,
            "accounts": [by_id[i] for i in ids],
        }
        for name, url, ids in groups
    ]


@pleroma_router.get("/statuses/{status_id}/reactions", **LIST_DOC)
async def list_reactions(
    status_id: str,
    auth: AuthContext | None = Depends(optional_user(*READ_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await _list(session, settings, auth, params, status_id, None)


@pleroma_router.get(
    "/statuses/{status_id}/reactions/{emoji}",
    **api_doc(
        path=[EMOJI],
        query=[WITH_MUTED],
        response=arr(REACTION_WITH_ACCOUNTS),
        errors=(400, 404),
    ),
)
async def list_reactions_with(
    status_id: str,
    emoji: str,
    auth: AuthContext | None = Depends(optional_user(*READ_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The reactions with one emoji: a list of one entry, or none."""
    return await _list(session, settings, auth, params, status_id, emoji)
