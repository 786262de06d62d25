"""Status, MediaAttachment, Poll, Mention, Tag and Application entities, as Pleroma renders them.

``statuses_to_api`` renders a page of statuses for one viewer with a fixed number of queries
(one per kind of related row), whatever the page size: a timeline of 40 statuses costs the
same dozen queries as one status. Reblogs embed their original, and statuses embed the
status they quote (one level deep), both loaded in the same batches.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.mastodon.render_accounts import account_to_api
from pyleroma.api.mastodon.render_emojis import emojis_to_api
from pyleroma.db.base import utcnow
from pyleroma.models import (
    Account,
    Bookmark,
    Conversation,
    ConversationParticipation,
    Favourite,
    Hashtag,
    MediaAttachment,
    Mute,
    OAuthApp,
    Poll,
    PollVote,
    Status,
    StatusMention,
    StatusPin,
    StatusTag,
    ThreadMute,
)
from pyleroma.policy.visibility import visible_filter
from pyleroma.services.formatting import html_to_text
from pyleroma.settings import Settings
from pyleroma.urls import account_url, masto_datetime, upload_url


def status_uri(settings: Settings, status: Status) -> str:
    return status.uri or f"{settings.base_url}/objects/{status.id}"


def status_url(settings: Settings, status: Status) -> str:
    return status.url or f"{settings.base_url}/notice/{status.id}"


def tag_url(settings: Settings, name: str) -> str:
    return f"{settings.base_url}/tag/{name}"


@dataclass
class RenderContext:
    """Everything loaded for one page: rows keyed by id, and the viewer's own marks."""

    statuses: dict[int, Status] = field(default_factory=dict)
    accounts: dict[int, Account] = field(default_factory=dict)
    mentions: dict[int, list[Account]] = field(default_factory=lambda: defaultdict(list))
    tags: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    media: dict[int, list[MediaAttachment]] = field(default_factory=lambda: defaultdict(list))
    polls: dict[int, Poll] = field(default_factory=dict)
    own_votes: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    apps: dict[int, OAuthApp] = field(default_factory=dict)
    favourited: set[int] = field(default_factory=set)
    reblogged: set[int] = field(default_factory=set)
    bookmarked: set[int] = field(default_factory=set)
    pinned_at: dict[int, dt.datetime] = field(default_factory=dict)
    muted_threads: set[int] = field(default_factory=set)
    muted_accounts: set[int] = field(default_factory=set)
    visible: set[int] = field(default_factory=set)
    participations: dict[int, int] = field(default_factory=dict)


async def _rows(session: AsyncSession, stmt) -> list:
    return list((await session.execute(stmt)).all())


