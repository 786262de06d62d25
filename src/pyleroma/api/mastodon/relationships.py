"""Relationship actions: follow, unfollow, block, mute, note, pin, and the Relationship entity.

Every action answers with the viewer's Relationship to the target, as Pleroma does. The
routes under ``/api/v1/accounts/{id}/<action>`` are more specific than the accounts router's
``/api/v1/accounts/{id}``; ``/api/v1/accounts/relationships`` is not, so this module is
registered before the accounts router (see ``ROUTER_MODULES``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.openapi import BOOL, STR, api_doc, arr, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.db.ids import parse_id
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account
from pyleroma.services.accounts.accounts import find_by_nickname
from pyleroma.services.relations import blocks, endorsements, follows
from pyleroma.services.relations.relationships_view import load_relationships
from pyleroma.settings import Settings

router = APIRouter(tags=["Account actions"])

MAX_RELATIONSHIP_IDS = 1000
# Unknown or malformed ids are skipped, so any strings are accepted.
IDS_LOOSE = arr(STR)
MUTE_SECONDS = {"type": "integer", "minimum": 0, "maximum": blocks.MAX_MUTE_SECONDS}

FOLLOW_SCOPES = ("follow", "write:follows")
BLOCK_SCOPES = ("follow", "write:blocks")
MUTE_SCOPES = ("follow", "write:mutes")
ENDORSE_SCOPES = ("follow", "write:accounts")


async def relationship_to_api(session: AsyncSession, viewer: Account, target: Account) -> dict:
    """The Relationship entity of ``viewer`` to ``target``, read after the change committed."""
    return (await load_relationships(session, viewer.id, [target]))[target.id]


@router.get(
    "/api/v1/accounts/relationships",
    **api_doc(query=[param("id", IDS_LOOSE)], response=arr(ref("Relationship"))),
)
async def relationships(
    auth: AuthContext = Depends(require_user("read:follows")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Relationships to each known account in ``id[]``, in the order asked.

    Unknown or malformed ids are skipped and no ids at all give ``[]`` (as Mastodon),
    so a client asking about a mix of accounts still gets what can be answered.
    """
    wanted: list[int] = []
    for raw in params.str_list("id"):
        account_id = parse_id(raw)
        if account_id is not None and account_id not in wanted:
            wanted.append(account_id)
    if len(wanted) > MAX_RELATIONSHIP_IDS:
        raise Unprocessable(f"id: at most {MAX_RELATIONSHIP_IDS} ids per request")
    if not wanted:
        return []
    found = {
        a.id: a
        for a in (await session.execute(select(Account).where(Account.id.in_(wanted)))).scalars()
    }
    targets = [found[i] for i in wanted if i in found]
    loaded = await load_relationships(session, auth.user.id, targets)
    return [loaded[t.id] for t in targets]


async def _follow_and_render(
    session: AsyncSession, settings: Settings, viewer: Account, target: Account, params: Params
) -> dict:
    await follows.follow(
        session,
        settings,
        viewer,
        target,
        reblogs=params.bool("reblogs"),
        notify=params.bool("notify"),
    )
    return await relationship_to_api(session, viewer, target)


FOLLOW_FIELDS = [
    param("reblogs", BOOL, "Show their boosts in home (default true)"),
    param("notify", BOOL, "Notify of their posts"),
]


