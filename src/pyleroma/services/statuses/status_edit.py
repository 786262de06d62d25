"""Editing a status: keep the old version, apply the new one, tell those who boosted it.

``PUT /api/v1/statuses/:id`` sends the status again. A field the request leaves out keeps
its value; a field sent (even empty or null: ``media_ids: []``, ``poll: null``) replaces it,
which is what Mastodon's and Pleroma's full-form clients expect and what lets a script fix a
typo without resending the pictures. Visibility, the reply and the quote never change.

An edit that changes nothing stores nothing (Pleroma): no history entry, no ``edited_at``,
no notifications. Otherwise, in the caller's transaction:
- the previous version is written as a ``StatusEdit`` row (its ``created_at`` is when that
  version came to be), and ``edited_at`` is set;
- text is rendered again and checked by posting's rules (length, content type, language,
  ``#nsfw``); recipients are decided as posting decides them, and mention and hashtag rows
  follow. A recipient the edit drops becomes silent rather than deleted: whoever was
  addressed keeps access (Mastodon); a new recipient gets a mention notification;
- media left out are detached (the history still names them), new media are attached;
- changing a poll's options (or single/multiple choice) resets its votes (Mastodon);
- accounts that reblogged the status get an ``update`` notification.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.build import build_update
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id, parse_id
from pyleroma.errors import Unprocessable
from pyleroma.models import (
    Account,
    MediaAttachment,
    Poll,
    PollVote,
    Status,
    StatusEdit,
    StatusMention,
    StatusTag,
)
from pyleroma.services.media.media import check_description, parse_focus
from pyleroma.services.notifications.notifications import create_notification
from pyleroma.services.statuses.polls import POLL_END_JOB, PollSpec, check_poll, create_poll
from pyleroma.services.statuses.posting import (
    StatusDraft,
    check_content_type,
    check_language,
    decide_recipients,
    hashtag_ids,
    inline_quote,
    render_text,
)
from pyleroma.services.text import formatting
from pyleroma.services.text.emoji import status_emojis
from pyleroma.settings import Settings


@dataclass
class StatusChanges:
    """What an edit request asked for; None means "keep" (see the module docstring)."""

    text: str | None = None
    content_type: str | None = None
    spoiler_text: str | None = None
    sensitive: bool | None = None
    # "" clears the language.
    language: str | None = None
    media_ids: list[int] | None = None
    # Mastodon's media_attributes[]: {"id", "description", "focus": "x,y"} for attached media.
    media_attributes: list[dict] = field(default_factory=list)
    poll_given: bool = False
    # The raw ``poll`` parameter (checked by ``services.polls.check_poll``); None: no poll.
    poll: dict | None = None


@dataclass
class _Plan:
    """The checked new version of a status, ready to apply."""

    text: str
    content_type: str
    spoiler_text: str
    sensitive: bool
    language: str | None
    formatted: formatting.Formatted
    content: str
    recipients: list[Account]
    old_media: list[MediaAttachment]
    media: list[MediaAttachment]
    media_updates: dict[int, dict]
    poll: Poll | None
    # keep | remove | create | update (same choices) | reset (new choices: votes go)
    poll_action: str
    poll_spec: PollSpec | None
    emojis: dict[str, str]


@dataclass
class Version:
    """One version of a status, as the history endpoint shows it."""

    content: str
    spoiler_text: str
    sensitive: bool
    created_at: dt.datetime
    media: list[MediaAttachment]
    poll_options: list[str] | None
    emojis: dict[str, str] = field(default_factory=dict)


def _media_updates(settings: Settings, attributes: list[dict]) -> dict[int, dict]:
    updates: dict[int, dict] = {}
    for item in attributes:
        if not isinstance(item, dict):
            raise Unprocessable("media_attributes: must be a list of objects")
        media_id = parse_id(item.get("id"))
        if media_id is None:
            raise Unprocessable("media_attributes: id is missing or invalid")
        change: dict = {}
        if "description" in item:
            change["description"] = check_description(settings, item["description"])
        focus = parse_focus(item.get("focus"))
        if focus is not None:
            change["focus_x"], change["focus_y"] = focus
        updates[media_id] = change
    return updates


async def status_media(session: AsyncSession, status: Status) -> list[MediaAttachment]:
    """A status's media as they are now, in display order."""
    return list(
        (
            await session.execute(
                select(MediaAttachment)
                .where(MediaAttachment.status_id == status.id)
                .order_by(MediaAttachment.position, MediaAttachment.id)
            )
        ).scalars()
    )


