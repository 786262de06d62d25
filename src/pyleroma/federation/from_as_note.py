"""A remote post (a normalised Note, Article, Page, Question...) as the rows of a Status.

``note_to_status_values`` reads what ``normalize_object`` made of another server's JSON and
answers a ``PreparedStatus``: the Status column values and the dependent rows to write
(mentions, hashtags, media, poll), with what it refers to looked up among the rows we
already have. It writes nothing and fetches nothing: an account, a parent or a quoted post
we do not know is simply left out (the reply keeps ``in_reply_to_uri``, so a parent that
arrives later adopts it). ``activities/handlers/remote_posts.py`` writes the result.

How the columns are read, following Mastodon and Pleroma:

- visibility from the addressing: the public collection in ``to`` is public, in ``cc``
  unlisted; the author's followers collection in ``to``/``cc`` is followers-only (private);
  anything else is direct.
- mentions: ``Mention`` tags naming an account we have (rendered, notified); accounts only
  addressed (``to``/``cc``/``bto``/``bcc``) are recipients too, stored silent.
- content: the HTML sanitised with Pleroma's default scrubbing policy, which keeps
  Mastodon's mention and hashtag links and its ``invisible``/``ellipsis`` link spans;
  ``<script>``, ``<style>``, event handlers and foreign classes go. An Article, Page,
  Event, Video or Audio with a ``name`` shows it as a linked title first (Pleroma); any
  other post with a ``name`` and no content shows the name.
- conversation: the parent's; else, for one of our own ``/contexts/<id>`` URIs, that id;
  else the conversation of a status already stored with the same ``context``; else None,
  which means a new thread (the writer gives it the status's own id, as posting does).
- ``created_at`` is ``published``, but never more than a minute ahead of our clock; the
  status's id is the writer's (arrival order), as Pleroma's flake ids are.
"""

from __future__ import annotations

import datetime as dt
import html
import mimetypes
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities.normalize_objects import PUBLIC, InvalidActivity
from pyleroma.db.base import utcnow
from pyleroma.models import Account, Status
from pyleroma.services.text.formatting import ALLOWED_TAGS, URL_SCHEMES
from pyleroma.services.text.languages import normalize_language
from pyleroma.settings import Settings

# Pleroma's :instance, :remote_limit: a remote post's content may not be longer (the
# default of the ``remote_limit`` setting).
REMOTE_LIMIT = 100_000
# How far ahead of our clock a remote ``published`` may be before it is taken as "now".
CLOCK_SKEW = dt.timedelta(minutes=1)
# Post types shown with their ``name`` as a linked title above the content (Pleroma).
TITLED_TYPES = ("Article", "Page", "Event", "Video", "Audio")
HASHTAG_MAX = 255  # Hashtag.name
LOOKUP_CHUNK = 500

_markdown = MarkdownIt("commonmark", {"linkify": False, "html": False})

# Pleroma's default scrubber, read per class token so that Mastodon's combinations
# ("mention hashtag", "u-url mention") and its link spans survive while nothing else does.
_ATTRIBUTES = {
    "a": {"href", "data-tag", "class", "rel", "name", "title"},
    "abbr": {"title"},
    "span": {"class"},
    "code": {"class"},
    "p": {"class"},
}
_TOKENS = {
    ("a", "class"): {"hashtag", "u-url", "mention"},
    ("a", "rel"): {"tag", "nofollow", "noopener", "noreferrer", "ugc", "me"},
    ("span", "class"): {"h-card", "quote-inline", "recipients-inline", "invisible", "ellipsis"},
    ("code", "class"): {"inline"},
    ("p", "class"): {"quote-inline"},
}
_LOCAL_ACCOUNT_PATH = re.compile(r"/(?:users/|@)([A-Za-z0-9_-]+)/?")
_STATUS_PATH = re.compile(r"/(?:notice|objects)/([0-9]+)/?")
_CONTEXT_PATH = re.compile(r"/contexts/([0-9]+)")


def _token_filter(tag: str, attribute: str, value: str) -> str | None:
    allowed = _TOKENS.get((tag, attribute))
    if allowed is None:
        return value
    kept = [token for token in value.split() if token in allowed]
    return " ".join(dict.fromkeys(kept)) or None