@router.post(
    "/api/v1/accounts/{account_id}/follow",
    **api_doc(body=FOLLOW_FIELDS, response=ref("Relationship"), errors=(404,)),
)
async def follow(
    account_id: str,
    auth: AuthContext = Depends(require_user(*FOLLOW_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Follow; a locked (or remote) account gets a request (``requested: true``)."""
    target = await follows.get_target(session, account_id)
    return await _follow_and_render(session, settings, auth.user, target, params)


@router.post(
    "/api/v1/follows",
    **api_doc(
        body=[param("uri", STR, "nick or nick@domain", required=True), *FOLLOW_FIELDS],
        response=ref("Relationship"),
        errors=(404,),
    ),
)
async def follow_by_uri(
    auth: AuthContext = Depends(require_user(*FOLLOW_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Follow by handle (``uri=nick`` or ``nick@domain``), as Pleroma's /api/v1/follows."""
    uri = params.str("uri", max_length=2048)
    if not uri:
        raise Unprocessable("uri: can't be blank")
    target = await find_by_nickname(session, uri.strip().lstrip("@"))
    if target is None or not target.is_active:
        raise NotFound("Record not found")
    return await _follow_and_render(session, settings, auth.user, target, params)


@router.post(
    "/api/v1/accounts/{account_id}/unfollow", **api_doc(response=ref("Relationship"), errors=(404,))
)
async def unfollow(
    account_id: str,
    auth: AuthContext = Depends(require_user(*FOLLOW_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Unfollow, or withdraw a pending request."""
    target = await follows.get_target(session, account_id)
    await follows.unfollow(session, settings, auth.user, target)
    return await relationship_to_api(session, auth.user, target)


@router.post(
    "/api/v1/accounts/{account_id}/remove_from_followers",
    **api_doc(response=ref("Relationship"), errors=(404,)),
)
async def remove_from_followers(
    account_id: str,
    auth: AuthContext = Depends(require_user(*FOLLOW_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Make the account stop following you (its pending request goes too)."""
    target = await follows.get_target(session, account_id)
    await follows.remove_from_followers(session, settings, auth.user, target)
    return await relationship_to_api(session, auth.user, target)


@router.post(
    "/api/v1/accounts/{account_id}/block", **api_doc(response=ref("Relationship"), errors=(404,))
)
async def block(
    account_id: str,
    auth: AuthContext = Depends(require_user(*BLOCK_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    target = await follows.get_target(session, account_id)
    await blocks.block(session, settings, auth.user, target)
    return await relationship_to_api(session, auth.user, target)


@router.post(
    "/api/v1/accounts/{account_id}/unblock", **api_doc(response=ref("Relationship"), errors=(404,))
)
async def unblock(
    account_id: str,
    auth: AuthContext = Depends(require_user(*BLOCK_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    target = await follows.get_target(session, account_id)
    await blocks.unblock(session, settings, auth.user, target)
    return await relationship_to_api(session, auth.user, target)


@router.post(
    "/api/v1/accounts/{account_id}/mute",
    **api_doc(
        body=[
            param("notifications", BOOL, "Mute their notifications too (default true)"),
            param("duration", MUTE_SECONDS, "Seconds; 0 is for ever"),
            param("expires_in", MUTE_SECONDS, "Pleroma's name for duration"),
        ],
        response=ref("Relationship"),
        errors=(404,),
    ),
)
async def mute(
    account_id: str,
    auth: AuthContext = Depends(require_user(*MUTE_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Mute; ``notifications`` (default true), ``duration`` or Pleroma's ``expires_in``
    (seconds, 0 = for ever)."""
    target = await follows.get_target(session, account_id)
    name = "duration" if params.has("duration") else "expires_in"
    duration = params.int(name, 0, min=0, max=blocks.MAX_MUTE_SECONDS)
    await blocks.mute(
        session,
        auth.user,
        target,
        notifications=params.bool("notifications", True),
        duration=duration,
    )
    return await relationship_to_api(session, auth.user, target)


@router.post(
    "/api/v1/accounts/{account_id}/unmute", **api_doc(response=ref("Relationship"), errors=(404,))
)
async def unmute(
    account_id: str,
    auth: AuthContext = Depends(require_user(*MUTE_SCOPES)),
    session: AsyncSession = Depends(get_session),
):
    target = await follows.get_target(session, account_id)
    await blocks.unmute(session, auth.user, target)
    return await relationship_to_api(session, auth.user, target)


@router.post(
    "/api/v1/accounts/{account_id}/note",
    **api_doc(
        body=[param("comment", STR, "The private note; empty removes it")],
        response=ref("Relationship"),
        errors=(404,),
    ),
)
async def note(
    account_id: str,
    auth: AuthContext = Depends(require_user("write:accounts")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Set the private note (``comment``) on an account; an empty comment removes it."""
    target = await follows.get_target(session, account_id)
    await endorsements.set_note(session, auth.user, target, params.str("comment", ""))
    return await relationship_to_api(session, auth.user, target)


@router.post(
    "/api/v1/accounts/{account_id}/pin", **api_doc(response=ref("Relationship"), errors=(404,))
)
async def pin(
    account_id: str,
    auth: AuthContext = Depends(require_user(*ENDORSE_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Endorse (feature) an account you follow."""
    target = await follows.get_target(session, account_id)
    await endorsements.endorse(session, settings, auth.user, target)
    return await relationship_to_api(session, auth.user, target)


@router.post(
    "/api/v1/accounts/{account_id}/unpin", **api_doc(response=ref("Relationship"), errors=(404,))
)
async def unpin(
    account_id: str,
    auth: AuthContext = Depends(require_user(*ENDORSE_SCOPES)),
    session: AsyncSession = Depends(get_session),
):
    target = await follows.get_target(session, account_id)
    await endorsements.unendorse(session, auth.user, target)
    return await relationship_to_api(session, auth.user, target)
