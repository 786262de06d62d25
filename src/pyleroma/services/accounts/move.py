"""Moving a local account to another account, here or elsewhere (Pleroma's
``POST /api/pleroma/move_account``, api/pleroma/account_moves.py).

The target must say it is the same person: its ``alsoKnownAs`` (``also_known_as`` for one
of ours) lists this account's actor id, read from a fresh fetch for a remote target so an
alias added a minute ago counts. The Move then goes through the pipeline
(activities/handlers/moves.py): ``moved_to_id`` is set, the Move is delivered to the
remote followers (whose servers move them), and the local followers are moved by a job,
by the same rule as for an incoming Move.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.errors import BadRequest, NotFound, Unprocessable
from pyleroma.federation.errors import FederationError
from pyleroma.models import Account
from pyleroma.services.accounts.accounts import find_by_nickname
from pyleroma.settings import Settings
from pyleroma.urls import activity_uri, actor_id

log = logging.getLogger("pyleroma.federation")


async def resolve_target(
    session: AsyncSession, settings: Settings, target_uri: str, *, refresh: bool = True
) -> Account:
    """The account ``target_uri`` (an actor id, a profile URL, ``nick@host``, a local
    ``nick``) names, a remote one refetched (unless ``refresh`` is off); NotFound when there
    is none or it cannot be reached."""
    from pyleroma.federation.actors import get_or_fetch_actor, resolve_account

    text = target_uri.strip().lstrip("@")
    started = utcnow()  # a target fetched after this was fetched by the resolution itself
    try:
        if "@" in text or "://" in text:
            target = await resolve_account(session, settings, text)
        else:  # a bare nickname: one of ours (Pleroma's move_account takes those)
            target = await find_by_nickname(session, text)
            target = target if target is not None and target.local else None
        fetched = target.last_fetched_at if target is not None else None
        stale = fetched is None or fetched < started
        if refresh and target is not None and not target.local and stale:
            target = await get_or_fetch_actor(session, settings, target.ap_id, refresh=True)
    except FederationError as exc:
        log.info("move target %r not resolved: %s", target_uri[:200], exc.reason)
        target = None
    if target is None or not target.is_active:
        raise NotFound("Target account not found")
    return target


async def check_move(
    session: AsyncSession, settings: Settings, account: Account, target_uri: str
) -> Account:
    """The target of ``account``'s move to ``target_uri``, or the refusal: not found (404),
    to itself (400), already moved there, the target not listing the account as an alias,
    or the target having moved on itself (422)."""
    if not account.local:
        raise BadRequest("Only local accounts can move")
    if not isinstance(target_uri, str) or not target_uri.strip():
        raise BadRequest("Target account is required")
    target = await resolve_target(session, settings, target_uri)
    if target.id == account.id:
        raise BadRequest("Can not move an account to itself")
    if account.moved_to_id == target.id:
        raise Unprocessable("Account has already moved to the target")
    if actor_id(settings, account) not in (target.also_known_as or []):
        raise Unprocessable("Target account must have the origin in `alsoKnownAs`")
    if target.moved_to_id is not None:
        raise Unprocessable("Target account has moved itself")
    return target


async def move_account(
    session: AsyncSession, settings: Settings, account: Account, target_uri: str
) -> Account:
    """Move ``account`` to the account ``target_uri`` names; returns the target. Commits."""
    target = await check_move(session, settings, account, target_uri)
    row_id = new_id()
    move = Activity("Move", account, target, id=activity_uri(settings, row_id), row_id=row_id)
    return await pipeline.run(PipelineContext(session, settings), move)
