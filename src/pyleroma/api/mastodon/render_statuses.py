"""Status, MediaAttachment, Poll, Mention, Tag and Application entities, as Pleroma renders them.

``statuses_to_api`` renders a page of statuses for one viewer from what
services/status_batches.py loads for it in at most two batched reads, whatever the page size.
Reblogs embed their original, and statuses embed the status they quote (one level deep).
The statuses and accounts may be ORM objects or the light rows of db/fastread.py: the
renderers only read attributes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.mastodon.render_accounts import account_to_api
from pyleroma.api.mastodon.render_emojis import emojis_to_api
from pyleroma.db.base import utcnow
from pyleroma.models import Account, MediaAttachment, Poll, Status
from pyleroma.services.formatting import html_to_text
from pyleroma.services.status_batches import RenderContext, load_context
from pyleroma.settings import Settings
from pyleroma.urls import account_url, masto_datetime, upload_url


def status_uri(settings: Settings, status: Status) -> str:
    return status.uri or f"{settings.base_url}/objects/{status.id}"


def status_url(settings: Settings, status: Status) -> str:
    return status.url or f"{settings.base_url}/notice/{status.id}"


def tag_url(settings: Settings, name: str) -> str:
    return f"{settings.base_url}/tag/{name}"


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