async def load_context(
    session: AsyncSession, statuses: Iterable[Status], viewer: Account | None
) -> RenderContext:
    ctx = RenderContext()
    for status in statuses:
        ctx.statuses[status.id] = status

    async def add_statuses(ids: set[int]) -> None:
        missing = [i for i in ids if i and i not in ctx.statuses]
        if missing:
            for row in (
                await session.execute(select(Status).where(Status.id.in_(missing)))
            ).scalars():
                ctx.statuses[row.id] = row

    await add_statuses({s.reblog_of_id for s in list(ctx.statuses.values()) if s.reblog_of_id})
    await add_statuses({s.quote_id for s in list(ctx.statuses.values()) if s.quote_id})
    ids = list(ctx.statuses)
    all_statuses = list(ctx.statuses.values())

    account_ids = {s.account_id for s in all_statuses}
    account_ids |= {s.in_reply_to_account_id for s in all_statuses if s.in_reply_to_account_id}
    for row in (
        await session.execute(select(Account).where(Account.id.in_(account_ids)))
    ).scalars():
        ctx.accounts[row.id] = row

    for status_id, account in await _rows(
        session,
        select(StatusMention.status_id, Account)
        .join(Account, Account.id == StatusMention.account_id)
        .where(StatusMention.status_id.in_(ids), StatusMention.silent.is_(False))
        .order_by(StatusMention.status_id, Account.nickname_key),
    ):
        ctx.mentions[status_id].append(account)

    for status_id, name in await _rows(
        session,
        select(StatusTag.status_id, Hashtag.name)
        .join(Hashtag, Hashtag.id == StatusTag.hashtag_id)
        .where(StatusTag.status_id.in_(ids))
        .order_by(StatusTag.status_id, Hashtag.name),
    ):
        ctx.tags[status_id].append(name)

    media_ids = [s.id for s in all_statuses if s.has_media]
    if media_ids:
        for row in (
            await session.execute(
                select(MediaAttachment)
                .where(MediaAttachment.status_id.in_(media_ids))
                .order_by(MediaAttachment.position, MediaAttachment.id)
            )
        ).scalars():
            ctx.media[row.status_id].append(row)

    poll_status_ids = [s.id for s in all_statuses if s.has_poll]
    if poll_status_ids:
        for row in (
            await session.execute(select(Poll).where(Poll.status_id.in_(poll_status_ids)))
        ).scalars():
            ctx.polls[row.status_id] = row

    app_ids = {s.application_id for s in all_statuses if s.application_id}
    if app_ids:
        for row in (
            await session.execute(select(OAuthApp).where(OAuthApp.id.in_(app_ids)))
        ).scalars():
            ctx.apps[row.id] = row

    author_ids = {s.account_id for s in all_statuses}
    for status_id, created_at in await _rows(
        session,
        select(StatusPin.status_id, StatusPin.created_at).where(
            StatusPin.status_id.in_(ids), StatusPin.account_id.in_(author_ids)
        ),
    ):
        ctx.pinned_at[status_id] = created_at

    reply_ids = {s.in_reply_to_id for s in all_statuses if s.in_reply_to_id}
    quote_ids = {s.quote_id for s in all_statuses if s.quote_id}
    check_ids = reply_ids | quote_ids
    viewer_id = viewer.id if viewer is not None else None
    if check_ids:
        ctx.visible = {
            row[0]
            for row in await _rows(
                session,
                select(Status.id).where(Status.id.in_(check_ids), visible_filter(viewer_id)),
            )
        }

    if viewer is None:
        return ctx

    ctx.favourited = {
        r[0]
        for r in await _rows(
            session,
            select(Favourite.status_id).where(
                Favourite.account_id == viewer.id, Favourite.status_id.in_(ids)
            ),
        )
    }
    ctx.bookmarked = {
        r[0]
        for r in await _rows(
            session,
            select(Bookmark.status_id).where(
                Bookmark.account_id == viewer.id, Bookmark.status_id.in_(ids)
            ),
        )
    }
    ctx.reblogged = {
        r[0]
        for r in await _rows(
            session,
            select(Status.reblog_of_id).where(
                Status.account_id == viewer.id, Status.reblog_of_id.in_(ids)
            ),
        )
    }
    conversation_ids = {s.conversation_id for s in all_statuses if s.conversation_id}
    if conversation_ids:
        ctx.muted_threads = {
            r[0]
            for r in await _rows(
                session,
                select(ThreadMute.conversation_id).where(
                    ThreadMute.account_id == viewer.id,
                    ThreadMute.conversation_id.in_(conversation_ids),
                ),
            )
        }
    now = utcnow()
    ctx.muted_accounts = {
        r[0]
        for r in await _rows(
            session,
            select(Mute.target_id).where(
                Mute.account_id == viewer.id,
                Mute.target_id.in_(author_ids),
                (Mute.expires_at.is_(None)) | (Mute.expires_at > now),
            ),
        )
    }
    poll_ids = [p.id for p in ctx.polls.values()]
    if poll_ids:
        for poll_id, choice in await _rows(
            session,
            select(PollVote.poll_id, PollVote.choice)
            .where(PollVote.poll_id.in_(poll_ids), PollVote.account_id == viewer.id)
            .order_by(PollVote.choice),
        ):
            ctx.own_votes[poll_id].append(choice)
    direct_threads = {
        s.conversation_id for s in all_statuses if s.visibility == "direct" and s.conversation_id
    }
    if direct_threads:
        for thread_id, participation_id in await _rows(
            session,
            select(Conversation.thread_id, ConversationParticipation.id)
            .join(Conversation, Conversation.id == ConversationParticipation.conversation_id)
            .where(
                Conversation.thread_id.in_(direct_threads),
                ConversationParticipation.account_id == viewer.id,
            ),
        ):
            ctx.participations[thread_id] = participation_id
    return ctx