async def _check_media(
    session: AsyncSession, settings: Settings, status: Status, changes: StatusChanges
) -> tuple[list[MediaAttachment], list[MediaAttachment]]:
    """(current media, media after the edit), in display order."""
    old = await status_media(session, status)
    if changes.media_ids is None:
        return old, old
    wanted = list(dict.fromkeys(changes.media_ids))
    if len(wanted) > settings.max_media_attachments:
        raise Unprocessable(
            f"Too many media attachments (at most {settings.max_media_attachments})"
        )
    by_id = {m.id: m for m in old}
    missing = [i for i in wanted if i not in by_id]
    if missing:
        rows = await session.execute(select(MediaAttachment).where(MediaAttachment.id.in_(missing)))
        by_id.update({m.id: m for m in rows.scalars()})
    media = []
    # Posting's messages; media already on this status may stay.
    for media_id in wanted:
        item = by_id.get(media_id)
        if item is None:
            raise Unprocessable(f"Media attachment {media_id} not found")
        if item.account_id != status.account_id:
            raise Unprocessable("You can only attach your own media")
        if item.status_id not in (None, status.id):
            raise Unprocessable(f"Media attachment {media_id} is already attached to a status")
        media.append(item)
    return old, media


def _poll_action(poll: Poll | None, given: bool, spec: PollSpec | None) -> str:
    if not given:
        return "keep"
    if spec is None:
        return "remove" if poll is not None else "keep"
    if poll is None:
        return "create"
    titles = [option["title"] for option in poll.options]
    if titles != list(spec.options) or poll.multiple != spec.multiple:
        return "reset"
    return "update" if poll.hide_totals != spec.hide_totals else "keep"


async def check_edit(
    session: AsyncSession,
    settings: Settings,
    status: Status,
    author: Account,
    changes: StatusChanges,
) -> _Plan:
    """Validate the edit against the stored status with posting's rules; writes nothing."""
    text = status.source if changes.text is None else changes.text.strip()
    spoiler_text = status.spoiler_text if changes.spoiler_text is None else changes.spoiler_text
    content_type = (
        status.content_type
        if changes.content_type is None
        else check_content_type(settings, changes.content_type)
    )
    old_media, media = await _check_media(session, settings, status, changes)
    payload = (text + spoiler_text).strip()
    if not payload and not media:
        raise Unprocessable("Cannot post an empty status without attachments")
    if len(payload) > settings.max_status_chars:
        raise Unprocessable("The status is over the character limit")
    spec = check_poll(settings, changes.poll) if changes.poll_given else None
    media_updates = _media_updates(settings, changes.media_attributes)
    language = status.language
    if changes.language is not None:
        language = check_language(changes.language) if changes.language else None
    poll = (
        await session.scalar(select(Poll).where(Poll.status_id == status.id))
        if status.has_poll or changes.poll_given
        else None
    )
    formatted = await render_text(session, settings, text, content_type)
    content = formatted.html
    if status.quote_id is not None:
        quote = await session.get(Status, status.quote_id)
        if quote is not None:
            content = inline_quote(settings, content, quote)
    parent = await session.get(Status, status.in_reply_to_id) if status.in_reply_to_id else None
    # The same addressing rules as posting (visibility never changes on edit).
    recipients = await decide_recipients(
        session, settings, author, StatusDraft(), status.visibility, formatted, parent, None
    )
    sensitive = status.sensitive if changes.sensitive is None else changes.sensitive
    if changes.poll_given:
        poll_options = list(spec.options) if spec is not None else []
    else:
        poll_options = [o["title"] for o in poll.options] if poll is not None else []
    return _Plan(
        text=text,
        content_type=content_type,
        spoiler_text=spoiler_text,
        sensitive=bool(sensitive) or "nsfw" in formatted.tags,
        language=language,
        formatted=formatted,
        content=content,
        recipients=recipients,
        old_media=old_media,
        media=media,
        media_updates=media_updates,
        poll=poll,
        poll_action=_poll_action(poll, changes.poll_given, spec),
        poll_spec=spec,
        emojis=status_emojis(settings, text, spoiler_text, poll_options, parent),
    )


