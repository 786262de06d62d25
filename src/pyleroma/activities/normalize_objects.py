"""Objects and actors as other servers send them, turned into one canonical shape.

The lower half of normalize.py: the error, the reading of ids, audiences, types, links,
dates and tags that activities share with objects and actors, and ``normalize_object``
(Note, Article, Page, Question, Answer, Tombstone and the other post types). Pure functions on
dicts: no database, no HTTP. The input is hostile, so every list is read up to a cap (the
caps an admin may change arrive as a ``Limits``: normalize_limits.py), every id must be an
http(s) URL, and nothing recurses without a bound. Content, names and
summaries are passed through at any length (and unsanitised): their limits and their
sanitising belong to the caller.

Every key of a result is always present (None, [] or False when not sent), and ``raw`` is
the dict the result was read from. URLs and ids are http(s) URLs or None; dates are the
ISO 8601 strings as sent, or None when they do not parse.

An object::

    id type attributed_to content media_type language summary sensitive name in_reply_to
    context (``context``, else ``conversation``) conversation published updated url
    to cc bto bcc quote_url raw
    attachments [{type url media_type name blurhash focal_point width height}]
    mentions [{href name}]   hashtags [lower-case names]   emojis [{shortcode url updated}]
    poll (Question only) {multiple options [{title votes}] end_time closed voters_count}
    source {content media_type} (Misskey MFM, Lemmy Markdown, Pleroma plain text)
    details (Event and Audio only, else None: normalize_details.py)

(Actors: normalize_actors.py, on the same helpers.)
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

from pyleroma.activities.normalize_limits import DEFAULT_LIMITS, Limits, cut

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
_PUBLIC_ALIASES = frozenset(
    {PUBLIC, "as:Public", "Public", "http://www.w3.org/ns/activitystreams#Public"}
)

# Caps on what hostile input can make us read. Longer lists are cut, not refused. The
# ones an admin may change come in a Limits value (normalize_limits.py, from settings);
# these names are their defaults.
MAX_ID_LENGTH = 2048
MAX_AUDIENCE = 2000
MAX_TAGS = DEFAULT_LIMITS.tags
MAX_MENTIONS = DEFAULT_LIMITS.mentions
MAX_ATTACHMENTS = DEFAULT_LIMITS.attachments
MAX_POLL_OPTIONS = DEFAULT_LIMITS.poll_options
MAX_URL_CANDIDATES = 50
MAX_JSON_DEPTH = DEFAULT_LIMITS.json_depth
_MAX_SHORT_TEXT = 256  # hashtag names, emoji shortcodes, media types, blurhashes
_MAX_DIMENSION = 100_000

_TYPE_PREFIXES = (
    "https://www.w3.org/ns/activitystreams#",
    "http://www.w3.org/ns/activitystreams#",
    "as:",
)
ACTIVITY_TYPES = frozenset(
    {
        "Accept", "Add", "Announce", "Arrive", "Block", "Create", "Delete", "Dislike",
        "Flag", "Follow", "Ignore", "Invite", "Join", "Leave", "Like", "Listen", "Move",
        "Offer", "Read", "Reject", "Remove", "TentativeAccept", "TentativeReject",
        "Travel", "Undo", "Update", "View",
        # Not in AS2, but sent: Pleroma/Akkoma reactions, FEP-044f quote requests.
        "EmojiReact", "QuoteRequest",
    }
)  # fmt: skip
ACTOR_TYPES = frozenset({"Application", "Group", "Organization", "Person", "Service"})
# What a status can be made from (Mastodon and Misskey take all of these as posts).
POST_TYPES = frozenset(
    {
        "Note", "Article", "Page", "Question", "Answer", "Tombstone", "Audio", "Video",
        "Image", "Event", "Document", "ChatMessage",
    }
)  # fmt: skip
OBJECT_TYPES = POST_TYPES | frozenset(
    {
        "Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage",
        "Link", "Mention", "Hashtag", "Emoji", "PropertyValue", "Place", "Profile",
        "Relationship",
    }
)  # fmt: skip
KNOWN_TYPES = ACTIVITY_TYPES | ACTOR_TYPES | OBJECT_TYPES

_BAD_URL_CHARS = re.compile(r"[\s\x00-\x1f\x7f<>\"\\^`{|}]")
_TYPE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,99}")
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,7}")
_SHORTCODE = re.compile(r"[A-Za-z0-9_+.\-]+")
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")
_BLURHASH = re.compile(r"[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{6,}")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_QUOTE_RELS = frozenset({"https://misskey-hub.net/ns#_misskey_quote", "misskey:_misskey_quote"})
_QUOTE_LINK_TYPES = frozenset(
    {
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/activity+json",
    }
)


class InvalidActivity(ValueError):
    """The JSON cannot be used: the message says which part and why."""


# -- primitives ------------------------------------------------------------------------------


def check_depth(value: Any, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested more than ``limit`` dicts/lists deep, without recursing."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > limit:
            raise InvalidActivity(f"JSON nested more than {limit} levels deep")
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))


def is_http_url(value: Any) -> bool:
    """An absolute http(s) URL with a host, of sane length, with nothing that breaks HTML."""
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        return False
    if _BAD_URL_CHARS.search(value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


def check_id(value: Any, what: str) -> str:
    """``value`` as an id, or InvalidActivity naming ``what``."""
    if value is None:
        raise InvalidActivity(f"{what} is missing")
    if not isinstance(value, str):
        raise InvalidActivity(f"{what} must be a string, not {type(value).__name__}")
    if not value:
        raise InvalidActivity(f"{what} is empty")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidActivity(f"{what} is longer than {MAX_ID_LENGTH} characters")
    if not is_http_url(value):
        raise InvalidActivity(f"{what} is not an http(s) URL: {value[:80]!r}")
    return value


def ref_value(value: Any) -> Any:
    """What names a referenced thing: a string as is, an embedded object's ``id`` (or a
    Link's ``href``), a list's first element (read the same way, one level only)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("id", value.get("href"))
    return value


