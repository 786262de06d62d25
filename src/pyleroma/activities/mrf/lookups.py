"""Read-only account lookups for the policies that judge an activity by the accounts it
involves (TagPolicy, AntiFollowbotPolicy, AntiLinkSpamPolicy).

Policies run before anything an activity names is resolved, so they may only read what
is already stored: nothing here fetches, and nothing writes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pyleroma.models import Account


def ref(value: Any) -> str | None:
    """The id of a normalised reference (a string, or a dict with an id)."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


async def account_by_ap_id(ctx, ap_id: str | None, *, local: bool | None = None):
    """The stored account with that AP id (only a local one when ``local``), or None; None
    too when the context has no session (a policy tried on a bare dict)."""
    if not ap_id or ctx.session is None:
        return None
    stmt = select(Account).where(Account.ap_id == ap_id)
    if local is not None:
        stmt = stmt.where(Account.local.is_(local))
    return (await ctx.session.execute(stmt)).scalar_one_or_none()


async def sender_of(ctx, activity: dict[str, Any]):
    """The account that sent ``activity``: the verified signer the context carries when it
    is the activity's actor, else the stored account of that actor (None if unknown)."""
    actor_id = ref(activity.get("actor"))
    actor = ctx.actor
    if actor is not None and (actor_id is None or getattr(actor, "ap_id", None) == actor_id):
        return actor
    return await account_by_ap_id(ctx, actor_id)
