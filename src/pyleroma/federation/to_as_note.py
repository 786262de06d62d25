"""Posts as ActivityStreams: a status as Note (Question with a poll), its Create, a reblog's
Announce, and the outbox and featured collections of an account.

Addressing (``to`` / ``cc``) by visibility, as Pleroma and Mastodon address posts:

- public: to the public collection, cc the author's followers and the mentioned actors;
- unlisted: to the followers, cc the public collection and the mentioned actors;
- private (followers-only): to the followers and the mentioned actors;
- direct: to the mentioned actors.

A local-only post never leaves the server: converting one raises ``NotFederated``.
Mentioned actors are every recipient of the post (``status_mentions``, silent ones too), while
the ``Mention`` tags name only the ones the text shows.

``load_parts`` reads what a page of statuses needs (authors, mentions, hashtags, media,
polls, quoted posts, the originals of reblogs) in one batch of statements built once, whatever
the page length; ``load_note_parts`` is the same for one post.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pyleroma.db.base import utcnow
from pyleroma.db.fastread import Prepared, in_list, reader
from pyleroma.federation.to_as import (
    AS_CONTEXT,
    PUBLIC,
    NotFederated,
    as_datetime,
    emoji_tags,
    page_url,
)
from pyleroma.federation.to_as_replies import replies_ref
from pyleroma.models import (
    Account,
    Status,
    StatusMention,
    StatusPin,
)
from pyleroma.policy.visibility import visible_filter
from pyleroma.services.statuses.status_batches import (
    MEDIA,
    POLLS,
    STATUS_COLUMNS,
    TAGS,
    MediaRow,
    PollRow,
    StatusRow,
)
from pyleroma.settings import Settings
from pyleroma.urls import context_uri, status_uri, status_url, tag_url, upload_url

# The visibilities that federate and that anyone may fetch.
SERVED_VISIBILITIES = ("public", "unlisted")
OUTBOX_PAGE_SIZE = 20
INT64_MAX = 2**63 - 1

Author = collections.namedtuple("Author", "id ap_id nickname followers_url")
Mentioned = collections.namedtuple("Mentioned", "status_id ap_id nickname silent")


# --- reads ------------------------------------------------------------------------------------

_ID = bindparam("status_id", type_=BigInteger)
_ACCOUNT_ID = bindparam("account_id", type_=BigInteger)
# A local status anyone may fetch (public or unlisted, its author active; a reblog also
# needs its original to be visible): what /objects and /activities serve.
SERVED_STATUS = Prepared(
    select(*STATUS_COLUMNS).where(
        Status.id == _ID,
        Status.local.is_(True),
        Status.visibility.in_(SERVED_VISIBILITIES),
        visible_filter(None),
    )
)
# An account's outbox, newest first, below ``max_id``.
OUTBOX_PAGE = Prepared(
    select(*STATUS_COLUMNS)
    .where(
        Status.account_id == _ACCOUNT_ID,
        Status.local.is_(True),
        Status.visibility.in_(SERVED_VISIBILITIES),
        Status.id < bindparam("max_id", type_=BigInteger),
        visible_filter(None),
    )
    .order_by(Status.id.desc())
    .limit(bindparam("limit", type_=BigInteger))
)
# An account's pinned posts, last pinned first.
FEATURED = Prepared(
    select(*STATUS_COLUMNS)
    .join(StatusPin, StatusPin.status_id == Status.id)
    .where(
        StatusPin.account_id == _ACCOUNT_ID,
        Status.account_id == _ACCOUNT_ID,
        Status.reblog_of_id.is_(None),
        Status.visibility.in_(SERVED_VISIBILITIES),
        visible_filter(None),
    )
    .order_by(StatusPin.created_at.desc(), StatusPin.id.desc())
)

AUTHORS = Prepared(
    select(Account.id, Account.ap_id, Account.nickname, Account.followers_url).where(
        in_list(Account.id, "account_ids")
    )
)
MENTIONS = Prepared(
    select(StatusMention.status_id, Account.ap_id, Account.nickname, StatusMention.silent)
    .join(Account, Account.id == StatusMention.account_id)
    .where(in_list(StatusMention.status_id, "bundle_ids"))
    .order_by(StatusMention.status_id, Account.nickname_key)
)
QUOTED = Prepared(select(Status.id, Status.uri).where(in_list(Status.id, "quote_ids")))
_ORIGINAL_AUTHOR = aliased(Account, name="original_author")
ORIGINALS = Prepared(
    select(Status.id, Status.uri, _ORIGINAL_AUTHOR.ap_id)
    .join(_ORIGINAL_AUTHOR, _ORIGINAL_AUTHOR.id == Status.account_id)
    .where(in_list(Status.id, "original_ids"))
)


@dataclass
class NoteParts:
    """What a post's Note needs besides its own row."""

    author: Any
    # Every recipient (silent ones included), by nickname.
    mentions: list[Mentioned] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    media: list[Any] = field(default_factory=list)
    poll: Any = None
    quote_uri: str | None = None


