"""Writing imported posts (services/accounts/history_archive.py's ``ArchiveItem``) as
statuses of the importing account: the database half of the history import.

An imported post is history, stored the way backfill stores an old post silently, except
that it is ours: a local status (``local`` true, a new ``/objects/<id>`` uri, so it is
served and can be edited or deleted like any other) with

- the old post's date as ``created_at`` and an id made from that date (``history_row_id``),
  so the profile (account statuses, ordered by id) shows it among the posts of its day;
- ``url`` = the old post's URL: clients link "open original" there. It is also the import's
  key: a post whose URL the account already has among its statuses is skipped, so running
  a chunk again, or importing the same archive twice, imports nothing twice;
- its sanitised content, content warning, sensitive flag, language, hashtags and custom
  emoji; media from the archive stored as uploads are (sniffed, images re-encoded with
  their metadata dropped); media only linked (Pleroma's archive has no files) kept as
  links to where they are, as a remote post's media; a file that is missing, too large or
  not an accepted type is skipped;
- a reply to one of the account's own imported posts keeps its thread (the parent found by
  its key); a reply to anyone else keeps only ``in_reply_to_uri`` (a parent stored later
  adopts it, as for remote replies). Mentions stay links in the text: no mention rows, so
  no notifications and no change to who may see the post.

Nothing goes through the activity pipeline: no delivery, no notification, no home fan-out,
no stream event. Only ``statuses_count`` (and ``last_status_at`` when an imported post is
newer) changes. Nothing is fetched.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
import zipfile
from dataclasses import dataclass, field

from anyio import to_thread
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import EPOCH_MS, SEQUENCE_BITS, new_id
from pyleroma.errors import DomainError
from pyleroma.models import Account, MediaAttachment, Status, StatusTag
from pyleroma.policy.visibility import open_to_everyone
from pyleroma.services.accounts.history_archive import read_entry
from pyleroma.services.media import media as media_service
from pyleroma.services.media import media_probe
from pyleroma.services.statuses.posting import hashtag_ids
from pyleroma.settings import Settings
from pyleroma.urls import context_uri, object_uri

# Dates before the id epoch (2020) are squeezed, in order, into the ids of the epoch's
# first day, from this date on (older ones take its first id).
_PRE_EPOCH_START_MS = 946_684_800_000  # 2000-01-01
_PRE_EPOCH_SPAN_IDS = (24 * 3600 * 1000) << SEQUENCE_BITS


def history_row_id(moment: dt.datetime) -> int:
    """An id for a post of ``moment`` (naive UTC) that sorts among the ids of its time:
    the snowflake layout of db/ids.py with random low bits, as backfill makes them
    (federation/fetch_posts.py ``past_row_id``). Before 2020 there is no room in that
    layout, so those dates are spread over the first day of 2020's ids, still in order."""
    at_ms = int(moment.replace(tzinfo=dt.UTC).timestamp() * 1000)
    if at_ms > EPOCH_MS:
        return ((at_ms - EPOCH_MS) << SEQUENCE_BITS) | secrets.randbits(SEQUENCE_BITS)
    offset = max(0, at_ms - _PRE_EPOCH_START_MS)
    span = EPOCH_MS - _PRE_EPOCH_START_MS
    slot = _PRE_EPOCH_SPAN_IDS // span  # ids per millisecond
    return 1 + offset * slot + secrets.randbelow(slot)


@dataclass
class ChunkResult:
    imported: int = 0
    skipped: int = 0
    media: int = 0
    # Files written under uploads_dir: removed by the caller if the transaction fails.
    written: list[str] = field(default_factory=list)


def _archive_media(
    settings: Settings, archive: zipfile.ZipFile, path: str, written: list[str]
) -> tuple[media_service.ProcessedMedia, str | None, str | None] | None:
    """An archive file stored as an upload is (thread work): what it is, its path and its
    thumbnail's; None when it is missing, too large, unreadable or not an image, video or
    audio file."""
    try:
        data = read_entry(archive, path, settings.max_upload_size)
    except DomainError:
        return None
    if not data:
        return None
    probe = media_probe.sniff(io.BytesIO(data))
    if probe is None:
        return None
    try:
        if probe.kind == "image":
            processed = media_service.process_image_file(data, "file")
        else:
            processed = media_service.ProcessedMedia(
                kind=probe.kind, mime=probe.mime, extension=probe.extension,
                size=len(data), data=data,
            )  # fmt: skip
    except (DomainError, OSError, ValueError):  # an image Pillow cannot take: skipped
        return None
    # media.py's writer: a random name under uploads_dir/attachments/, paths recorded in
    # ``written`` as they are made.
    file_path, thumbnail_path = media_service.store_files(
        settings, processed, processed.thumbnail, written
    )
    return processed, file_path, thumbnail_path


