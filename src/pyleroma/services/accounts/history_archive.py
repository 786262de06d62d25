"""Reading an account archive (Mastodon's or Pleroma's backup zip) for the history import.

The archive is hostile input: whoever uploads it wrote every byte. So it is read, never
extracted, and only within caps:

- a zip at all (else 422), at most ``MAX_ENTRIES`` entries, not encrypted, every entry name
  a plain relative path (no ``..``, no leading ``/`` or ``\\``, no drive letter, no NUL,
  no duplicate): one bad name refuses the whole archive (422);
- the uncompressed sizes added up at most ``uncompressed_limit`` (413), and each entry read
  is counted as it is decompressed, so a header that lies about a size gains nothing;
- ``actor.json`` (at most ``MAX_ACTOR_BYTES``) an actor with an http(s) id, ``outbox.json``
  (at most ``MAX_OUTBOX_BYTES``) an ``OrderedCollection`` whose items are nested no deeper
  than ``MAX_JSON_DEPTH``; every Create and Announce in it must be the actor's own, and
  every embedded post attributed to it (an archive with another actor's posts is refused,
  not filtered: it is not an honest backup).

``read_archive`` turns the outbox into ``ArchiveItem`` values, the posts to import, oldest
first (so a parent is imported before its replies): Creates of Note, Article, Page or
Question addressed to the public (public, from ``to``) or unlisted (from ``cc``), with the
content already sanitised as a remote post's (federation/from_as_note.py). Everything else
is counted in ``ignored``: boosts (Announce: the boosted post is someone else's, and taking
it would mean fetching it), followers-only and direct posts (their audience was the old
account's followers, who are not ours), other activity types and posts without a date.

Nothing here touches the database or the network.
"""

from __future__ import annotations

import io
import math
import re
import struct
import zipfile
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from pyleroma.activities.normalize_objects import (
    PUBLIC,
    InvalidActivity,
    audience,
    check_depth,
    is_http_url,
    normalize_object,
    pick_type,
)
from pyleroma.errors import TooLarge, Unprocessable
from pyleroma.federation.from_as_note import (
    HASHTAG_MAX,
    content_html,
    language_of,
    parse_time,
    plain_text,
)
from pyleroma.settings import Settings

MAX_ENTRIES = 100_000
MAX_ACTOR_BYTES = 1_000_000
MAX_OUTBOX_BYTES = 200_000_000
MAX_JSON_DEPTH = 32
# Attachments taken per post, and the URL length of one.
MAX_ATTACHMENTS = 20
MAX_URL = 2048
READ_CHUNK = 1024 * 1024
IMPORTED_TYPES = frozenset({"Note", "Article", "Page", "Question"})
_BLURHASH = re.compile(r"[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{6,128}")
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")


def uncompressed_limit(settings: Settings) -> int:
    """The most an archive may hold once uncompressed: four times the upload cap (JSON
    compresses well, media hardly at all)."""
    return 4 * settings.history_import_max_size


# --- the zip itself ------------------------------------------------------------------------


def safe_name(name: str) -> bool:
    """A relative path with no way out of the archive's root."""
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        return False
    parts = name.split("/")
    if ":" in parts[0]:
        return False
    return all(part not in ("..", ".") for part in parts if part)


def _check_entry_count(source) -> None:
    """Refuse a zip whose end record announces more than ``MAX_ENTRIES`` entries before
    ``ZipFile`` reads its whole central directory into memory (millions of tiny entries
    fit in an upload). ``_EndRecData`` is zipfile's own reader of that record (zip64
    included), private but unchanged since Python 2."""
    if isinstance(source, str | bytes) or hasattr(source, "__fspath__"):
        return  # a stored archive, checked when it was uploaded
    try:
        source.seek(0)
        record = zipfile._EndRecData(source)
    except (OSError, ValueError, EOFError, struct.error) as exc:
        raise Unprocessable("The file is not a zip archive") from exc
    if not record:
        raise Unprocessable("The file is not a zip archive")
    if record[zipfile._ECD_ENTRIES_TOTAL] > MAX_ENTRIES:
        raise TooLarge(f"The archive has more than {MAX_ENTRIES} entries")
    source.seek(0)