def opt_ref(value: Any) -> str | None:
    """A reference read leniently: its id when it is an http(s) URL, else None."""
    value = ref_value(value)
    return value if is_http_url(value) else None


def pick_type(value: Any) -> str | None:
    """The type, without an ``as:`` or full-IRI prefix; from a list, the first known type
    (else the first usable string)."""
    if isinstance(value, str):
        return _type_name(value)
    if isinstance(value, list):
        names = [_type_name(v) for v in value[:MAX_URL_CANDIDATES] if isinstance(v, str)]
        names = [n for n in names if n]
        for name in names:
            if name in KNOWN_TYPES:
                return name
        return names[0] if names else None
    return None


def _type_name(value: str) -> str | None:
    for prefix in _TYPE_PREFIXES:
        if value.startswith(prefix):
            value = value[len(prefix) :]
            break
    return value if _TYPE_NAME.fullmatch(value) else None


def audience(value: Any) -> list[str]:
    """to/cc/bto/bcc as a list of ids: from a string, a list, None, or objects with an id
    (or a Link's href). The public collection's short forms become the full IRI; entries
    that are not http(s) URLs are dropped, duplicates too. At most ``MAX_AUDIENCE`` entries
    are kept, but the public collection is kept even past the cap (it decides visibility)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        if isinstance(item, dict):
            item = item.get("id", item.get("href"))
        if not isinstance(item, str):
            continue
        if item in _PUBLIC_ALIASES:
            item = PUBLIC
        elif len(out) >= MAX_AUDIENCE or not is_http_url(item):
            continue
        if item in seen:
            continue
        seen.add(item)
        out.append(item)
    return out


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def nonempty_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def flag(value: Any) -> bool:
    """True only for a JSON true: strings such as "false" are not booleans."""
    return value is True


def date(value: Any) -> str | None:
    """An ISO 8601 date-time string as sent, or None when it does not parse."""
    if not isinstance(value, str) or not 10 <= len(value) <= 64:
        return None
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return None
    return value


def count(value: Any) -> int | None:
    """A non-negative integer (a float with an integral value too; never a boolean)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and value >= 0 else None


def _dimension(value: Any) -> int | None:
    n = count(value)
    return n if n is not None and 0 < n <= _MAX_DIMENSION else None