@dataclass
class AnnounceParts:
    """What a reblog's Announce needs: its actor, and the original's id and author."""

    actor: Any
    original_uri: str | None
    original_author: str | None


@dataclass
class Parts:
    notes: dict[int, NoteParts] = field(default_factory=dict)
    announces: dict[int, AnnounceParts] = field(default_factory=dict)


async def load_parts(session: AsyncSession, statuses: list[Any]) -> Parts:
    """The related rows of ``statuses`` (ORM objects or StatusRows), in one batch."""
    parts = Parts()
    if not statuses:
        return parts
    notes = [s for s in statuses if s.reblog_of_id is None]
    reblogs = [s for s in statuses if s.reblog_of_id is not None]
    params = {
        "account_ids": {s.account_id for s in statuses},
        # The name status_batches gives a batch of post ids (its TAGS are shared here).
        "bundle_ids": [s.id for s in notes],
        "media_status_ids": [s.id for s in notes if s.has_media],
        "poll_status_ids": [s.id for s in notes if s.has_poll],
        "quote_ids": {s.quote_id for s in notes if s.quote_id},
        "original_ids": {s.reblog_of_id for s in reblogs},
    }
    batch: list[tuple[str, Prepared]] = [("authors", AUTHORS)]
    if notes:
        batch += [("mentions", MENTIONS), ("tags", TAGS)]
    if params["media_status_ids"]:
        batch.append(("media", MEDIA))
    if params["poll_status_ids"]:
        batch.append(("polls", POLLS))
    if params["quote_ids"]:
        batch.append(("quoted", QUOTED))
    if reblogs:
        batch.append(("originals", ORIGINALS))
    results = await (await reader(session)).run([(prepared, params) for _, prepared in batch])
    got = {name: rows for (name, _), rows in zip(batch, results, strict=True)}

    authors = {row[0]: Author._make(row) for row in got["authors"]}
    quoted = {ident: uri for ident, uri in got.get("quoted", ())}
    for status in notes:
        parts.notes[status.id] = NoteParts(
            author=authors.get(status.account_id),
            quote_uri=quoted.get(status.quote_id) if status.quote_id else None,
        )
    for row in got.get("mentions", ()):
        parts.notes[row[0]].mentions.append(Mentioned._make(row))
    for status_id, name in got.get("tags", ()):
        parts.notes[status_id].tags.append(name)
    for row in got.get("media", ()):
        media = MediaRow._make(row)
        parts.notes[media.status_id].media.append(media)
    for row in got.get("polls", ()):
        poll = PollRow._make(row)
        parts.notes[poll.status_id].poll = poll
    originals = {ident: (uri, author) for ident, uri, author in got.get("originals", ())}
    for status in reblogs:
        uri, author = originals.get(status.reblog_of_id, (None, None))
        parts.announces[status.id] = AnnounceParts(authors.get(status.account_id), uri, author)
    return parts


async def load_note_parts(session: AsyncSession, status) -> NoteParts:
    """``load_parts`` for one post (not a reblog)."""
    return (await load_parts(session, [status])).notes[status.id]


async def served_status(session: AsyncSession, status_id: int):
    """The local public or unlisted status ``status_id`` (a post or a reblog) as a light row,
    or None when there is none anyone may fetch."""
    rows = await (await reader(session)).one(SERVED_STATUS, {"status_id": status_id})
    return StatusRow._make(rows[0]) if rows else None


async def outbox_statuses(session: AsyncSession, account_id: int, max_id: int | None) -> list:
    """A page of the account's public and unlisted posts and reblogs, newest first."""
    params = {
        "account_id": account_id,
        "max_id": INT64_MAX if max_id is None else max_id,
        "limit": OUTBOX_PAGE_SIZE,
    }
    rows = await (await reader(session)).one(OUTBOX_PAGE, params)
    return [StatusRow._make(row) for row in rows]