async def _media_rows(
    settings: Settings,
    archive: zipfile.ZipFile,
    account: Account,
    status_id: int,
    refs: list[dict],
    result: ChunkResult,
) -> list[MediaAttachment]:
    rows: list[MediaAttachment] = []
    for ref in refs:
        values = {
            "description": (ref.get("description") or "").strip()[
                : settings.media_description_limit
            ]
            or None,
            "blurhash": ref.get("blurhash"),
            "focus_x": ref["focus"][0] if ref.get("focus") else None,
            "focus_y": ref["focus"][1] if ref.get("focus") else None,
        }
        if ref.get("path"):
            stored = await to_thread.run_sync(
                _archive_media, settings, archive, ref["path"], result.written
            )
            if stored is None:
                continue
            processed, file_path, thumbnail_path = stored
            values.update(
                type=processed.kind,
                mime_type=processed.mime,
                file_path=file_path,
                thumbnail_path=thumbnail_path,
                file_size=processed.size,
                meta=processed.meta,
                blurhash=processed.blurhash or values["blurhash"],
            )
        elif ref.get("url"):
            mime = ref.get("media_type") or "application/octet-stream"
            top = mime.split("/", 1)[0]
            values.update(
                type=top if top in ("image", "video", "audio") else "unknown",
                mime_type=mime[:127],
                remote_url=ref["url"],
                meta={},
            )
        else:
            continue
        rows.append(
            MediaAttachment(
                id=new_id(), account_id=account.id, status_id=status_id,
                position=len(rows), **values,
            )
        )  # fmt: skip
    result.media += len(rows)
    return rows


async def _free_id(session: AsyncSession, moment: dt.datetime) -> int:
    for _ in range(5):
        candidate = history_row_id(moment)
        if await session.get(Status, candidate) is None:
            return candidate
    return new_id()


async def import_items(
    session: AsyncSession,
    settings: Settings,
    account: Account,
    archive: zipfile.ZipFile,
    items: list[dict],
    written: list[str],
) -> ChunkResult:
    """Write ``items`` (``ArchiveItem.to_json()`` values, oldest first) as statuses of
    ``account`` in the caller's transaction; the caller commits. Media files are appended
    to ``written`` as they are made: the caller removes them if the transaction fails."""
    result = ChunkResult(written=written)
    wanted = list(dict.fromkeys([i["key"] for i in items] + [i["parent_key"] for i in items]))
    wanted = [key for key in wanted if key]
    known: dict[str, Status] = {}
    if wanted:
        rows = await session.scalars(
            select(Status).where(
                Status.account_id == account.id,
                Status.url.in_(wanted),
                Status.reblog_of_id.is_(None),
            )
        )
        for status in rows:
            known.setdefault(status.url, status)
    newest: dt.datetime | None = None
    for item in items:
        if item["key"] in known:
            result.skipped += 1
            continue
        created_at = dt.datetime.fromisoformat(item["published"])
        created_at = min(created_at, utcnow())
        status_id = await _free_id(session, created_at)
        parent = known.get(item["parent_key"]) if item["parent_key"] else None
        conversation_id = (parent.conversation_id or parent.id) if parent else status_id
        status = Status(
            id=status_id,
            uri=object_uri(settings, status_id),
            url=item["key"],
            account_id=account.id,
            local=True,
            visibility=item["visibility"],
            content_type="text/html",
            source=item["content"],
            content=item["content"],
            spoiler_text=item["spoiler_text"],
            sensitive=item["sensitive"],
            language=item["language"],
            in_reply_to_id=parent.id if parent else None,
            in_reply_to_account_id=parent.account_id if parent else None,
            in_reply_to_uri=parent.uri if parent else item["in_reply_to"],
            conversation_id=conversation_id,
            context=(parent.context if parent else None) or context_uri(settings, conversation_id),
            emojis=item["emojis"],
            created_at=created_at,
        )
        session.add(status)
        await session.flush()
        media = await _media_rows(
            settings, archive, account, status_id, item["attachments"], result
        )
        status.has_media = bool(media)
        session.add_all(media)
        for hashtag_id in await hashtag_ids(session, item["hashtags"]):
            session.add(StatusTag(status_id=status_id, hashtag_id=hashtag_id))
        if parent is not None and open_to_everyone(status.visibility):
            await session.execute(
                update(Status)
                .where(Status.id == parent.id)
                .values(replies_count=Status.replies_count + 1)
            )
        known[item["key"]] = status
        result.imported += 1
        newest = created_at if newest is None else max(newest, created_at)
    if result.imported:
        values = {"statuses_count": Account.statuses_count + result.imported}
        if account.last_status_at is None or newest > account.last_status_at:
            values["last_status_at"] = newest
        await session.execute(update(Account).where(Account.id == account.id).values(**values))
    await session.flush()
    return result
