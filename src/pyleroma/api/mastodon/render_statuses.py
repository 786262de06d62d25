"""Status, MediaAttachment, Poll, Mention, Tag and Application entities, as Pleroma renders them.

``statuses_to_api`` renders a page of statuses for one viewer from what
services/statuses/status_batches.py loads for it in at most two batched reads, whatever the page
size.
Reblogs embed their original, and statuses embed the status they quote (one level deep).
The statuses and accounts may be ORM objects or the light rows of db/fastread.py: the
renderers only read attributes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.mastodon.render_accounts import account_to_api
from pyleroma.api.mastodon.render_cards import card_to_api
from pyleroma.api.mastodon.render_emojis import emojis_to_api
from pyleroma.api.mastodon.render_reactions import status_reactions_to_api
from pyleroma.db.base import utcnow
from pyleroma.models import Account, MediaAttachment, Poll, Status
from pyleroma.services.statuses.status_batches import RenderContext, load_context
from pyleroma.services.text.formatting import html_to_text
from pyleroma.settings import Settings
from pyleroma.urls import (
    account_url,
    masto_datetime,
    status_uri,
    status_url,
    tag_url,
    upload_url,
)


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
    if status.reblog_of_id is not None:
        original = ctx.statuses.get(status.reblog_of_id)
        reblog = (
            _render_one(settings, ctx, original, viewer, depth=depth + 1)
            if original is not None and original.account_id in ctx.accounts
            else None
        )
        data = _base(settings, ctx, status, viewer, with_source=False)
        data["reblog"] = reblog
        if reblog is not None:
            # Mastodon mirrors the viewer's marks of the original on the reblog wrapper.
            for key in ("favourited", "reblogged", "bookmarked", "pinned"):
                data[key] = reblog[key]
        return data
    data = _base(settings, ctx, status, viewer, with_source=with_source)
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


def _fragment(settings: Settings, ctx: RenderContext, status: Status) -> dict:
    """What every viewer sees alike of ``status``: from its row and its bundle (media,
    hashtags, pin, application, link preview card), never from other entities. Kept in the
    bundle, which the entity cache shares across requests, while the status row stays
    equal."""
    bundle = ctx.bundles[status.id]
    memo = bundle.fragment
    if memo is not None and memo[0] == status:
        return memo[1]
    app = bundle.app
    pinned_at = bundle.pinned_at
    fragment = {
        "id": str(status.id),
        "uri": status_uri(settings, status),
        "url": status_url(settings, status),
        "account": None,
        "in_reply_to_id": str(status.in_reply_to_id) if status.in_reply_to_id else None,
        "in_reply_to_account_id": (
            str(status.in_reply_to_account_id) if status.in_reply_to_account_id else None
        ),
        "reblog": None,
        "card": card_to_api(settings, bundle.card) if bundle.card is not None else None,
        "content": status.content,
        "text": None,
        "created_at": masto_datetime(status.created_at),
        "edited_at": masto_datetime(status.edited_at),
        "reblogs_count": status.reblogs_count,
        "replies_count": status.replies_count,
        "favourites_count": status.favourites_count,
        "reblogged": False,
        "favourited": False,
        "bookmarked": False,
        "muted": False,
        "pinned": pinned_at is not None,
        "sensitive": status.sensitive,
        "spoiler_text": status.spoiler_text,
        "visibility": status.visibility,
        "media_attachments": [media_to_api(settings, m) for m in bundle.media],
        "poll": None,
        "mentions": [],
        "tags": [{"name": t, "url": tag_url(settings, t)} for t in bundle.tags],
        "application": {"name": app.name, "website": app.website} if app else None,
        "language": status.language,
        "emojis": emojis_to_api(status.emojis),
        "quote": None,
        "quote_id": str(status.quote_id) if status.quote_id else None,
        "emoji_reactions": [],
        # Mastodon 4's FilterResults; services/filters/filters.py apply_filters fills it per viewer.
        "filtered": [],
        "pleroma": {
            "local": status.local,
            "conversation_id": status.conversation_id,
            "context": f"{settings.base_url}/contexts/{status.conversation_id}"
            if status.conversation_id
            else None,
            "in_reply_to_account_acct": None,
            "content": {"text/plain": html_to_text(status.content)},
            "spoiler_text": {"text/plain": status.spoiler_text},
            "expires_at": None,
            "direct_conversation_id": None,
            "thread_muted": False,
            "emoji_reactions": [],
            "parent_visible": False,
            "pinned_at": masto_datetime(pinned_at),
            "quote": None,
            "quote_id": str(status.quote_id) if status.quote_id else None,
            "quote_url": None,
            "quote_visible": False,
            "quotes_count": status.quotes_count,
        },
    }
    if isinstance(status, tuple):  # a row (an ORM object may change under the same identity)
        bundle.fragment = (status, fragment)
    return fragment


def _plain_account(settings: Settings, ctx: RenderContext, account_id: int, viewer) -> dict:
    """The Account entity without ``moved``; anyone but the account itself and admins sees
    the shared one."""
    entry = ctx.account_entries[account_id]
    if viewer is not None and (viewer.id == account_id or viewer.is_admin):
        return account_to_api(settings, entry.row, viewer)
    if entry.public is None:
        entry.public = account_to_api(settings, entry.row, None)
    return entry.public


def _account(settings: Settings, ctx: RenderContext, account_id: int, viewer) -> dict:
    """The Account entity, with the account it moved to laid over a copy (``moved``
    depends on another entity, so the shared rendering never holds it)."""
    data = _plain_account(settings, ctx, account_id, viewer)
    moved_to_id = ctx.account_entries[account_id].row.moved_to_id
    target = ctx.account_entries.get(moved_to_id) if moved_to_id is not None else None
    if target is None or not target.row.is_active:
        return data
    return {**data, "moved": _plain_account(settings, ctx, moved_to_id, viewer)}


def _base(
    settings: Settings,
    ctx: RenderContext,
    status: Status,
    viewer: Account | None,
    *,
    with_source: bool,
) -> dict:
    """The fragment, copied (lists and nested entities shared, never changed), with what
    depends on the viewer or on other entities laid over it."""
    fragment = _fragment(settings, ctx, status)
    data = fragment.copy()
    pleroma = data["pleroma"] = fragment["pleroma"].copy()
    data["account"] = _account(settings, ctx, status.account_id, viewer)
    if data["card"] is not None and not settings.rich_media_enabled:
        data["card"] = None  # link previews turned off: none shown (Pleroma)
    if with_source:
        data["text"] = status.source
    data["reblogged"] = status.id in ctx.reblogged
    data["favourited"] = status.id in ctx.favourited
    data["bookmarked"] = status.id in ctx.bookmarked
    thread_muted = status.conversation_id in ctx.muted_threads if status.conversation_id else False
    data["muted"] = thread_muted or status.account_id in ctx.muted_accounts
    poll = ctx.polls.get(status.id)
    if poll is not None:
        data["poll"] = poll_to_api(poll, viewer, ctx.own_votes.get(poll.id, []), status.emojis)
    mentioned = ctx.mentions.get(status.id)
    if mentioned:
        data["mentions"] = [mention_to_api(settings, a) for a in mentioned]
    if status.in_reply_to_account_id:
        reply_account = ctx.accounts.get(status.in_reply_to_account_id)
        if reply_account is not None:
            pleroma["in_reply_to_account_acct"] = reply_account.nickname
    # Only the author learns when their post expires (Pleroma's rule).
    if viewer is not None and viewer.id == status.account_id:
        pleroma["expires_at"] = masto_datetime(status.expires_at)
    if status.visibility == "direct":
        pleroma["direct_conversation_id"] = ctx.participations.get(status.conversation_id)
    pleroma["thread_muted"] = thread_muted
    if status.in_reply_to_id:
        pleroma["parent_visible"] = status.in_reply_to_id in ctx.visible
    event = ctx.bundles[status.id].event
    if event is not None:  # the pl fork's events (api/pleroma/render_events.py)
        from pyleroma.api.pleroma.render_events import event_to_api

        state = ctx.join_states.get(status.id)
        pleroma["event"] = event_to_api(event, data["media_attachments"], status, viewer, state)
    reactions = ctx.bundles[status.id].reactions
    if reactions:
        viewer_id = viewer.id if viewer is not None else None
        shown = status_reactions_to_api(settings, reactions, viewer_id, ctx.hidden_reactors)
        data["emoji_reactions"] = pleroma["emoji_reactions"] = shown
    return data


async def statuses_to_api(
    session: AsyncSession,
    settings: Settings,
    statuses: Iterable[Status],
    viewer: Account | None,
    *,
    with_source: bool = False,
    with_muted: bool = False,
) -> list[dict]:
    """``with_muted``: show the reactions of accounts the viewer mutes (Pleroma's option)."""
    statuses = list(statuses)
    ctx = await load_context(session, statuses, viewer)
    if not with_muted:
        ctx.hidden_reactors |= ctx.muted_reactors
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