def _media_changed(plan: _Plan) -> bool:
    if [m.id for m in plan.media] != [m.id for m in plan.old_media]:
        return True
    for item in plan.media:
        for key, value in plan.media_updates.get(item.id, {}).items():
            if getattr(item, key) != value:
                return True
    return False


def _changed(status: Status, plan: _Plan) -> bool:
    return (
        plan.text != status.source
        or plan.content_type != status.content_type
        or plan.content != status.content
        or plan.spoiler_text != status.spoiler_text
        or plan.sensitive != status.sensitive
        or plan.language != status.language
        or _media_changed(plan)
        or plan.poll_action != "keep"
    )


async def sync_mentions(
    session: AsyncSession, status: Status, recipients: list[Account], rendered: set[int]
) -> list[Account]:
    """Mention rows as a new version names them (local and remote edits alike): ``rendered``
    are the ids shown as mentions, the other recipients are addressed silently; a recipient
    the edit drops stays, silent (whoever was addressed keeps access). Returns the newly
    added recipients."""
    rows = (
        await session.execute(select(StatusMention).where(StatusMention.status_id == status.id))
    ).scalars()
    existing = {row.account_id: row for row in rows}
    for account_id, row in existing.items():
        row.silent = account_id not in rendered
    added = [account for account in recipients if account.id not in existing]
    for account in added:
        silent = account.id not in rendered
        session.add(StatusMention(status_id=status.id, account_id=account.id, silent=silent))
    return added


async def _apply_tags(session: AsyncSession, status: Status, plan: _Plan) -> None:
    await session.execute(delete(StatusTag).where(StatusTag.status_id == status.id))
    for hashtag_id in await hashtag_ids(session, plan.formatted.tags):
        session.add(StatusTag(status_id=status.id, hashtag_id=hashtag_id))


def _apply_media(status: Status, plan: _Plan) -> None:
    kept = {m.id for m in plan.media}
    for item in plan.old_media:
        if item.id not in kept:
            item.status_id = None
    for position, item in enumerate(plan.media):
        item.status_id = status.id
        item.position = position
        for key, value in plan.media_updates.get(item.id, {}).items():
            setattr(item, key, value)


async def _apply_poll(
    session: AsyncSession,
    status: Status,
    plan: _Plan,
    now: dt.datetime,
    edit_id: int,
    effects: Effects,
) -> None:
    spec, poll = plan.poll_spec, plan.poll
    if plan.poll_action == "remove" and poll is not None:
        await session.delete(poll)
    elif plan.poll_action == "create" and spec is not None:
        await create_poll(session, status, spec, now, effects)
    elif plan.poll_action == "reset" and spec is not None and poll is not None:
        await session.execute(delete(PollVote).where(PollVote.poll_id == poll.id))
        poll.options = [{"title": title, "votes_count": 0} for title in spec.options]
        poll.multiple = spec.multiple
        poll.hide_totals = spec.hide_totals
        poll.votes_count = 0
        poll.voters_count = 0
        poll.ended_notified = False
        poll.expires_at = now + dt.timedelta(seconds=spec.expires_in)
        # A job of its own for the new end: the old one, if still pending, finds the poll
        # not ended yet and retries, or finds it notified and does nothing.
        effects.job(
            POLL_END_JOB,
            {"poll_id": poll.id},
            run_at=poll.expires_at,
            unique_key=f"{POLL_END_JOB}:{poll.id}:{edit_id}",
        )
    elif plan.poll_action == "update" and spec is not None and poll is not None:
        poll.hide_totals = spec.hide_totals


async def local_rebloggers(session: AsyncSession, status: Status) -> list[Account]:
    """Local accounts that boosted ``status`` (they get an "update" notification)."""
    return list(
        (
            await session.execute(
                select(Account)
                .where(
                    Account.local.is_(True),
                    Account.id.in_(
                        select(Status.account_id).where(Status.reblog_of_id == status.id)
                    ),
                )
                .order_by(Account.id)
            )
        ).scalars()
    )


async def edit_status(
    session: AsyncSession,
    settings: Settings,
    status: Status,
    author: Account,
    changes: StatusChanges,
) -> Status:
    """Apply ``changes`` to ``status`` (written by ``author``) through the activity pipeline
    (an Update); the caller commits. Nothing happens when nothing changed.

    The caller has checked that ``author`` wrote ``status`` and that it is not a reblog.
    """
    plan = await check_edit(session, settings, status, author, changes)
    if not _changed(status, plan):
        return status
    activity = build_update(settings, author, status, plan)
    await pipeline.run(PipelineContext(session, settings), activity, commit=False)
    return status


