"""An account's aliases (its ``alsoKnownAs``) by nickname, as Pleroma's
``/api/pleroma/aliases`` lists and edits them: the other accounts that are the same person,
which a move to this account needs (the old account's server checks the list).

Stored as actor ids (``accounts.also_known_as``, what the actor document publishes); the
API speaks nicknames (``foo@example.org``, a bare nickname for one of ours), resolved
through WebFinger and fetched when unknown. A change is a profile Update, so it federates
to the followers like any other.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.build import build_update_actor
from pyleroma.activities.context import PipelineContext
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account
from pyleroma.services.accounts.move import resolve_target
from pyleroma.services.accounts.profile import MAX_ALIASES
from pyleroma.settings import Settings


async def list_aliases(session: AsyncSession, account: Account) -> list[str]:
    """The aliases by nickname, in the stored order; an actor id we hold no account for
    is shown as the id."""
    ids = list(account.also_known_as or [])
    if not ids:
        return []
    rows = await session.execute(
        select(Account.ap_id, Account.nickname).where(Account.ap_id.in_(ids))
    )
    nicknames = {ap_id: nickname for ap_id, nickname in rows}
    return [nicknames.get(ap_id, ap_id) for ap_id in ids]


async def _update(session: AsyncSession, settings: Settings, account: Account, ids: list[str]):
    activity = build_update_actor(settings, account, {"also_known_as": ids})
    await pipeline.run(PipelineContext(session, settings), activity)


async def add_alias(session: AsyncSession, settings: Settings, account: Account, alias: str):
    """Add the account ``alias`` names; adding one already there changes nothing. Commits."""
    if not alias or not alias.strip():
        raise Unprocessable("alias: can't be blank")
    try:
        target = await resolve_target(session, settings, alias, refresh=False)
    except NotFound:
        raise NotFound("Account not found") from None
    if target.id == account.id:
        raise Unprocessable("An account cannot be its own alias")
    ids = list(account.also_known_as or [])
    if target.ap_id in ids:
        return
    if len(ids) >= MAX_ALIASES:
        raise Unprocessable(f"At most {MAX_ALIASES} aliases are allowed")
    await _update(session, settings, account, [*ids, target.ap_id])


async def delete_alias(session: AsyncSession, settings: Settings, account: Account, alias: str):
    """Remove the alias ``alias`` names (by nickname or actor id), without fetching
    anything. Commits."""
    text = (alias or "").strip().lstrip("@")
    ids = list(account.also_known_as or [])
    named = await session.scalar(
        select(Account.ap_id).where(Account.nickname_key == text.lower(), Account.ap_id.in_(ids))
    )
    gone = named or (text if text in ids else None)
    if gone is None:
        raise NotFound("Account has no such alias.")
    await _update(session, settings, account, [ap_id for ap_id in ids if ap_id != gone])
