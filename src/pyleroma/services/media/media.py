"""Media attachments: an upload is checked, processed and stored before any status uses it.

The type comes from the bytes (``media_probe.sniff``), never from the client's file name or
content type; only images, video and audio are accepted (415 otherwise). Images are decoded
and re-encoded by Pillow (``services/media/images.py``, shared with profile images): EXIF and every
other piece of metadata (GPS position, camera serial, comments) is dropped, the EXIF
orientation is applied to the pixels first, and a thumbnail (at most 640 x 640) and a blurhash
are made. Video and audio are stored byte for byte (no transcoder here), with an optional
client-supplied image thumbnail as their preview.

Files go under ``uploads_dir/attachments/<xx>/<random>.<ext>``: a random unguessable name
and an extension from the sniffed (or re-encoded) type, so the /media mount serves them
with the right Content-Type. Errors: a file over ``max_upload_size`` is 413, an unaccepted
type 415, an image that can't be decoded or is too large in pixels 422.

Processing is synchronous: the answer of POST /api/v1/media and /api/v2/media already has
its ``url``. Everything is checked and processed before the first file is written; the
files are removed again when the database write fails. (Attachments never used by a status
stay until a cleanup job removes them; see docs/api/media.md.)
"""

from __future__ import annotations

import io
import math
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from anyio import to_thread
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from pyleroma.db.ids import new_id, parse_id
from pyleroma.errors import NotFound, TooLarge, Unprocessable, UnsupportedMedia
from pyleroma.models import Account, MediaAttachment
from pyleroma.services.media import blurhash, images, media_probe
from pyleroma.settings import Settings

STORAGE_PREFIX = "attachments/"
# Originals keep their resolution up to this box (the pixel cap in images.py comes first).
ORIGINAL_BOX = (8192, 8192)
THUMBNAIL_BOX = (640, 640)
MEDIA_FORMATS = images.ACCEPTED_FORMATS + (("AVIF",) if media_probe.AVIF_SUPPORTED else ())
IMAGE_LABEL = "PNG, JPEG, GIF, WebP" + (" or AVIF" if media_probe.AVIF_SUPPORTED else "")
ACCEPTED_LABEL = (
    f"images ({IMAGE_LABEL}), video (MP4, MOV, WebM) or audio (MP3, Ogg, WAV, FLAC, M4A)"
)
COPY_CHUNK = 1024 * 1024


@dataclass
class MediaChanges:
    """Checked parameters of an upload or an update (``None``: not given / unchanged)."""

    description: str | None = None
    description_given: bool = False
    focus: tuple[float, float] | None = None
    thumbnail: images.ProcessedImage | None = None
    thumbnail_meta: dict = field(default_factory=dict)
    thumbnail_blurhash: str | None = None


@dataclass
class ProcessedMedia:
    """A checked upload, not yet written: re-encoded image bytes or the original stream."""

    kind: str
    mime: str
    extension: str
    size: int
    data: bytes | None = None
    source: BinaryIO | None = None
    meta: dict = field(default_factory=dict)
    blurhash: str | None = None
    thumbnail: images.ProcessedImage | None = None


# -- checks ---------------------------------------------------------------------------------


def parse_focus(value) -> tuple[float, float] | None:
    """Mastodon's focal point: ``"x,y"`` (or ``[x, y]``), each from -1.0 to 1.0; 422 else."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        parts = value.split(",")
    elif isinstance(value, list | tuple):
        parts = list(value)
    elif isinstance(value, dict) and set(value) == {"x", "y"}:
        parts = [value["x"], value["y"]]
    else:
        raise Unprocessable('focus: must be two numbers "x,y" from -1.0 to 1.0')
    try:
        if len(parts) != 2 or any(isinstance(p, bool) for p in parts):
            raise ValueError
        x, y = (float(p) for p in parts)
    except (TypeError, ValueError) as exc:
        raise Unprocessable('focus: must be two numbers "x,y" from -1.0 to 1.0') from exc
    if not (math.isfinite(x) and math.isfinite(y)) or not (-1 <= x <= 1 and -1 <= y <= 1):
        raise Unprocessable("focus: x and y must be from -1.0 to 1.0")
    return x, y


def check_description(settings: Settings, value) -> str | None:
    """The alt text, at most ``media_description_limit`` characters; empty means none."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unprocessable("description: must be a string")
    if len(value) > settings.media_description_limit:
        raise Unprocessable(
            f"description: is too long (maximum is {settings.media_description_limit} characters)"
        )
    return value or None


