"""Posting a status: validate the draft, render its text, store it with its addressing.

``post_status`` is the one way a local status comes to exist (the API, scheduled statuses and
the benchmark generator all call it). It validates everything first (``check_draft``), then
writes the status, its mentions, hashtags, media links and counters, the notifications it
causes and its fan-out job, all in the caller's transaction; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.errors import Unprocessable
from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.jobs.queue import enqueue
from pyleroma.models import (
    Account,
    Hashtag,
    MediaAttachment,
    OAuthApp,
    Status,
    StatusMention,
    StatusTag,
)
from pyleroma.models.status import VISIBILITIES
from pyleroma.services import formatting
from pyleroma.services.notifications import notify
from pyleroma.services.status_access import get_visible_status
from pyleroma.settings import Settings

CONTENT_TYPES = ("text/plain", "text/markdown", "text/html")
FANOUT_JOB = "timeline.fanout"
_markdown = MarkdownIt("commonmark", {"linkify": False, "html": False}).enable("strikethrough")


@dataclass
class StatusDraft:
    """What a client asked to post, already parsed from the request parameters."""

    text: str = ""
    content_type: str = "text/plain"
    visibility: str | None = None
    spoiler_text: str = ""
    sensitive: bool | None = None
    language: str | None = None
    in_reply_to_id: int | None = None
    quote_id: int | None = None
    media_ids: list[int] = field(default_factory=list)
    poll: dict | None = None
    expires_in: int | None = None
    to: list[str] | None = None
    in_reply_to_conversation_id: int | None = None


async def render_text(
    session: AsyncSession, settings: Settings, text: str, content_type: str
) -> formatting.Formatted:
    """The status HTML for ``text`` in ``content_type`` (Pleroma's three formats)."""
    if content_type == "text/markdown":
        return await formatting.format_html(session, settings, _markdown.render(text))
    if content_type == "text/html":
        return await formatting.format_html(session, settings, text)
    return await formatting.format_plain_text(session, settings, text)


def check_content_type(settings: Settings, content_type: str | None) -> str:
    content_type = content_type or "text/plain"
    if content_type not in CONTENT_TYPES or content_type not in settings.allowed_post_formats:
        raise Unprocessable(f"content_type: {content_type} is not an allowed post format")
    return content_type


async def _hashtag_ids(session: AsyncSession, names: list[str]) -> list[int]:
    wanted = list(dict.fromkeys(n.lower() for n in names))
    if not wanted:
        return []
    found = {
        name: tag_id
        for tag_id, name in (
            await session.execute(select(Hashtag.id, Hashtag.name).where(Hashtag.name.in_(wanted)))
        ).all()
    }
    for name in wanted:
        if name not in found:
            tag = Hashtag(id=new_id(), name=name)
            # A concurrent first use of the same tag would collide on the unique name;
            # a savepoint keeps the outer transaction usable if it does.
            try:
                async with session.begin_nested():
                    session.add(tag)
                found[name] = tag.id
            except IntegrityError:
                found[name] = await session.scalar(select(Hashtag.id).where(Hashtag.name == name))
    return [found[n] for n in wanted]


async def post_status(
    session: AsyncSession,
    settings: Settings,
    author: Account,
    draft: StatusDraft,
    *,
    app: OAuthApp | None = None,
    created_at: dt.datetime | None = None,
) -> Status:
    """Store a new status for ``author`` (validated draft) with its side effects."""
    text = draft.text or ""
    if len(text) > settings.max_status_chars:
        raise Unprocessable("The status is over the character limit")
    content_type = check_content_type(settings, draft.content_type)
    visibility = draft.visibility or author.default_scope or "public"
    if visibility not in VISIBILITIES:
        raise Unprocessable(f"visibility: {visibility} is not a valid visibility")
    media: list[MediaAttachment] = []
    if draft.media_ids:
        if len(draft.media_ids) > settings.max_media_attachments:
            raise Unprocessable("Too many media attachments")
        rows = (
            await session.execute(
                select(MediaAttachment).where(MediaAttachment.id.in_(draft.media_ids))
            )
        ).scalars()
        by_id = {m.id: m for m in rows}
        for media_id in draft.media_ids:
            item = by_id.get(media_id)
            if item is None or item.account_id != author.id or item.status_id is not None:
                raise Unprocessable("Invalid media id")
            media.append(item)
    if not text.strip() and not media and draft.poll is None:
        raise Unprocessable("Validation failed: Text can't be blank")

    parent = None
    if draft.in_reply_to_id is not None:
        parent = await get_visible_status(session, author, draft.in_reply_to_id)
        if parent.reblog_of_id is not None:
            raise Unprocessable("Can't reply to a reblog")

    formatted = await render_text(session, settings, text, content_type)
    now = created_at or utcnow()
    status_id = (
        new_id(int(now.replace(tzinfo=dt.UTC).timestamp() * 1000)) if created_at else new_id()
    )
    status = Status(
        id=status_id,
        account_id=author.id,
        local=True,
        visibility=visibility,
        content_type=content_type,
        source=text,
        content=formatted.html,
        spoiler_text=draft.spoiler_text or "",
        sensitive=bool(draft.sensitive)
        if draft.sensitive is not None
        else author.default_sensitive,
        language=draft.language,
        in_reply_to_id=parent.id if parent else None,
        in_reply_to_account_id=parent.account_id if parent else None,
        conversation_id=(parent.conversation_id or parent.id) if parent else status_id,
        application_id=app.id if app else None,
        has_media=bool(media),
        created_at=now,
    )
    if draft.expires_in:
        status.expires_at = now + dt.timedelta(seconds=draft.expires_in)
    session.add(status)
    await session.flush()

    recipients = {a.id: a for a in formatted.mentions}
    if (
        parent is not None
        and parent.account_id != author.id
        and parent.account_id not in recipients
    ):
        # A reply addresses the author it answers, even when not @-mentioned in the text.
        parent_author = await session.get(Account, parent.account_id)
        if parent_author is not None:
            recipients[parent_author.id] = parent_author
    for account in recipients.values():
        session.add(StatusMention(status_id=status.id, account_id=account.id))
    for hashtag_id in await _hashtag_ids(session, formatted.tags):
        session.add(StatusTag(status_id=status.id, hashtag_id=hashtag_id))
    for position, item in enumerate(media):
        item.status_id = status.id
        item.position = position

    await session.execute(
        update(Account)
        .where(Account.id == author.id)
        .values(statuses_count=Account.statuses_count + 1, last_status_at=now)
    )
    if parent is not None:
        await session.execute(
            update(Status)
            .where(Status.id == parent.id)
            .values(replies_count=Status.replies_count + 1)
        )
    for account in recipients.values():
        await notify(session, account, author.id, "mention", status)
    await enqueue(session, FANOUT_JOB, {"status_id": status.id})
    await session.flush()
    return status