def _media_type(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > _MAX_SHORT_TEXT:
        return None
    value = value.split(";", 1)[0].strip().lower()
    return value if _MEDIA_TYPE.fullmatch(value) else None


def link(value: Any, prefer_html: bool = False) -> str | None:
    """A URL from a string, a Link (``href``), an Image-like object (``url``, one level) or
    a list of those: the first usable one, or with ``prefer_html`` the first whose
    mediaType is HTML when there is one."""
    return _link_with_meta(value, prefer_html)[0]


def _link_with_meta(value: Any, prefer_html: bool = False) -> tuple[str | None, dict[str, Any]]:
    """(url, the Link object it came from or {}) as ``link`` reads it."""
    candidates = value[:MAX_URL_CANDIDATES] if isinstance(value, list) else [value]
    first: tuple[str | None, dict[str, Any]] = (None, {})
    for candidate in candidates:
        meta: dict[str, Any] = {}
        if isinstance(candidate, dict):
            meta = candidate
            candidate = candidate.get("href", candidate.get("url"))
            if isinstance(candidate, (dict, list)):  # an Image whose url is a Link
                candidate = ref_value(candidate)
        if not is_http_url(candidate):
            continue
        if not prefer_html:
            return candidate, meta
        if first[0] is None:
            first = (candidate, meta)
        if _media_type(meta.get("mediaType")) in _HTML_TYPES:
            return candidate, meta
    return first


def tags(raw: dict[str, Any], limit: int = MAX_TAGS) -> list[dict[str, Any]]:
    """The ``tag`` entries that are objects, at most ``limit`` read (GoToSocial sends a
    single tag as an object, not a list)."""
    value = raw.get("tag")
    items = cut(value, limit, "tags", raw) if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def emojis(tag_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Custom emoji from ``Emoji`` tags: shortcode without colons, image URL, updated."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for tag in tag_list:
        if pick_type(tag.get("type")) != "Emoji":
            continue
        name = tag.get("name")
        if not isinstance(name, str) or len(name) > _MAX_SHORT_TEXT:
            continue
        shortcode = name.strip(":")
        url = link(tag.get("icon"))
        if not _SHORTCODE.fullmatch(shortcode) or url is None or shortcode in seen:
            continue
        seen.add(shortcode)
        out.append({"shortcode": shortcode, "url": url, "updated": date(tag.get("updated"))})
    return out


def mentions(
    tag_list: list[dict[str, Any]], limit: int = MAX_MENTIONS, owner: Any = None
) -> list[dict[str, Any]]:
    """Mention tags with an http(s) href, each account once, the first ``limit`` kept: a
    mention is a notification and a recipient, so their number is bounded apart from the
    other tags."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for tag in tag_list:
        href = tag.get("href")
        if pick_type(tag.get("type")) != "Mention" or not is_http_url(href) or href in seen:
            continue
        seen.add(href)
        out.append({"href": href, "name": text(tag.get("name"))})
    return cut(out, limit, "mentions", owner)


def hashtags(tag_list: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for tag in tag_list:
        name = tag.get("name")
        if pick_type(tag.get("type")) != "Hashtag" or not isinstance(name, str):
            continue
        name = name.removeprefix("#").lower()
        if 0 < len(name) <= _MAX_SHORT_TEXT and not any(c.isspace() for c in name):
            out.append(name)
    return list(dict.fromkeys(out))


# -- objects ---------------------------------------------------------------------------------


def normalize_object(raw: dict[str, Any], limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """A post-like object (Note, Article, Page, Question, Answer, Tombstone, Audio, Video,
    ...) in the canonical shape; InvalidActivity when it has no usable id or type, is an
    actor or an activity, or is nested deeper than ``limits.json_depth``."""
    if not isinstance(raw, dict):
        raise InvalidActivity("object must be a JSON object")
    check_depth(raw, limits.json_depth)
    return object_core(raw, limits=limits)


def object_core(
    raw: dict[str, Any], what: str = "object", limits: Limits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """``normalize_object`` without the checks of the whole input (already done)."""
    kind = pick_type(raw.get("type"))
    if kind is None:
        raise InvalidActivity(f"{what} has no usable type")
    if kind in ACTOR_TYPES or kind in ACTIVITY_TYPES:
        raise InvalidActivity(f"{what} is a {kind}, not a post-like object")
    object_id = check_id(raw.get("id"), f"{what} id")
    content, language = _content(raw)
    tag_list = tags(raw, limits.tags)
    summary = raw.get("summary")
    return {
        "id": object_id,
        "type": kind,
        "attributed_to": _attributed_to(raw.get("attributedTo", raw.get("actor"))),
        "content": content,
        "media_type": _media_type(raw.get("mediaType")),
        "language": language,
        "summary": summary if isinstance(summary, str) and summary else None,
        "sensitive": flag(raw.get("sensitive")),
        "name": text(raw.get("name")),
        "in_reply_to": opt_ref(raw.get("inReplyTo")),
        "context": _context(raw.get("context")) or _context(raw.get("conversation")),
        "conversation": _context(raw.get("conversation")),
        "published": date(raw.get("published")),
        "updated": date(raw.get("updated")),
        "url": link(raw.get("url"), prefer_html=True),
        "to": audience(raw.get("to")),
        "cc": audience(raw.get("cc")),
        "bto": audience(raw.get("bto")),
        "bcc": audience(raw.get("bcc")),
        "attachments": _attachments(raw, limits.attachments),
        "mentions": mentions(tag_list, limits.mentions, raw),
        "hashtags": hashtags(tag_list),
        "emojis": emojis(tag_list),
        "quote_url": _quote_url(raw, tag_list),
        "poll": _poll(raw, limits.poll_options) if kind == "Question" else None,
        "source": _source(raw),
        "details": _details(kind, raw),
        "raw": raw,
    }


def _details(kind: str, raw: dict[str, Any]) -> dict[str, Any] | None:
    """An Event's or Audio's own fields (normalize_details.py), None for other types."""
    from pyleroma.activities.normalize_details import details

    return details(kind, raw)


def _attributed_to(value: Any) -> str | None:
    """The author: a string, an embedded actor's id, or from a list (PeerTube sends the
    account and its channel) the first Person, else the first usable id."""
    if not isinstance(value, list):
        return opt_ref(value)
    fallback = None
    for item in value[:MAX_URL_CANDIDATES]:
        item_id = opt_ref(item)
        if item_id is None:
            continue
        if isinstance(item, dict) and pick_type(item.get("type")) == "Person":
            return item_id
        fallback = fallback or item_id
    return fallback


def _content(raw: dict[str, Any]) -> tuple[str | None, str | None]:
    """(content, language): ``content``, else the first entry of ``contentMap``; the
    language is the contentMap key holding the content (else its first key), else Lemmy's
    ``language.identifier``; "und" (undetermined) is no language. A ``content`` that is
    itself a language map (as some JSON-LD tools compact it) is read as ``contentMap``."""
    content = text(raw.get("content"))
    language = None
    content_map = raw.get("contentMap")
    if not isinstance(content_map, dict) and isinstance(raw.get("content"), dict):
        content_map = raw["content"]
    if isinstance(content_map, dict):
        entries = [
            (key, value)
            for key, value in islice(content_map.items(), MAX_URL_CANDIDATES)
            if isinstance(value, str)
        ]
        if content is None and entries:
            language, content = entries[0]
        elif entries:
            language = next((k for k, v in entries if v == content), entries[0][0])
    lemmy_language = raw.get("language")
    if language is None and isinstance(lemmy_language, dict):
        language = lemmy_language.get("identifier")
    if not isinstance(language, str) or not _LANGUAGE.fullmatch(language) or language == "und":
        language = None
    return content, language


def _context(value: Any) -> str | None:
    """A thread id: any URI (Mastodon's ``conversation`` is a tag: URI), not an object."""
    if isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH:
        return None if _BAD_URL_CHARS.search(value) else value
    return None


def _attachments(raw: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """The media attachments, the first ``limit`` usable ones kept (the rest dropped with
    a logged reason: see normalize_limits.py). Only a bounded number of entries is looked
    at, so a list of a million junk entries costs no more than a short one."""
    value = raw.get("attachment")
    items = value[: limit * 5 + 20] if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            attachment = _attachment(item)
            if attachment is not None:
                out.append(attachment)
    sent = len(value) if isinstance(value, list) else 1
    return cut(out, limit, "attachments", raw, sent)


_MEDIA_TOPS = ("image/", "video/", "audio/")


def _attachment(raw: dict[str, Any]) -> dict[str, Any] | None:
    """A media attachment; None for what is not media (a link preview: a ``Link`` to a
    page, as Lemmy and Friendica send the link a post shares; a profile's PropertyValue)
    or has no usable URL. A ``Link`` whose mediaType is an image, video or audio is media
    (Lemmy's image posts, PeerTube), as Mastodon reads it. GoToSocial puts the alt text in
    ``summary``, the others in ``name``; Pleroma's internal form has a list of Links."""
    kind = pick_type(raw.get("type")) or "Document"
    if kind == "PropertyValue":
        return None
    if kind == "Link":
        if not (_media_type(raw.get("mediaType")) or "").startswith(_MEDIA_TOPS):
            return None
        kind = "Document"
    url, url_link = _link_with_meta(raw.get("url", raw.get("href")))
    if url is None:
        return None
    blurhash = raw.get("blurhash")
    name = raw.get("name")
    return {
        "type": kind,
        "url": url,
        "media_type": _media_type(raw.get("mediaType")) or _media_type(url_link.get("mediaType")),
        "name": name if isinstance(name, str) else text(raw.get("summary")),
        "blurhash": (
            blurhash
            if isinstance(blurhash, str)
            and len(blurhash) <= _MAX_SHORT_TEXT
            and _BLURHASH.fullmatch(blurhash)
            else None
        ),
        "focal_point": _focal_point(raw.get("focalPoint")),
        "width": _dimension(raw.get("width", url_link.get("width"))),
        "height": _dimension(raw.get("height", url_link.get("height"))),
    }


def _focal_point(value: Any) -> list[float] | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    point = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            return None
        point.append(max(-1.0, min(1.0, float(v))))
    return point


def _quote_url(raw: dict[str, Any], tag_list: list[dict[str, Any]]) -> str | None:
    """The quoted post: FEP-044f ``quote`` (Mastodon sends ``{"type": "Tombstone"}`` when
    the quoted post is gone), a FEP-e232 Link tag with Misskey's quote rel, then
    ``quoteUri`` (Fedibird), ``quoteUrl`` (Misskey, Akkoma) and ``_misskey_quote``."""
    candidates: list[Any] = [raw.get("quote")]
    for tag in tag_list:
        rel = tag.get("rel")
        rels = rel[:MAX_URL_CANDIDATES] if isinstance(rel, list) else [rel]
        if (
            pick_type(tag.get("type")) == "Link"
            and any(isinstance(r, str) and r in _QUOTE_RELS for r in rels)
            and tag.get("mediaType") in _QUOTE_LINK_TYPES
        ):
            candidates.append(tag.get("href"))
    candidates += [raw.get("quoteUri"), raw.get("quoteUrl"), raw.get("_misskey_quote")]
    for candidate in candidates:
        if isinstance(candidate, (dict, list)):
            candidate = ref_value(candidate)
        if is_http_url(candidate):
            return candidate
    return None


def _poll(raw: dict[str, Any], limit: int = MAX_POLL_OPTIONS) -> dict[str, Any]:
    """A Question's poll. ``votes`` is None when the server hides counts (GoToSocial can).
    ``end_time`` is ``endTime``, else ``closed``: Mastodon sends ``closed`` (equal to
    ``endTime``) once a poll has ended, Misskey sends only ``closed`` once it has ended, and
    Pleroma/Akkoma send ``closed`` as the end time from the start (without a time zone).
    So ``closed`` (a bool) is read against the clock: ``closed: true``, or an end time that
    has passed."""
    multiple = raw.get("oneOf") is None and raw.get("anyOf") is not None
    choices = raw.get("anyOf" if multiple else "oneOf")
    items = choices[: limit * 5 + 20] if isinstance(choices, list) else [choices]
    options = []
    for item in items:
        if not isinstance(item, dict) or not nonempty_text(item.get("name")):
            continue
        replies = item.get("replies")
        votes = count(replies.get("totalItems")) if isinstance(replies, dict) else None
        if votes is None:
            votes = count(item.get("_misskey_votes"))
        options.append({"title": item["name"], "votes": votes})
    sent = len(choices) if isinstance(choices, list) else 1
    options = cut(options, limit, "poll options", raw, sent)
    closed = raw.get("closed")
    end_time = date(raw.get("endTime")) or date(closed)
    return {
        "multiple": multiple,
        "options": options,
        "end_time": end_time,
        "closed": closed is True or (end_time is not None and _has_passed(end_time)),
        "voters_count": count(raw.get("votersCount")),
    }


def _has_passed(value: str) -> bool:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:  # Pleroma's naive times are UTC
        moment = moment.replace(tzinfo=UTC)
    return moment <= datetime.now(UTC)


def _source(raw: dict[str, Any]) -> dict[str, Any] | None:
    """What the author wrote before rendering: ``source`` (Pleroma, Akkoma, Misskey,
    Lemmy), else Misskey's ``_misskey_content`` (which is MFM)."""
    source = raw.get("source")
    if isinstance(source, dict) and isinstance(source.get("content"), str):
        return {"content": source["content"], "media_type": _media_type(source.get("mediaType"))}
    misskey = raw.get("_misskey_content")
    if isinstance(misskey, str):
        return {"content": misskey, "media_type": "text/x.misskeymarkdown"}
    return None