def check_upload_size(upload: UploadFile, limit: int, name: str) -> int:
    """The upload's size; 413 past ``limit``, 422 when empty (the file is rewound)."""
    upload.file.seek(0, 2)
    size = upload.file.tell()
    upload.file.seek(0)
    if size > limit:
        raise TooLarge("File is too large")
    if size == 0:
        raise Unprocessable(f"{name}: the file is empty")
    return size


# -- processing (CPU and file work; run in a thread) ------------------------------------------


def _dimensions(image: images.ProcessedImage) -> dict:
    return {
        "width": image.width,
        "height": image.height,
        "size": f"{image.width}x{image.height}",
        "aspect": image.width / image.height,
    }


def _blurhash_of(image: images.ProcessedImage) -> str | None:
    try:
        with Image.open(io.BytesIO(image.data)) as decoded:
            return blurhash.encode_image(decoded)
    except (OSError, ValueError):  # never fail an upload over its placeholder
        return None


def _fits(size: tuple[int, int], box: tuple[int, int]) -> bool:
    return size[0] <= box[0] and size[1] <= box[1]


def process_image_file(data: bytes, name: str = "file") -> ProcessedMedia:
    """Re-encode an image upload and make its thumbnail, meta and blurhash."""
    image = images.open_image(data, name, MEDIA_FORMATS, IMAGE_LABEL)
    try:
        small_enough = _fits(image.size, THUMBNAIL_BOX)
        boxes = [ORIGINAL_BOX] if small_enough else [ORIGINAL_BOX, THUMBNAIL_BOX]
        variants = images.encode_variants(image, boxes, name)
    finally:
        image.close()
    original = variants[0]
    small = variants[-1]
    return ProcessedMedia(
        kind="image",
        mime=media_probe.SERVED_TYPES[original.extension],
        extension=original.extension,
        size=len(original.data),
        data=original.data,
        meta={"original": _dimensions(original), "small": _dimensions(small)},
        blurhash=_blurhash_of(small),
        thumbnail=None if small is original else small,
    )


def process_thumbnail(data: bytes) -> images.ProcessedImage:
    """A client's preview image for video or audio, shrunk to the thumbnail box."""
    image = images.open_image(data, "thumbnail", MEDIA_FORMATS, IMAGE_LABEL)
    try:
        return images.encode_variants(image, [THUMBNAIL_BOX], "thumbnail")[0]
    finally:
        image.close()


def _process_upload(upload: UploadFile, size: int) -> ProcessedMedia:
    probe = media_probe.sniff(upload.file)
    if probe is None:
        raise UnsupportedMedia(f"file: not a supported type: {ACCEPTED_LABEL}")
    if probe.kind == "image":
        return process_image_file(upload.file.read(), "file")
    return ProcessedMedia(
        kind=probe.kind,
        mime=probe.mime,
        extension=probe.extension,
        size=size,
        source=upload.file,
    )


def _new_base_name() -> str:
    token = secrets.token_hex(16)
    return f"{STORAGE_PREFIX}{token[:2]}/{token}"


def _write(settings: Settings, relative: str, data: bytes | None, source: BinaryIO | None):
    path = settings.uploads_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if source is not None:
        source.seek(0)
        with path.open("xb") as out:
            shutil.copyfileobj(source, out, COPY_CHUNK)
    else:
        with path.open("xb") as out:
            out.write(data or b"")


def media_file(settings: Settings, relative: str | None) -> Path | None:
    """The file behind an attachment's stored path, if it is one of ours."""
    return images.stored_path(settings, relative, prefix=STORAGE_PREFIX)


def delete_files(settings: Settings, *relatives: str | None) -> None:
    """Remove stored attachment files; missing files and foreign paths are ignored."""
    for relative in relatives:
        path = media_file(settings, relative)
        if path is not None:
            path.unlink(missing_ok=True)


def store_files(
    settings: Settings,
    processed: ProcessedMedia | None,
    thumbnail: images.ProcessedImage | None,
    written: list[str],
) -> tuple[str | None, str | None]:
    """Write the file and/or thumbnail; every written path is appended to ``written``."""
    base = _new_base_name()
    file_path = thumbnail_path = None
    if processed is not None:
        file_path = f"{base}.{processed.extension}"
        _write(settings, file_path, processed.data, processed.source)
        written.append(file_path)
    if thumbnail is not None:
        thumbnail_path = f"{base}-small.{thumbnail.extension}"
        _write(settings, thumbnail_path, thumbnail.data, None)
        written.append(thumbnail_path)
    return file_path, thumbnail_path