def media_to_api(settings: Settings, media: MediaAttachment) -> dict:
    url = upload_url(settings, media.file_path) or media.remote_url
    preview = upload_url(settings, media.thumbnail_path) or url
    meta = dict(media.meta or {})
    if media.focus_x is not None and media.focus_y is not None:
        meta["focus"] = {"x": media.focus_x, "y": media.focus_y}
    return {
        "id": str(media.id),
        "type": media.type,
        "url": url,
        "preview_url": preview,
        "remote_url": media.remote_url or url,
        "text_url": url,
        "meta": meta,
        "description": media.description,
        "blurhash": media.blurhash,
        "pleroma": {"mime_type": media.mime_type},
    }


def poll_to_api(
    poll: Poll, viewer: Account | None, own_votes: list[int], emojis: dict | None = None
) -> dict:
    """``emojis``: the status's stored map (Pleroma renders the whole object's emoji)."""
    expired = poll.expires_at is not None and poll.expires_at <= utcnow()
    is_author = viewer is not None and viewer.id == poll.account_id
    show_totals = not poll.hide_totals or expired or is_author
    data = {
        "id": str(poll.id),
        "expires_at": masto_datetime(poll.expires_at),
        "expired": expired,
        "multiple": poll.multiple,
        "votes_count": poll.votes_count,
        "voters_count": poll.voters_count if poll.multiple else poll.votes_count,
        "voted": (bool(own_votes) or is_author) if viewer is not None else False,
        "own_votes": own_votes if viewer is not None else [],
        "options": [
            {
                "title": option["title"],
                "votes_count": option.get("votes_count", 0) if show_totals else None,
            }
            for option in poll.options
        ],
        "emojis": emojis_to_api(emojis),
        "pleroma": {"non_anonymous": False},
    }
    if viewer is None:
        # Mastodon and Pleroma leave these out for anonymous viewers (nothing to tell).
        del data["voted"], data["own_votes"]
    return data


def mention_to_api(settings: Settings, account: Account) -> dict:
    return {
        "id": str(account.id),
        "username": account.username,
        "acct": account.nickname,
        "url": account_url(settings, account),
    }


def _render_one(
    settings: Settings,
    ctx: RenderContext,
    status: Status,
    viewer: Account | None,
    *,
    depth: int = 0,
    with_source: bool = False,
) -> dict:
    account = ctx.accounts[status.account_id]
    if status.reblog_of_id is not None:
        original = ctx.statuses.get(status.reblog_of_id)
        reblog = (
            _render_one(settings, ctx, original, viewer, depth=depth + 1)
            if original is not None and original.account_id in ctx.accounts
            else None
        )
        data = _base(settings, ctx, status, viewer, account, with_source=False)
        data["reblog"] = reblog
        if reblog is not None:
            # Mastodon mirrors the viewer's marks of the original on the reblog wrapper.
            for key in ("favourited", "reblogged", "bookmarked", "pinned"):
                data[key] = reblog[key]
        return data
    data = _base(settings, ctx, status, viewer, account, with_source=with_source)
    quote = None
    if status.quote_id is not None and depth == 0:
        quoted = ctx.statuses.get(status.quote_id)
        if quoted is not None and status.quote_id in ctx.visible:
            quote = _render_one(settings, ctx, quoted, viewer, depth=depth + 1)
    quote_url = None
    if status.quote_id is not None and status.quote_id in ctx.statuses:
        quote_url = status_url(settings, ctx.statuses[status.quote_id])
    data["quote"] = quote
    data["pleroma"]["quote"] = quote
    data["pleroma"]["quote_url"] = quote_url
    data["pleroma"]["quote_visible"] = status.quote_id in ctx.visible if status.quote_id else False
    return data