def keep_version(session: AsyncSession, status: Status, media, poll) -> int:
    """The status as it is now becomes a StatusEdit (its history), before an edit (local
    or remote) changes it; returns the edit's id (a replaced poll's votes point at it)."""
    edit_id = new_id()
    session.add(
        StatusEdit(
            id=edit_id,
            status_id=status.id,
            content=status.content,
            source=status.source,
            content_type=status.content_type,
            spoiler_text=status.spoiler_text,
            sensitive=status.sensitive,
            media_ids=[m.id for m in media],
            poll_options=[o["title"] for o in poll.options] if poll is not None else None,
            emojis=dict(status.emojis or {}),
            created_at=status.edited_at or status.created_at,
        )
    )
    return edit_id


async def notify_edited(session: AsyncSession, status: Status, author_id: int, effects) -> None:
    """An edit's "update" notifications (to whoever boosted the post) and its live
    ``status.update`` event, into ``effects``."""
    for account in await local_rebloggers(session, status):
        effects.notified(await create_notification(session, account, author_id, "update", status))
    effects.stream({"type": "status_edited", "status_id": status.id})


async def apply_edit(session: AsyncSession, status: Status, author: Account, plan, effects):
    """The Update handler's writes (activities/handlers/posts.py): the old version becomes
    a StatusEdit, the status takes the checked ``plan``; notifications (new mentions, and
    everyone who boosted it) and the live ``status.update`` event go to ``effects``."""
    now = utcnow()
    edit_id = keep_version(session, status, plan.old_media, plan.poll)
    status.source = plan.text
    status.content = plan.content
    status.content_type = plan.content_type
    status.spoiler_text = plan.spoiler_text
    status.sensitive = plan.sensitive
    status.language = plan.language
    status.emojis = plan.emojis
    status.has_media = bool(plan.media)
    status.has_poll = plan.poll_action in ("create", "reset", "update") or (
        plan.poll_action == "keep" and plan.poll is not None
    )
    status.edited_at = now
    recipients = list({a.id: a for a in plan.recipients}.values())
    added = await sync_mentions(session, status, recipients, {a.id for a in recipients})
    await _apply_tags(session, status, plan)
    _apply_media(status, plan)
    await _apply_poll(session, status, plan, now, edit_id, effects)
    await session.flush()
    for account in added:
        effects.notified(await create_notification(session, account, author.id, "mention", status))
    await notify_edited(session, status, author.id, effects)
    await session.flush()
    return status


async def load_history(session: AsyncSession, status: Status) -> list[Version]:
    """Every version of ``status``, oldest first, the current one last."""
    edits = list(
        (
            await session.execute(
                select(StatusEdit).where(StatusEdit.status_id == status.id).order_by(StatusEdit.id)
            )
        ).scalars()
    )
    current_media = list(
        (
            await session.execute(
                select(MediaAttachment)
                .where(MediaAttachment.status_id == status.id)
                .order_by(MediaAttachment.position, MediaAttachment.id)
            )
        ).scalars()
    )
    past_ids = {int(i) for edit in edits for i in edit.media_ids or []}
    media_by_id = {m.id: m for m in current_media}
    past_ids -= set(media_by_id)
    if past_ids:
        rows = await session.execute(
            select(MediaAttachment).where(MediaAttachment.id.in_(past_ids))
        )
        media_by_id.update({m.id: m for m in rows.scalars()})
    poll = (
        await session.scalar(select(Poll).where(Poll.status_id == status.id))
        if status.has_poll
        else None
    )
    versions = [
        Version(
            content=edit.content,
            spoiler_text=edit.spoiler_text,
            sensitive=edit.sensitive,
            created_at=edit.created_at,
            media=[media_by_id[int(i)] for i in edit.media_ids or [] if int(i) in media_by_id],
            poll_options=edit.poll_options,
            emojis=dict(edit.emojis or {}),
        )
        for edit in edits
    ]
    versions.append(
        Version(
            content=status.content,
            spoiler_text=status.spoiler_text,
            sensitive=status.sensitive,
            created_at=status.edited_at or status.created_at,
            media=current_media,
            poll_options=[o["title"] for o in poll.options] if poll else None,
            emojis=dict(status.emojis or {}),
        )
    )
    return versions