# -- use cases ----------------------------------------------------------------------------------


async def check_changes(settings: Settings, params) -> MediaChanges:
    """Validate description, focus and thumbnail of an upload or update (``params``: Params)."""
    changes = MediaChanges()
    if params.has("description"):
        changes.description_given = True
        changes.description = check_description(settings, params.raw("description"))
    changes.focus = parse_focus(params.raw("focus"))
    thumbnail = params.file("thumbnail")
    if thumbnail is not None:
        check_upload_size(thumbnail, settings.max_media_thumbnail_size, "thumbnail")
        data = await thumbnail.read()
        changes.thumbnail = await to_thread.run_sync(process_thumbnail, data)
        changes.thumbnail_meta = {"small": _dimensions(changes.thumbnail)}
        changes.thumbnail_blurhash = await to_thread.run_sync(_blurhash_of, changes.thumbnail)
    return changes


async def create_media(
    session: AsyncSession,
    settings: Settings,
    account: Account,
    upload: UploadFile | None,
    changes: MediaChanges,
) -> MediaAttachment:
    """Process and store an upload for ``account``; commits. Not attached to a status yet."""
    if upload is None:
        raise Unprocessable("file: is required")
    size = check_upload_size(upload, settings.max_upload_size, "file")
    processed = await to_thread.run_sync(_process_upload, upload, size)
    if changes.thumbnail is not None and processed.kind == "image":
        raise Unprocessable("thumbnail: only video and audio take a custom thumbnail")
    meta = dict(processed.meta)
    preview_hash = processed.blurhash
    if changes.thumbnail is not None:
        meta.update(changes.thumbnail_meta)
        preview_hash = changes.thumbnail_blurhash
    thumbnail = processed.thumbnail or changes.thumbnail

    written: list[str] = []
    try:
        file_path, thumbnail_path = await to_thread.run_sync(
            store_files, settings, processed, thumbnail, written
        )
        media = MediaAttachment(
            id=new_id(),
            account_id=account.id,
            type=processed.kind,
            mime_type=processed.mime,
            file_path=file_path,
            thumbnail_path=thumbnail_path,
            file_size=processed.size,
            description=changes.description,
            focus_x=changes.focus[0] if changes.focus else None,
            focus_y=changes.focus[1] if changes.focus else None,
            meta=meta,
            blurhash=preview_hash,
        )
        session.add(media)
        # Never attached by then: purged (services/media/media_cleanup.py, imported late: it
        # builds on this module).
        from pyleroma.services.media.media_cleanup import schedule_purge

        await schedule_purge(session, settings, [media.id])
        await session.commit()
    except BaseException:
        await session.rollback()
        delete_files(settings, *written)
        raise
    return media


async def get_own_media(session: AsyncSession, account: Account, media_id) -> MediaAttachment:
    """The account's own attachment; 404 for a missing id and for anyone else's media (its
    existence is not revealed)."""
    parsed = parse_id(media_id)
    media = await session.get(MediaAttachment, parsed) if parsed is not None else None
    if media is None or media.account_id != account.id:
        raise NotFound()
    return media


async def update_media(
    session: AsyncSession, settings: Settings, media: MediaAttachment, changes: MediaChanges
) -> MediaAttachment:
    """Change description, focus or (video/audio) thumbnail; commits.

    As in Pleroma, media already attached to a status can still be described (Pleroma-FE
    sets descriptions this way when a post is edited). A replaced thumbnail file is removed
    after the commit.
    """
    if changes.thumbnail is not None and media.type == "image":
        raise Unprocessable("thumbnail: only video and audio take a custom thumbnail")
    if changes.description_given:
        media.description = changes.description
    if changes.focus is not None:
        media.focus_x, media.focus_y = changes.focus
    written: list[str] = []
    old_thumbnail = None
    try:
        if changes.thumbnail is not None:
            _, thumbnail_path = await to_thread.run_sync(
                store_files, settings, None, changes.thumbnail, written
            )
            old_thumbnail = media.thumbnail_path
            media.thumbnail_path = thumbnail_path
            media.meta = {**(media.meta or {}), **changes.thumbnail_meta}
            media.blurhash = changes.thumbnail_blurhash
        await session.commit()
    except BaseException:
        await session.rollback()
        delete_files(settings, *written)
        raise
    if old_thumbnail:
        delete_files(settings, old_thumbnail)
    return media
