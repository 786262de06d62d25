"""Emoji reactions to statuses (Pleroma's EmojiReact): reacting and taking a reaction back.

A reaction goes through the activity pipeline (activities/handlers/reactions.py stores it,
notifies the author and delivers it), like a favourite. What one may react with is what
Pleroma's ``CommonAPI.react_with_emoji`` takes:

- a unicode emoji: exactly one fully-qualified emoji (services/text/reaction_emoji.py),
  stored qualified ("❤" becomes "❤️");
- a custom emoji of our own packs, ``shortcode`` or ``:shortcode:``;
- a remote custom emoji that is already on the status, ``shortcode@host`` (as Pleroma's
  reaction list names it): reacting with it again reuses its image.

The client API (``PUT/DELETE /api/v1/pleroma/statuses/:id/reactions/:emoji``) comes with
the Pleroma API; its routes call these.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.build import build_emoji_react, build_undo_emoji_react
from pyleroma.activities.context import PipelineContext
from pyleroma.errors import BadRequest, NotFound
from pyleroma.models import Account, Status, StatusReaction
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
    session: AsyncSession, settings: Settings, actor: Account, status: Status, emoji: str
) -> None:
    """Take back ``actor``'s reaction with ``emoji``; a no-op when there is none (a retry is
    harmless). The reaction's notification goes too. Commits."""
    name, _host_named = reaction_name(settings, emoji)
    undo = build_undo_emoji_react(settings, actor, status, name)
    await pipeline.run(PipelineContext(session, settings), undo)


async def reactions_of(session: AsyncSession, status_id: int) -> list[StatusReaction]:
    """The reactions to a status, oldest first (for tests and the later API)."""
    rows = await session.scalars(
        select(StatusReaction)
        .where(StatusReaction.status_id == status_id)
        .order_by(StatusReaction.id)
    )
    return list(rows)