def _base(
    settings: Settings,
    ctx: RenderContext,
    status: Status,
    viewer: Account | None,
    account: Account,
    *,
    with_source: bool,
) -> dict:
    reply_account = (
        ctx.accounts.get(status.in_reply_to_account_id) if status.in_reply_to_account_id else None
    )
    poll = ctx.polls.get(status.id)
    app = ctx.apps.get(status.application_id) if status.application_id else None
    thread_muted = status.conversation_id in ctx.muted_threads if status.conversation_id else False
    pinned_at = ctx.pinned_at.get(status.id)
    return {
        "id": str(status.id),
        "uri": status_uri(settings, status),
        "url": status_url(settings, status),
        "account": account_to_api(settings, account, viewer),
        "in_reply_to_id": str(status.in_reply_to_id) if status.in_reply_to_id else None,
        "in_reply_to_account_id": (
            str(status.in_reply_to_account_id) if status.in_reply_to_account_id else None
        ),
        "reblog": None,
        "card": None,
        "content": status.content,
        "text": status.source if with_source else None,
        "created_at": masto_datetime(status.created_at),
        "edited_at": masto_datetime(status.edited_at),
        "reblogs_count": status.reblogs_count,
        "replies_count": status.replies_count,
        "favourites_count": status.favourites_count,
        "reblogged": status.id in ctx.reblogged,
        "favourited": status.id in ctx.favourited,
        "bookmarked": status.id in ctx.bookmarked,
        "muted": thread_muted or status.account_id in ctx.muted_accounts,
        "pinned": pinned_at is not None,
        "sensitive": status.sensitive,
        "spoiler_text": status.spoiler_text,
        "visibility": status.visibility,
        "media_attachments": [media_to_api(settings, m) for m in ctx.media.get(status.id, [])],
        "poll": poll_to_api(poll, viewer, ctx.own_votes.get(poll.id, []), status.emojis)
        if poll
        else None,
        "mentions": [mention_to_api(settings, a) for a in ctx.mentions.get(status.id, [])],
        "tags": [{"name": t, "url": tag_url(settings, t)} for t in ctx.tags.get(status.id, [])],
        "application": {"name": app.name, "website": app.website} if app else None,
        "language": status.language,
        "emojis": emojis_to_api(status.emojis),
        "quote": None,
        "quote_id": str(status.quote_id) if status.quote_id else None,
        "emoji_reactions": [],
        # Mastodon 4's FilterResults; services/filters.py apply_filters fills it per viewer.
        "filtered": [],
        "pleroma": {
            "local": status.local,
            "conversation_id": status.conversation_id,
            "context": f"{settings.base_url}/contexts/{status.conversation_id}"
            if status.conversation_id
            else None,
            "in_reply_to_account_acct": reply_account.nickname if reply_account else None,
            "content": {"text/plain": html_to_text(status.content)},
            "spoiler_text": {"text/plain": status.spoiler_text},
            # Only the author learns when their post expires (Pleroma's rule).
            "expires_at": masto_datetime(status.expires_at)
            if viewer is not None and viewer.id == status.account_id
            else None,
            "direct_conversation_id": ctx.participations.get(status.conversation_id)
            if status.visibility == "direct"
            else None,
            "thread_muted": thread_muted,
            "emoji_reactions": [],
            "parent_visible": status.in_reply_to_id in ctx.visible
            if status.in_reply_to_id
            else False,
            "pinned_at": masto_datetime(pinned_at),
            "quote": None,
            "quote_id": str(status.quote_id) if status.quote_id else None,
            "quote_url": None,
            "quote_visible": False,
            "quotes_count": status.quotes_count,
        },
    }


async def statuses_to_api(
    session: AsyncSession,
    settings: Settings,
    statuses: Iterable[Status],
    viewer: Account | None,
    *,
    with_source: bool = False,
) -> list[dict]:
    statuses = list(statuses)
    ctx = await load_context(session, statuses, viewer)
    return [
        _render_one(settings, ctx, s, viewer, with_source=with_source)
        for s in statuses
        if s.account_id in ctx.accounts
    ]


async def status_to_api(
    session: AsyncSession,
    settings: Settings,
    status: Status,
    viewer: Account | None,
    *,
    with_source: bool = False,
) -> dict:
    rendered = await statuses_to_api(session, settings, [status], viewer, with_source=with_source)
    return rendered[0]
