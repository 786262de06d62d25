"""Emoji reactions to statuses (Pleroma's EmojiReact): reacting and taking a reaction back.

A reaction goes through the activity pipeline (activities/handlers/reactions.py stores it,
notifies the author and delivers it), like a favourite. What one may react with is what
Pleroma's ``CommonAPI.react_with_emoji`` takes:

- a unicode emoji: exactly one fully-qualified emoji (services/text/reaction_emoji.py),
  stored qualified ("❤" becomes "❤️");
- a custom emoji of our own packs, ``shortcode`` or ``:shortcode:``;
- a remote custom emoji that is already on the status, ``shortcode@host`` (as Pleroma's
  reaction list names it): reacting with it again reuses its image.

The client API (api/pleroma/reactions.py: ``PUT/DELETE
/api/v1/pleroma/statuses/:id/reactions/:emoji`` and the lists) calls these.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.build import build_emoji_react, build_undo_emoji_react
from pyleroma.activities.context import PipelineContext
from pyleroma.db.base import utcnow
from pyleroma.errors import BadRequest, NotFound
from pyleroma.models import Account, Block, Mute, Status, StatusReaction
from pyleroma.policy.relations import mute_in_force
from pyleroma.policy.visibility import can_see
from pyleroma.services.text.emoji import registry_for
from pyleroma.services.text.reaction_emoji import SHORTCODE_RE, unicode_emoji
from pyleroma.settings import Settings

# A host with an optional port, as ``shortcode@host`` names it.
_HOST_RE = re.compile(r"[A-Za-z0-9.-]+(:[0-9]+)?")


def _host(url: str | None) -> str | None:
    return urlsplit(url).netloc.lower() if url else None


def reaction_name(settings: Settings, emoji: str) -> tuple[str, str | None]:
    """(stored emoji, host named) of what a client sends: a unicode emoji qualified, or a
    custom one's shortcode without colons and, for ``shortcode@host``, that host (None
    for ours). Raises BadRequest for anything else."""
    text = (emoji or "").strip()
    qualified = unicode_emoji(text)
    if qualified is not None:
        return qualified, None
    code, _, host = text.strip(":").partition("@")
    if not SHORTCODE_RE.fullmatch(code) or (host and not _HOST_RE.fullmatch(host)):
        raise BadRequest(f"{emoji!r:.80} is not an emoji one can react with")
    if host and host.lower() == _host(settings.base_url):
        host = ""
    return code, (host.lower() or None)


async def check_reaction(
    session: AsyncSession, settings: Settings, status: Status, emoji: str
) -> tuple[str, str | None]:
    """(emoji, image URL) to react to ``status`` with; BadRequest when ``emoji`` is not one
    (an unknown shortcode, a remote emoji the status has no reaction with)."""
    name, host = reaction_name(settings, emoji)
    if unicode_emoji(name) == name:
        return name, None
    if host is None:
        found = registry_for(settings).get(name)
        if found is None:
            raise BadRequest(f"no custom emoji :{name}: on this instance")
        return name, registry_for(settings).url(found)
    urls = await session.scalars(
        select(StatusReaction.emoji_url).where(
            StatusReaction.status_id == status.id,
            StatusReaction.emoji == name,
            StatusReaction.emoji_url.is_not(None),
        )
    )
    for url in urls:
        if _host(url) == host:
            return name, url
    raise BadRequest(f"the status has no reaction :{name}@{host}: to join")


async def react(
    session: AsyncSession, settings: Settings, actor: Account, status: Status, emoji: str
) -> StatusReaction:
    """React to ``status`` (an original) with ``emoji``; idempotent (the existing reaction
    is returned). NotFound when ``actor`` may not see it. Commits."""
    if status.reblog_of_id is not None or not await can_see(session, actor, status):
        raise NotFound("Record not found")
    name, url = await check_reaction(session, settings, status, emoji)
    activity = build_emoji_react(settings, actor, status, name, url)
    return await pipeline.run(PipelineContext(session, settings), activity)


async def unreact(
    session: AsyncSession,
    settings: Settings,
    actor: Account,
    status: Status,
    emoji: str,
    *,
    missing_ok: bool = True,
) -> None:
    """Take back ``actor``'s reaction with ``emoji``; a no-op when there is none (a retry is
    harmless), or with ``missing_ok=False`` Pleroma's 400 "Could not remove reaction emoji"
    (the client API's answer). The reaction's notification goes too. Commits."""
    name, _host_named = reaction_name(settings, emoji)
    if not missing_ok and not await session.scalar(
        select(
            exists().where(
                StatusReaction.account_id == actor.id,
                StatusReaction.status_id == status.id,
                StatusReaction.emoji == name,
            )
        )
    ):
        raise BadRequest("Could not remove reaction emoji")
    undo = build_undo_emoji_react(settings, actor, status, name)
    await pipeline.run(PipelineContext(session, settings), undo)


async def reactions_of(session: AsyncSession, status_id: int) -> list[StatusReaction]:
    """The reactions to a status, oldest first (for tests)."""
    rows = await session.scalars(
        select(StatusReaction)
        .where(StatusReaction.status_id == status_id)
        .order_by(StatusReaction.id)
    )
    return list(rows)


async def reactions_with_accounts(
    session: AsyncSession, status: Status, viewer: Account | None, *, with_muted: bool = False
) -> list[tuple[str, str | None, Account]]:
    """(emoji, image URL, account) of the reactions to ``status`` that ``viewer`` is shown,
    oldest first: as Pleroma's reaction list, without deactivated accounts, and without
    the accounts the viewer blocks or (unless ``with_muted``) mutes."""
    stmt = (
        select(StatusReaction.emoji, StatusReaction.emoji_url, Account)
        .join(Account, Account.id == StatusReaction.account_id)
        .where(StatusReaction.status_id == status.id, Account.is_active.is_(True))
        .order_by(StatusReaction.id)
    )
    if viewer is not None:
        reactor = StatusReaction.account_id
        stmt = stmt.where(
            ~exists().where(Block.account_id == viewer.id, Block.target_id == reactor)
        )
        if not with_muted:
            stmt = stmt.where(
                ~exists().where(
                    Mute.account_id == viewer.id, Mute.target_id == reactor, mute_in_force(utcnow())
                )
            )
    return [tuple(row) for row in await session.execute(stmt)]


def reaction_filter_name(settings: Settings, emoji: str) -> str:
    """The entry name a client's ``emoji`` asks for (``GET .../reactions/:emoji``): a unicode
    emoji qualified, a custom one's shortcode, ``shortcode@host`` for another server's.
    BadRequest when ``emoji`` is no emoji at all."""
    name, host = reaction_name(settings, emoji)
    return f"{name}@{host}" if host else name
