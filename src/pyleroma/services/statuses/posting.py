"""Posting a status: validate the draft, render its text, store it with its addressing.

``post_status`` is the one way a local status comes to exist (the API, scheduled statuses and
the benchmark generator all call it). ``check_draft`` validates everything first and writes
nothing (scheduling a status runs it too, so a scheduled post fails when it is made, not
when it is due); ``post_status`` then writes the status, its recipients, hashtags, media
links, poll, counters, the notifications it causes, the direct conversation and its jobs
(fan-out, expiry, poll end), all in the caller's transaction; the caller commits.

Behaviour follows Pleroma's ``CommonAPI.post`` / ``ActivityDraft`` (docs/api/posting.md):

- visibility: ``in_reply_to_conversation_id`` makes a status direct; an explicit visibility
  is kept, except that a reply to a direct status must be direct; a reply without one takes
  its parent's; otherwise the author's default (Pleroma: public).
- recipients (who is addressed, rendered as mentions and notified): the accounts mentioned
  in the text, or exactly the ``to`` nicknames when given; a public, unlisted or local reply
  also addresses the parent's author, a direct reply to a direct status too; a reply to a
  conversation addresses that conversation's participants. Local-only statuses address
  local accounts only, and a private or direct status drops accounts that refuse direct
  messages from the author (Pleroma's DirectMessageDisabledPolicy).
- a status needs text, a content warning or media; text plus content warning count against
  ``max_status_chars``; ``#nsfw`` marks it sensitive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.build import build_create
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id, parse_id
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import (
    Account,
    Conversation,
    ConversationParticipation,
    Hashtag,
    MediaAttachment,
    OAuthApp,
    Status,
    StatusMention,
    StatusTag,
)
from pyleroma.models.status import VISIBILITIES
from pyleroma.policy.relations import is_following
from pyleroma.policy.visibility import open_to_everyone
from pyleroma.services.notifications.notifications import create_notification
from pyleroma.services.statuses.polls import PollSpec, check_poll, create_poll
from pyleroma.services.statuses.status_access import get_visible_status, resolve_original
from pyleroma.services.text import formatting
from pyleroma.services.text.emoji import status_emojis
from pyleroma.services.text.languages import normalize_language
from pyleroma.services.timelines.direct_conversations import bump_for_status, get_own_participation
from pyleroma.services.timelines.home_fanout import FANOUT_JOB
from pyleroma.settings import Settings
from pyleroma.urls import context_uri, object_uri, status_uri, status_url

CONTENT_TYPES = ("text/plain", "text/markdown", "text/html")
EXPIRE_JOB = "status.expire"
QUOTABLE = ("public", "unlisted")
# Statuses addressed to the parent's author when replying (Pleroma's get_to_and_cc).
_REPLY_ADDRESSES_PARENT = ("public", "unlisted", "local")
# Pleroma's DirectMessageDisabledPolicy applies to everything not addressed to the public.
_NOT_PUBLIC = ("private", "direct", "local")
# No datetime arithmetic overflow for absurd expires_in values (100 years is plenty).
MAX_EXPIRES_IN = 100 * 365 * 24 * 3600
# Markdown may contain HTML, as in Pleroma; the result goes through the sanitiser anyway.
_markdown = MarkdownIt("commonmark", {"linkify": False, "html": True}).enable("strikethrough")


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


@dataclass
class CheckedDraft:
    """A validated draft with everything it refers to loaded; ``post_status`` writes it."""

    text: str
    spoiler_text: str
    content_type: str
    visibility: str
    sensitive: bool
    language: str | None
    formatted: formatting.Formatted
    recipients: list[Account]
    media: list[MediaAttachment] = field(default_factory=list)
    parent: Status | None = None
    quote: Status | None = None
    participation: ConversationParticipation | None = None
    poll: PollSpec | None = None
    expires_in: int | None = None
    # Custom emoji the status uses, {shortcode: URL} (services/text/emoji.py).
    emojis: dict[str, str] = field(default_factory=dict)


# Remote accounts a post may make us look up over WebFinger (each costs a round trip).
MAX_MENTION_LOOKUPS = 10


async def resolve_remote_mentions(session: AsyncSession, settings: Settings, text: str) -> None:
    """Fetch the remote accounts ``text`` mentions as ``@nick@host`` that we do not know yet,
    so the mention links, notifies and delivers (Pleroma resolves them when posting too).
    A handle that does not resolve stays plain text."""
    from pyleroma.federation.actors import resolve_account_or_none
    from pyleroma.services.instance.features import federates

    if not federates(settings):
        return
    remote = [
        name
        for name in formatting.find_mention_names(text)
        if "@" in name and name.split("@", 1)[1].lower() != settings.domain.lower()
    ][:MAX_MENTION_LOOKUPS]
    if not remote:
        return
    known = await formatting.resolve_mentions(session, settings, remote)
    for name in remote:
        if name.lower() not in known:
            await resolve_account_or_none(session, settings, name)


async def render_text(
    session: AsyncSession, settings: Settings, text: str, content_type: str
) -> formatting.Formatted:
    """The status HTML for ``text`` in ``content_type`` (Pleroma's three formats); remote
    accounts it mentions are looked up first (``resolve_remote_mentions``)."""
    await resolve_remote_mentions(session, settings, text)
    if content_type == "text/markdown":
        return await formatting.format_html(session, settings, _markdown.render(text).strip())
    if content_type == "text/html":
        return await formatting.format_html(session, settings, text)
    return await formatting.format_plain_text(session, settings, text)


def check_content_type(settings: Settings, content_type: str | None) -> str:
    content_type = content_type or "text/plain"
    if content_type not in CONTENT_TYPES or content_type not in settings.allowed_post_formats:
        raise Unprocessable(f"content_type: {content_type} is not an allowed post format")
    return content_type


def check_expires_in(settings: Settings, expires_in: int | None) -> int | None:
    """Seconds until an expiring post is deleted; None or 0: it does not expire."""
    if not expires_in:
        return None
    if expires_in <= settings.status_expiration_min_lifetime:
        raise Unprocessable("Expiry date is too soon")
    if expires_in > MAX_EXPIRES_IN:
        raise Unprocessable("Expiry date is too far in the future")
    return expires_in


def check_language(language: str | None) -> str | None:
    try:
        return normalize_language(language)
    except ValueError as exc:
        raise Unprocessable("Invalid language") from exc


async def check_media(
    session: AsyncSession, settings: Settings, author: Account, media_ids: list[int]
) -> list[MediaAttachment]:
    """The author's own, not yet attached uploads, in the order given."""
    media_ids = list(dict.fromkeys(media_ids))
    if not media_ids:
        return []
    if len(media_ids) > settings.max_media_attachments:
        raise Unprocessable(
            f"Too many media attachments (at most {settings.max_media_attachments})"
        )
    rows = await session.execute(select(MediaAttachment).where(MediaAttachment.id.in_(media_ids)))
    by_id = {m.id: m for m in rows.scalars()}
    media = []
    for media_id in media_ids:
        item = by_id.get(media_id)
        if item is None:
            raise Unprocessable(f"Media attachment {media_id} not found")
        if item.account_id != author.id:
            raise Unprocessable("You can only attach your own media")
        if item.status_id is not None:
            raise Unprocessable(f"Media attachment {media_id} is already attached to a status")
        media.append(item)
    return media


async def check_parent(session: AsyncSession, author: Account, status_id) -> Status | None:
    if status_id is None or status_id == "":
        return None
    return await resolve_original(session, await get_visible_status(session, author, status_id))


async def check_quote(session: AsyncSession, author: Account, status_id) -> Status | None:
    """A quotable status: visible to the author, and public or unlisted (Pleroma's rule)."""
    if status_id is None or status_id == "":
        return None
    try:
        quote = await resolve_original(
            session, await get_visible_status(session, author, status_id)
        )
    except NotFound as exc:
        raise Unprocessable("You can't quote a status that doesn't exist") from exc
    if quote.visibility not in QUOTABLE:
        raise Unprocessable("You can only quote public or unlisted statuses")
    return quote


def decide_visibility(
    author: Account,
    requested: str | None,
    parent: Status | None,
    participation: ConversationParticipation | None,
) -> str:
    """Pleroma's ``get_visibility`` (plus the author's default scope when nothing else says)."""
    if participation is not None:
        return "direct"
    if requested:
        if requested not in VISIBILITIES:
            raise Unprocessable(f"visibility: {requested} is not a valid visibility")
        if parent is not None and parent.visibility == "direct" and requested != "direct":
            raise Unprocessable("The message visibility must be direct")
        return requested
    if parent is not None:
        return parent.visibility
    default = author.default_scope or "public"
    return default if default in VISIBILITIES else "public"


async def _accounts_by_ids(session: AsyncSession, ids) -> list[Account]:
    ids = [i for i in ids if isinstance(i, int)]
    if not ids:
        return []
    rows = await session.execute(select(Account).where(Account.id.in_(ids)))
    by_id = {a.id: a for a in rows.scalars()}
    return [by_id[i] for i in ids if i in by_id]


async def _refuses_messages(session: AsyncSession, account: Account, author: Account) -> bool:
    policy = account.accepts_direct_messages_from or "everybody"
    if not account.local or policy == "everybody":
        return False
    if policy == "nobody":
        return True
    return not await is_following(session, account.id, author.id)


async def decide_recipients(
    session: AsyncSession,
    settings: Settings,
    author: Account,
    draft: StatusDraft,
    visibility: str,
    formatted: formatting.Formatted,
    parent: Status | None,
    participation: ConversationParticipation | None,
) -> list[Account]:
    """Who the status addresses (Pleroma's ``to``): rendered as mentions and notified."""
    if participation is not None:
        candidates = await _accounts_by_ids(session, participation.recipient_ids or [])
        candidates = [a for a in candidates if a.id != author.id]
    else:
        if draft.to is not None:
            names = [n.strip().lstrip("@") for n in draft.to if n and n.strip().lstrip("@")]
            found = await formatting.resolve_mentions(session, settings, names)
            candidates = list({a.id: a for a in found.values()}.values())
        else:
            candidates = list(formatted.mentions)
        parent_addressed = parent is not None and (
            visibility in _REPLY_ADDRESSES_PARENT
            or (visibility == "direct" and parent.visibility == "direct")
        )
        parent_missing = parent_addressed and all(a.id != parent.account_id for a in candidates)
        if parent_missing and parent.account_id != author.id:
            parent_author = await session.get(Account, parent.account_id)
            if parent_author is not None:
                candidates.insert(0, parent_author)
    if visibility == "local":
        candidates = [a for a in candidates if a.local]
    if visibility in _NOT_PUBLIC:
        candidates = [a for a in candidates if not await _refuses_messages(session, a, author)]
    return candidates


async def check_draft(
    session: AsyncSession, settings: Settings, author: Account, draft: StatusDraft
) -> CheckedDraft:
    """Validate ``draft`` for ``author`` and load what it refers to; writes nothing."""
    text = (draft.text or "").strip()
    spoiler_text = draft.spoiler_text or ""
    content_type = check_content_type(settings, draft.content_type)
    media = await check_media(session, settings, author, list(draft.media_ids or []))
    payload = (text + spoiler_text).strip()
    if not payload and not media:
        raise Unprocessable("Cannot post an empty status without attachments")
    if len(payload) > settings.max_status_chars:
        raise Unprocessable("The status is over the character limit")
    expires_in = check_expires_in(settings, draft.expires_in)
    poll = check_poll(settings, draft.poll)
    parent = await check_parent(session, author, draft.in_reply_to_id)
    participation = None
    if draft.in_reply_to_conversation_id not in (None, ""):
        participation = await get_own_participation(
            session, author, parse_id(draft.in_reply_to_conversation_id)
        )
        if participation is None:
            raise NotFound("Record not found")
    visibility = decide_visibility(author, draft.visibility, parent, participation)
    quote = await check_quote(session, author, draft.quote_id)
    language = check_language(draft.language) or author.default_language
    formatted = await render_text(session, settings, text, content_type)
    recipients = await decide_recipients(
        session, settings, author, draft, visibility, formatted, parent, participation
    )
    sensitive = draft.sensitive if draft.sensitive is not None else author.default_sensitive
    return CheckedDraft(
        text=text,
        spoiler_text=spoiler_text,
        content_type=content_type,
        visibility=visibility,
        sensitive=bool(sensitive) or "nsfw" in formatted.tags,
        language=language,
        formatted=formatted,
        recipients=recipients,
        media=media,
        parent=parent,
        quote=quote,
        participation=participation,
        poll=poll,
        expires_in=expires_in,
        emojis=status_emojis(settings, text, spoiler_text, poll.options if poll else None, parent),
    )


async def hashtag_ids(session: AsyncSession, names: list[str]) -> list[int]:
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


def expiry_job(status: Status) -> dict | None:
    """The "status.expire" job at ``status.expires_at`` (at most one pending per status),
    as keyword arguments for ``Effects.job`` or ``jobs.queue.enqueue``; None: no expiry."""
    if status.expires_at is None:
        return None
    return {
        "kind": EXPIRE_JOB,
        "args": {"status_id": status.id},
        "run_at": status.expires_at,
        "unique_key": f"{EXPIRE_JOB}:{status.id}",
    }


def inline_quote(settings: Settings, content: str, quote: Status) -> str:
    """Akkoma's InlineQuotePolicy: a "RE: <url>" line, so clients without quote support
    still show what is quoted; left out when the text already links the quoted post."""
    url = status_url(settings, quote)
    if url in content or status_uri(settings, quote) in content or "quote-inline" in content:
        return content
    line = f'<span class="quote-inline"><br/><br/>RE: <a href="{url}">{url}</a></span>'
    if content.endswith("</p>"):
        return content[: -len("</p>")] + line + "</p>"
    return content + line


async def post_status(
    session: AsyncSession,
    settings: Settings,
    author: Account,
    draft: StatusDraft,
    *,
    app: OAuthApp | None = None,
    created_at: dt.datetime | None = None,
) -> Status:
    """Check and post a new status through the activity pipeline (a Create); the caller
    commits (idempotency keys and scheduled posts write in the same transaction)."""
    checked = await check_draft(session, settings, author, draft)
    activity = build_create(settings, author, checked, app=app, created_at=created_at)
    return await pipeline.run(PipelineContext(session, settings), activity, commit=False)


async def write_status(
    session: AsyncSession,
    settings: Settings,
    author: Account,
    checked: CheckedDraft,
    effects: Effects,
    *,
    app: OAuthApp | None = None,
    created_at: dt.datetime | None = None,
) -> Status:
    """Write a checked draft (see the module docstring): the Create handler's writes
    (activities/handlers/posts.py); notifications and the fan-out go to ``effects``."""
    now = created_at or utcnow()
    status_id = (
        new_id(int(now.replace(tzinfo=dt.UTC).timestamp() * 1000)) if created_at else new_id()
    )
    parent, quote, participation = checked.parent, checked.quote, checked.participation
    if participation is not None:
        conversation_id = await session.scalar(
            select(Conversation.thread_id).where(Conversation.id == participation.conversation_id)
        )
    elif parent is not None:
        conversation_id = parent.conversation_id or parent.id
    else:
        conversation_id = status_id
    content = checked.formatted.html
    if quote is not None:
        content = inline_quote(settings, content, quote)
    conversation_id = conversation_id or status_id
    status = Status(
        id=status_id,
        uri=object_uri(settings, status_id),
        account_id=author.id,
        local=True,
        visibility=checked.visibility,
        content_type=checked.content_type,
        source=checked.text,
        content=content,
        spoiler_text=checked.spoiler_text,
        sensitive=checked.sensitive,
        language=checked.language,
        in_reply_to_id=parent.id if parent else None,
        in_reply_to_account_id=parent.account_id if parent else None,
        in_reply_to_uri=parent.uri if parent else None,
        conversation_id=conversation_id,
        context=(parent.context if parent else None) or context_uri(settings, conversation_id),
        quote_id=quote.id if quote else None,
        application_id=app.id if app else None,
        has_media=bool(checked.media),
        emojis=checked.emojis,
        created_at=now,
    )
    if checked.expires_in:
        status.expires_at = now + dt.timedelta(seconds=checked.expires_in)
    session.add(status)
    await session.flush()

    for account in checked.recipients:
        session.add(StatusMention(status_id=status.id, account_id=account.id))
    for hashtag_id in await hashtag_ids(session, checked.formatted.tags):
        session.add(StatusTag(status_id=status.id, hashtag_id=hashtag_id))
    for position, item in enumerate(checked.media):
        item.status_id = status.id
        item.position = position
    if checked.poll is not None:
        await create_poll(session, status, checked.poll, now, effects)

    await session.execute(
        update(Account)
        .where(Account.id == author.id)
        .values(statuses_count=Account.statuses_count + 1, last_status_at=now)
    )
    if parent is not None and open_to_everyone(status.visibility):
        await session.execute(
            update(Status)
            .where(Status.id == parent.id)
            .values(replies_count=Status.replies_count + 1)
        )
    if quote is not None:
        await session.execute(
            update(Status).where(Status.id == quote.id).values(quotes_count=Status.quotes_count + 1)
        )
    await session.flush()
    for account in checked.recipients:
        effects.notified(await create_notification(session, account, author.id, "mention", status))
    await bump_for_status(session, status, author, checked.recipients, effects)
    if (expiry := expiry_job(status)) is not None:
        effects.job(**expiry)
    effects.job(FANOUT_JOB, {"status_id": status.id})
    await session.flush()
    return status