async def featured_statuses(session: AsyncSession, account_id: int) -> list:
    """The account's pinned public and unlisted posts, last pinned first."""
    rows = await (await reader(session)).one(FEATURED, {"account_id": account_id})
    return [StatusRow._make(row) for row in rows]


# --- converters -------------------------------------------------------------------------------


def _followers_of(author) -> str:
    return author.followers_url or f"{author.ap_id}/followers"


def _unique(items) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def note_addressing(visibility: str, followers: str, mentioned: list[str]) -> tuple[list, list]:
    """(to, cc) of a post of ``visibility`` by an author whose followers collection is
    ``followers``, addressed to the ``mentioned`` actor ids."""
    if visibility == "public":
        return [PUBLIC], _unique([followers, *mentioned])
    if visibility == "unlisted":
        return [followers], _unique([PUBLIC, *mentioned])
    if visibility == "private":
        return _unique([followers, *mentioned]), []
    if visibility == "direct":
        return _unique(mentioned), []
    raise NotFederated(f"{visibility} posts do not federate")


def mention_name(settings: Settings, nickname: str) -> str:
    """``@nick@host`` for local and remote accounts alike (remote nicknames hold the host)."""
    return f"@{nickname}" if "@" in nickname else f"@{nickname}@{settings.domain}"


def media_to_as(settings: Settings, media) -> dict:
    """An attachment as a Document: alt text as ``name``, focus as ``focalPoint``."""
    url = upload_url(settings, media.file_path) or media.remote_url
    data: dict[str, Any] = {
        "type": "Document",
        "mediaType": media.mime_type,
        "url": url,
        "name": media.description,
    }
    if media.blurhash:
        data["blurhash"] = media.blurhash
    if media.focus_x is not None and media.focus_y is not None:
        data["focalPoint"] = [media.focus_x, media.focus_y]
    original = (media.meta or {}).get("original") if isinstance(media.meta, dict) else None
    if isinstance(original, dict):
        for key in ("width", "height"):
            if isinstance(original.get(key), int):
                data[key] = original[key]
    thumbnail = upload_url(settings, media.thumbnail_path)
    if thumbnail and media.type in ("video", "audio", "gifv"):
        data["icon"] = {"type": "Image", "url": thumbnail}
    return data


def _poll_fields(poll) -> dict:
    """A Question's choices (``anyOf`` for multiple choice), with their vote counts."""
    choices = [
        {
            "type": "Note",
            "name": option.get("title", ""),
            "replies": {"type": "Collection", "totalItems": option.get("votes_count", 0)},
        }
        for option in poll.options
        if isinstance(option, dict)
    ]
    data: dict[str, Any] = {"anyOf" if poll.multiple else "oneOf": choices}
    data["votersCount"] = poll.voters_count if poll.multiple else poll.votes_count
    if poll.expires_at is not None:
        data["endTime"] = as_datetime(poll.expires_at)
        if poll.expires_at <= utcnow():
            data["closed"] = as_datetime(poll.expires_at)
    return data


def status_to_as(settings: Settings, status, parts: NoteParts, *, context: bool = True) -> dict:
    """The Note (Question when it has a poll) of a post; with ``@context`` unless it is
    embedded in another document (``context=False``). Raises ``NotFederated`` for a
    local-only post."""
    author = parts.author
    followers = _followers_of(author)
    to, cc = note_addressing(status.visibility, followers, [m.ap_id for m in parts.mentions])
    tags: list[dict] = [
        {"type": "Mention", "href": m.ap_id, "name": mention_name(settings, m.nickname)}
        for m in parts.mentions
        if not m.silent and m.ap_id
    ]
    tags += [{"type": "Hashtag", "href": tag_url(settings, t), "name": f"#{t}"} for t in parts.tags]
    tags += emoji_tags(status.emojis)
    thread = status.context or (
        context_uri(settings, status.conversation_id) if status.conversation_id else None
    )
    data: dict[str, Any] = {"@context": AS_CONTEXT} if context else {}
    data.update(
        {
            "id": status_uri(settings, status),
            "type": "Question" if parts.poll is not None else "Note",
            "attributedTo": author.ap_id,
            "to": to,
            "cc": cc,
            "content": status.content,
            "source": {"content": status.source, "mediaType": status.content_type},
            "summary": status.spoiler_text or "",
            "sensitive": status.sensitive,
            "published": as_datetime(status.created_at),
            "url": status_url(settings, status),
            "inReplyTo": status.in_reply_to_uri,
            "context": thread,
            "conversation": thread,
            "tag": tags,
            "attachment": [media_to_as(settings, m) for m in parts.media],
        }
    )
    if status.local and status.visibility in SERVED_VISIBILITIES:
        # Where other servers find the replies we know (federation/to_as_replies.py).
        data["replies"] = replies_ref(data["id"])
    if status.edited_at is not None:
        data["updated"] = as_datetime(status.edited_at)
    if status.language:
        data["contentMap"] = {status.language: status.content}
    if parts.quote_uri:
        data["quoteUrl"] = parts.quote_uri
        data["quoteUri"] = parts.quote_uri
        data["_misskey_quote"] = parts.quote_uri
    if parts.poll is not None:
        data.update(_poll_fields(parts.poll))
    return data