def open_archive(source, settings: Settings) -> zipfile.ZipFile:
    """The zip at ``source`` (a path or a binary file), its entries checked (see the module
    docstring); Unprocessable or TooLarge otherwise. The caller closes it."""
    _check_entry_count(source)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise Unprocessable("The file is not a zip archive") from exc
    try:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise TooLarge(f"The archive has more than {MAX_ENTRIES} entries")
        seen: set[str] = set()
        total = 0
        for info in infos:
            if not safe_name(info.filename) or info.filename in seen:
                raise Unprocessable(f"The archive has an unsafe entry name: {info.filename[:200]}")
            if info.flag_bits & 0x1:
                raise Unprocessable("The archive is encrypted")
            seen.add(info.filename)
            total += info.file_size
        if total > uncompressed_limit(settings):
            raise TooLarge("The archive is too large once uncompressed")
    except BaseException:
        archive.close()
        raise
    return archive


def read_entry(archive: zipfile.ZipFile, name: str, limit: int) -> bytes | None:
    """The bytes of entry ``name`` (None when there is none); TooLarge past ``limit``
    bytes, counted while decompressing; Unprocessable when the entry is corrupt."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > limit:
        raise TooLarge(f"{name} is too large")
    out = io.BytesIO()
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(READ_CHUNK):
                if out.tell() + len(chunk) > limit:
                    raise TooLarge(f"{name} is too large")
                out.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise Unprocessable(f"The archive entry {name} cannot be read") from exc
    return out.getvalue()


def _json_entry(archive: zipfile.ZipFile, name: str, limit: int) -> Any:
    data = read_entry(archive, name, limit)
    if data is None:
        raise Unprocessable(f"The archive has no {name}")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise Unprocessable(f"{name} is not valid JSON") from exc


# --- the posts -----------------------------------------------------------------------------


@dataclass
class ArchiveItem:
    """One post to import, as JSON-able values (stored in the import's chunk files)."""

    key: str  # the old post's URL (its ``url``, else its id): the import's dedup key
    original_id: str
    published: str  # ISO 8601, naive UTC
    visibility: str
    content: str  # sanitised HTML
    spoiler_text: str
    sensitive: bool
    language: str | None
    hashtags: list[str]
    emojis: dict[str, str]
    in_reply_to: str | None  # the parent's original id, as the archive has it
    parent_key: str | None  # the parent's key when the parent is in this archive
    attachments: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class ArchiveContents:
    actor_id: str
    items: list[ArchiveItem]
    ignored: int


def _visibility(to: list[str], cc: list[str]) -> str | None:
    if PUBLIC in to:
        return "public"
    if PUBLIC in cc:
        return "unlisted"
    return None  # followers-only, direct, local-only: not imported


def _first_url(value: Any) -> str | None:
    """An attachment's URL: a string, a Link's ``href``, or the first of a list."""
    if isinstance(value, list):
        value = next((v for v in value[:10] if isinstance(v, str | dict)), None)
    if isinstance(value, dict):
        value = value.get("href")
    if not isinstance(value, str) or not value or len(value) > MAX_URL:
        return None
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def attachment_ref(raw: Any) -> dict | None:
    """An attachment as the import keeps it: ``path`` (a file in the archive, Mastodon's
    ``media_attachments/...``) or ``url`` (an http(s) URL elsewhere, Pleroma's), and its
    description, media type, blurhash and focal point. None for anything else."""
    if not isinstance(raw, dict):
        return None
    url = _first_url(raw.get("url", raw.get("href")))
    if url is None:
        return None
    ref: dict[str, Any] = {"path": None, "url": None}
    if is_http_url(url):
        ref["url"] = url
    else:
        path = url.lstrip("/")
        if path.startswith("system/"):
            path = path[len("system/") :]
        if not safe_name(path):
            return None
        ref["path"] = path
    media_type = raw.get("mediaType")
    ref["media_type"] = (
        media_type if isinstance(media_type, str) and _MEDIA_TYPE.fullmatch(media_type) else None
    )
    name = raw.get("name") if isinstance(raw.get("name"), str) else raw.get("summary")
    ref["description"] = name if isinstance(name, str) else None
    blurhash = raw.get("blurhash")
    ref["blurhash"] = (
        blurhash if isinstance(blurhash, str) and _BLURHASH.fullmatch(blurhash) else None
    )
    focus = raw.get("focalPoint")
    point = [_number(v) for v in focus] if isinstance(focus, list) and len(focus) == 2 else None
    ref["focus"] = [max(-1.0, min(1.0, v)) for v in point] if point and None not in point else None
    return ref


def _poll_html(note: dict[str, Any]) -> str:
    """A Question's options as a list after its text (votes cannot be carried over)."""
    options = (note.get("poll") or {}).get("options") or []
    if not options:
        return ""
    from html import escape

    rows = "".join(f"<li>{escape(option['title'])}</li>" for option in options)
    return f"<ul>{rows}</ul>"


def _actor_of(item: dict[str, Any]) -> str | None:
    actor = item.get("actor")
    if isinstance(actor, dict):
        actor = actor.get("id")
    return actor if isinstance(actor, str) else None


def _read_item(settings: Settings, actor_id: str, raw: dict[str, Any]) -> ArchiveItem | None:
    """One outbox entry as an ``ArchiveItem``; None when it is not imported; Unprocessable
    when it is someone else's."""
    kind = pick_type(raw.get("type"))
    if kind not in ("Create", "Announce"):
        return None
    if _actor_of(raw) != actor_id:
        raise Unprocessable("The outbox holds activities of another actor than actor.json's")
    if kind == "Announce" or not isinstance(raw.get("object"), dict):
        return None
    obj = raw["object"]
    if pick_type(obj.get("type")) not in IMPORTED_TYPES:
        return None
    attachments = obj.get("attachment")
    attachments = attachments if isinstance(attachments, list) else [attachments]
    try:
        note = normalize_object({**obj, "attachment": []})
    except InvalidActivity:
        return None
    if note["attributed_to"] not in (None, actor_id):
        raise Unprocessable("The outbox holds posts of another actor than actor.json's")
    to, cc = note["to"], note["cc"]
    if not to and not cc:  # addressed on the activity only
        to, cc = audience(raw.get("to")), audience(raw.get("cc"))
    visibility = _visibility(to, cc)
    published = parse_time(note["published"] or _text(raw.get("published")))
    if visibility is None or published is None:
        return None
    try:
        content = content_html(note, settings.remote_limit)
    except InvalidActivity:
        return None
    if note["type"] == "Question":
        content += _poll_html(note)
    hashtags = [name for name in note["hashtags"] if len(name) <= HASHTAG_MAX]
    refs = [ref for a in attachments[: MAX_ATTACHMENTS * 5] if (ref := attachment_ref(a))]
    return ArchiveItem(
        key=(note["url"] or note["id"])[:MAX_URL],
        original_id=note["id"],
        published=published.isoformat(),
        visibility=visibility,
        content=content,
        spoiler_text=plain_text(note["summary"]),
        sensitive=bool(note["sensitive"]) or "nsfw" in hashtags,
        language=language_of(note),
        hashtags=hashtags,
        emojis={emoji["shortcode"]: emoji["url"] for emoji in note["emojis"]},
        in_reply_to=note["in_reply_to"],
        parent_key=None,
        attachments=refs[:MAX_ATTACHMENTS],
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def read_archive(archive: zipfile.ZipFile, settings: Settings) -> ArchiveContents:
    """Check ``actor.json`` and ``outbox.json`` and read the posts to import (see the
    module docstring); Unprocessable or TooLarge for an archive that is not acceptable."""
    actor = _json_entry(archive, "actor.json", MAX_ACTOR_BYTES)
    if not isinstance(actor, dict) or not is_http_url(actor.get("id")):
        raise Unprocessable("actor.json is not an actor with an id")
    actor_id = actor["id"]
    outbox = _json_entry(
        archive, "outbox.json", min(MAX_OUTBOX_BYTES, uncompressed_limit(settings))
    )
    if not isinstance(outbox, dict) or pick_type(outbox.get("type")) != "OrderedCollection":
        raise Unprocessable("outbox.json is not an OrderedCollection")
    entries = outbox.get("orderedItems", outbox.get("items", []))
    if not isinstance(entries, list):
        raise Unprocessable("outbox.json has no list of items")
    try:
        check_depth(entries, MAX_JSON_DEPTH)
    except InvalidActivity as exc:
        raise Unprocessable(f"outbox.json: {exc}") from exc
    items: list[ArchiveItem] = []
    ignored = 0
    for entry in entries:
        item = _read_item(settings, actor_id, entry) if isinstance(entry, dict) else None
        if item is None:
            ignored += 1
        else:
            items.append(item)
    items.sort(key=lambda item: item.published)
    own = {item.original_id: item.key for item in items}
    for item in items:
        if item.in_reply_to is not None:
            item.parent_key = own.get(item.in_reply_to)
    return ArchiveContents(actor_id=actor_id, items=items, ignored=ignored)