def sanitize_remote_html(content: str) -> str:
    """Another server's HTML, scrubbed as Pleroma's default policy scrubs it."""
    if not content:
        return ""
    return nh3.clean(
        content,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        attribute_filter=_token_filter,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def plain_text(value: str | None) -> str:
    """A summary (content warning) as plain text: tags dropped, entities decoded."""
    if not value:
        return ""
    return html.unescape(nh3.clean(value, tags=set(), clean_content_tags={"script", "style"}))


@dataclass
class PreparedMedia:
    """A remote attachment as MediaAttachment values (the file stays on its server)."""

    type: str
    mime_type: str
    remote_url: str
    description: str | None = None
    blurhash: str | None = None
    focus_x: float | None = None
    focus_y: float | None = None
    meta: dict = field(default_factory=dict)

    def row_values(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "mime_type": self.mime_type,
            "remote_url": self.remote_url,
            "description": self.description,
            "blurhash": self.blurhash,
            "focus_x": self.focus_x,
            "focus_y": self.focus_y,
            "meta": self.meta,
        }


@dataclass
class PreparedPoll:
    """A remote Question's poll with the counts its server reports."""

    options: list[dict]  # [{"title", "votes_count"}]
    multiple: bool
    hide_totals: bool
    expires_at: dt.datetime | None
    votes_count: int
    voters_count: int

    @property
    def titles(self) -> list[str]:
        return [option["title"] for option in self.options]


@dataclass
class PreparedStatus:
    """What ``note_to_status_values`` read: Status column values (no ``id``; a None
    ``conversation_id`` is a new thread) and the rows that hang off the status."""

    values: dict[str, Any]
    # Tagged mentions of accounts we have (rendered): StatusMention, silent False.
    mentions: list[Account] = field(default_factory=list)
    # Accounts only addressed (to/cc/bto/bcc), not tagged: StatusMention, silent True.
    addressed: list[Account] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    media: list[PreparedMedia] = field(default_factory=list)
    poll: PreparedPoll | None = None
    emojis: dict[str, str] = field(default_factory=dict)
    parent: Status | None = None
    quote: Status | None = None

    @property
    def mention_ids(self) -> list[int]:
        return [account.id for account in self.mentions]

    @property
    def recipients(self) -> list[Account]:
        """Everyone the post names, tagged first (who may see a private or direct post)."""
        return [*self.mentions, *self.addressed]


# --- small readers ---------------------------------------------------------------------


def host_of(url: str | None) -> tuple[str, int | None] | None:
    """(host, port) of an http(s) URL, for containment checks; None when it has none."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    if port is None:
        port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return host.lower(), port


def same_host(a: str | None, b: str | None) -> bool:
    host = host_of(a)
    return host is not None and host == host_of(b)


def parse_time(
    value: str | None, *, now: dt.datetime | None = None, clamp: bool = True
) -> dt.datetime | None:
    """An ISO 8601 time as naive UTC, None when absent or unreadable; with ``clamp`` (a
    time something happened) at most ``CLOCK_SKEW`` ahead of ``now``."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
        except (OverflowError, ValueError):
            return None
    if not clamp:
        return moment
    now = now or utcnow()
    return now if moment > now + CLOCK_SKEW else moment


def followers_collection(author: Account) -> str | None:
    if author.followers_url:
        return author.followers_url
    return f"{author.ap_id}/followers" if author.ap_id else None


def visibility_of(author: Account, to: list[str], cc: list[str]) -> str:
    """Mastodon's and Pleroma's reading of a post's addressing (see the module docstring)."""
    if PUBLIC in to:
        return "public"
    if PUBLIC in cc:
        return "unlisted"
    followers = followers_collection(author)
    if followers is not None and (followers in to or followers in cc):
        return "private"
    return "direct"


def media_kind(attachment: dict[str, Any], mime: str | None) -> str:
    """Mastodon's attachment types from the media type (else the AS2 type)."""
    top = (mime or "").split("/", 1)[0]
    if top in ("image", "video", "audio"):
        return top
    kind = {"Image": "image", "Video": "video", "Audio": "audio"}.get(attachment["type"])
    return kind or "unknown"


def prepared_media(settings: Settings, attachment: dict[str, Any]) -> PreparedMedia:
    url = attachment["url"]
    mime = attachment["media_type"] or mimetypes.guess_type(urlsplit(url).path)[0]
    description = attachment["name"]
    if description is not None:
        description = description.strip()[: settings.media_description_limit] or None
    meta: dict[str, Any] = {}
    width, height = attachment["width"], attachment["height"]
    if width and height:
        meta["original"] = {
            "width": width,
            "height": height,
            "size": f"{width}x{height}",
            "aspect": width / height,
        }
    focus = attachment["focal_point"]
    return PreparedMedia(
        type=media_kind(attachment, mime),
        mime_type=(mime or "application/octet-stream")[:127],
        remote_url=url,
        description=description,
        blurhash=attachment["blurhash"] if attachment["blurhash"] else None,
        focus_x=focus[0] if focus else None,
        focus_y=focus[1] if focus else None,
        meta=meta,
    )


def prepared_poll(poll: dict[str, Any] | None, *, now: dt.datetime) -> PreparedPoll | None:
    """The poll of a Question; None when it has no usable option. Counts a server hides
    (GoToSocial can) are stored as zero with ``hide_totals``."""
    if not poll or not poll["options"]:
        return None
    titles = list(dict.fromkeys(option["title"] for option in poll["options"]))
    counts: dict[str, int] = {}
    hidden = True
    for option in poll["options"]:
        if option["title"] in counts:
            continue
        counts[option["title"]] = option["votes"] or 0
        hidden = hidden and option["votes"] is None
    expires_at = parse_time(poll["end_time"], clamp=False)
    if poll["closed"] and (expires_at is None or expires_at > now):
        expires_at = now
    votes = sum(counts.values())
    voters = poll["voters_count"]
    if voters is None:
        # A single-choice poll has a voter per vote; a multiple-choice one at least as many
        # voters as its most chosen option has votes.
        voters = votes if not poll["multiple"] else max(counts.values(), default=0)
    return PreparedPoll(
        options=[{"title": title, "votes_count": counts[title]} for title in titles],
        multiple=bool(poll["multiple"]),
        hide_totals=hidden,
        expires_at=expires_at,
        votes_count=votes,
        voters_count=voters,
    )


def content_html(note: dict[str, Any], limit: int = REMOTE_LIMIT) -> str:
    """The note's content as safe HTML (see the module docstring); InvalidActivity when it
    is longer than ``limit`` characters (refused, not cut: cut HTML says something else)."""
    content = note["content"] or ""
    if len(content) > limit:
        raise InvalidActivity(f"content is longer than {limit} characters")
    if note["media_type"] == "text/markdown":
        content = _markdown.render(content)
    if note["type"] in TITLED_TYPES and note["name"]:
        link = html.escape(note["url"] or note["id"])
        content = f'<p><a href="{link}">{html.escape(note["name"])}</a></p>' + content
    elif not content.strip() and note["name"]:
        # A post with a name and no content (a bridged title, a Note some servers send as
        # a headline) shows its name rather than nothing; votes never reach here.
        content = f"<p>{html.escape(note['name'][:limit])}</p>"
    return sanitize_remote_html(content).strip()


def language_of(note: dict[str, Any]) -> str | None:
    try:
        return normalize_language(note["language"])
    except ValueError:
        return None


# --- lookups -----------------------------------------------------------------------------


def _local_nickname(settings: Settings, href: str) -> str | None:
    """The nickname in one of our account URLs (``/users/<nick>``, ``/@<nick>``)."""
    base = settings.base_url.rstrip("/")
    if not href.startswith(base + "/"):
        return None
    match = _LOCAL_ACCOUNT_PATH.fullmatch(href[len(base) :])
    return match.group(1).lower() if match else None


async def known_accounts(
    session: AsyncSession, settings: Settings, hrefs: list[str]
) -> dict[str, Account]:
    """The accounts we have among ``hrefs``: remote ones by their actor id, local ones by
    their actor id or one of our account URLs (a local account's ``url`` is its actor id).
    Nothing is fetched: unknown actors are left out."""
    hrefs = list(dict.fromkeys(h for h in hrefs if h))
    found: dict[str, Account] = {}
    for start in range(0, len(hrefs), LOOKUP_CHUNK):
        chunk = hrefs[start : start + LOOKUP_CHUNK]
        nicknames = {h: n for h in chunk if (n := _local_nickname(settings, h)) is not None}
        condition = Account.ap_id.in_(chunk)
        if nicknames:
            condition = or_(
                condition,
                and_(Account.local.is_(True), Account.nickname_key.in_(set(nicknames.values()))),
            )
        rows = (await session.execute(select(Account).where(condition))).scalars().all()
        by_ap_id = {a.ap_id: a for a in rows if a.ap_id}
        by_nickname = {a.nickname_key: a for a in rows if a.local}
        for href in chunk:
            account = by_ap_id.get(href)
            if account is None and href in nicknames:
                account = by_nickname.get(nicknames[href])
            if account is not None:
                found[href] = account
    return found


async def status_by_uri(session: AsyncSession, uri: str | None) -> Status | None:
    if not uri:
        return None
    return (await session.execute(select(Status).where(Status.uri == uri))).scalar_one_or_none()


def _local_status_id(settings: Settings, url: str) -> int | None:
    base = settings.base_url.rstrip("/")
    if not url.startswith(base + "/"):
        return None
    match = _STATUS_PATH.fullmatch(url[len(base) :])
    return int(match.group(1)) if match else None


async def quoted_status(session: AsyncSession, settings: Settings, url: str | None):
    """The quoted post by its AP id, else by one of our status URLs, else by its web page
    (``statuses.url`` has no index: only reached for quotes not found by id)."""
    if not url:
        return None
    found = await status_by_uri(session, url)
    if found is None and (local_id := _local_status_id(settings, url)) is not None:
        found = await session.get(Status, local_id)
    if found is None:
        found = (
            await session.execute(select(Status).where(Status.url == url).limit(1))
        ).scalar_one_or_none()
    if found is not None and found.reblog_of_id is not None:
        return None
    return found


async def conversation_for(
    session: AsyncSession, settings: Settings, context: str | None, parent: Status | None
) -> int | None:
    """The thread a post joins (see the module docstring); None: a new one."""
    if parent is not None:
        return parent.conversation_id or parent.id
    if not context:
        return None
    base = settings.base_url.rstrip("/")
    if context.startswith(base + "/"):
        match = _CONTEXT_PATH.fullmatch(context[len(base) :])
        if match:
            return int(match.group(1))
    return await session.scalar(
        select(Status.conversation_id)
        .where(Status.context == context, Status.conversation_id.is_not(None))
        .limit(1)
    )


# --- the whole post --------------------------------------------------------------------


async def note_to_status_values(
    session: AsyncSession, settings: Settings, author: Account, note: dict[str, Any]
) -> PreparedStatus:
    """``note`` (from ``normalize_object``, written by ``author``) as a ``PreparedStatus``.

    Reads only: the caller writes the rows (and has checked that ``author`` may post it).
    Raises ``InvalidActivity`` for a post we will not store (content over the
    ``remote_limit`` setting).
    """
    now = utcnow()
    to, cc = note["to"], note["cc"]
    visibility = visibility_of(author, to, cc)

    followers = followers_collection(author)
    mention_hrefs = [m["href"] for m in note["mentions"]]
    addressed_hrefs = [
        href
        for href in [*to, *cc, *note["bto"], *note["bcc"]]
        if href != PUBLIC and href != followers
    ]
    accounts = await known_accounts(session, settings, [*mention_hrefs, *addressed_hrefs])
    mentions: dict[int, Account] = {}
    for href in mention_hrefs:
        if (account := accounts.get(href)) is not None:
            mentions.setdefault(account.id, account)
    addressed: dict[int, Account] = {}
    for href in addressed_hrefs:
        account = accounts.get(href)
        if account is not None and account.id not in mentions:
            addressed.setdefault(account.id, account)

    parent = await status_by_uri(session, note["in_reply_to"])
    if parent is not None and parent.reblog_of_id is not None:
        parent = None
    quote = await quoted_status(session, settings, note["quote_url"])
    context = note["context"] or (parent.context if parent is not None else None)
    conversation_id = await conversation_for(session, settings, context, parent)

    hashtags = [name for name in note["hashtags"] if len(name) <= HASHTAG_MAX]
    # Already cut at max_remote_attachments by normalisation (not at the local posting
    # limit, max_media_attachments, as Pleroma does not cut remote posts at it either).
    media = [prepared_media(settings, item) for item in note["attachments"]]
    poll = prepared_poll(note["poll"], now=now)
    emojis = {emoji["shortcode"]: emoji["url"] for emoji in note["emojis"]}
    created_at = parse_time(note["published"], now=now) or now
    values = {
        "uri": note["id"],
        "url": note["url"] or note["id"],
        "account_id": author.id,
        "local": False,
        "visibility": visibility,
        "content_type": "text/html",
        "source": "",
        "content": content_html(note, settings.remote_limit),
        "spoiler_text": plain_text(note["summary"]),
        "sensitive": bool(note["sensitive"]) or "nsfw" in hashtags,
        "language": language_of(note),
        "in_reply_to_id": parent.id if parent is not None else None,
        "in_reply_to_account_id": parent.account_id if parent is not None else None,
        "in_reply_to_uri": note["in_reply_to"],
        "context": context,
        "conversation_id": conversation_id,
        "quote_id": quote.id if quote is not None else None,
        "has_media": bool(media),
        "has_poll": poll is not None,
        "emojis": emojis,
        "raw": note["raw"],
        "created_at": created_at,
    }
    return PreparedStatus(
        values=values,
        mentions=list(mentions.values()),
        addressed=list(addressed.values()),
        hashtags=hashtags,
        media=media,
        poll=poll,
        emojis=emojis,
        parent=parent,
        quote=quote,
    )