def create_activity_id(note: dict) -> str:
    """The id of the Create of a post (Mastodon's ``<object>/activity``)."""
    return f"{note['id']}/activity"


def create_to_as(note: dict, *, context: bool = True) -> dict:
    """The Create wrapping a Note or Question (rendered with ``context=False``)."""
    data: dict[str, Any] = {"@context": AS_CONTEXT} if context else {}
    data.update(
        {
            "id": create_activity_id(note),
            "type": "Create",
            "actor": note["attributedTo"],
            "published": note["published"],
            "to": note["to"],
            "cc": note["cc"],
            "object": note,
        }
    )
    return data


def announce_addressing(visibility: str, followers: str, original_author: str | None):
    """(to, cc) of a reblog, as federation/activity_to_as.py addresses the Announces it
    delivers: public to everyone, unlisted the other way round, followers-only to the
    followers."""
    if visibility == "public":
        return [PUBLIC], _unique([followers, original_author])
    if visibility == "unlisted":
        return [followers], _unique([PUBLIC, original_author])
    if visibility == "private":
        return [followers], []
    raise NotFederated(f"{visibility} reblogs do not federate")


def announce_to_as(
    settings: Settings, reblog, parts: AnnounceParts, *, context: bool = True
) -> dict:
    """A reblog row as its Announce (its id is the reblog's ``uri``)."""
    actor = parts.actor
    to, cc = announce_addressing(reblog.visibility, _followers_of(actor), parts.original_author)
    data: dict[str, Any] = {"@context": AS_CONTEXT} if context else {}
    data.update(
        {
            "id": status_uri(settings, reblog),
            "type": "Announce",
            "actor": actor.ap_id,
            "published": as_datetime(reblog.created_at),
            "to": to,
            "cc": cc,
            "object": parts.original_uri,
        }
    )
    return data


def outbox_item_to_as(settings: Settings, status, parts: Parts) -> dict:
    """An outbox entry: the Create of a post, or the Announce of a reblog."""
    if status.reblog_of_id is not None:
        return announce_to_as(settings, status, parts.announces[status.id], context=False)
    note = status_to_as(settings, status, parts.notes[status.id], context=False)
    return create_to_as(note, context=False)


def outbox_to_as(outbox: str, total: int) -> dict:
    """The outbox collection: its size and where its pages start (Mastodon's and
    Pleroma's shape; the pages are ``?page=true`` with ``max_id``)."""
    return {
        "@context": AS_CONTEXT,
        "id": outbox,
        "type": "OrderedCollection",
        "totalItems": total,
        "first": page_url(outbox, page="true"),
    }


def outbox_page_to_as(
    settings: Settings, outbox: str, max_id: int | None, statuses: list, parts: Parts
) -> dict:
    """A page of the outbox (``statuses`` as ``outbox_statuses`` read them)."""
    page_id = page_url(outbox, page="true")
    if max_id is not None:
        page_id = page_url(outbox, max_id=max_id, page="true")
    data: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": outbox,
        "orderedItems": [outbox_item_to_as(settings, s, parts) for s in statuses],
    }
    if len(statuses) >= OUTBOX_PAGE_SIZE:
        data["next"] = page_url(outbox, max_id=statuses[-1].id, page="true")
    return data


def featured_to_as(settings: Settings, featured: str, statuses: list, parts: Parts) -> dict:
    """The featured (pinned) collection, its posts embedded (what Mastodon reads)."""
    items = [status_to_as(settings, s, parts.notes[s.id], context=False) for s in statuses]
    return {
        "@context": AS_CONTEXT,
        "id": featured,
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": items,
    }
