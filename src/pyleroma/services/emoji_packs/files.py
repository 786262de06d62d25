"""The files of a pack: add (an upload, a URL, or a zip of many), rename or move, delete
(Pleroma's ``EmojiFileController`` and ``Pack.add_file``/``update_file``/``delete_file``).

What Pleroma accepts as it comes is checked here, since an emoji is served to everyone:

- a shortcode matches ``[A-Za-z0-9_-]+`` (422) and is not used by any loaded emoji nor by
  the pack (409; Pleroma's ``force`` lets a rename take a used one);
- a file name is a relative path inside the pack (archives.safe_relative: no ``..``, no
  absolute path, no hidden segment, no backslash), not the pack's own ``pack.json`` or
  ``emoji.txt``, and is written only where it resolves inside the pack (a symlinked folder
  pointing elsewhere is refused); a name another emoji of the pack uses is a 409 unless
  ``force``;
- the bytes are at most ``emoji_max_file_size`` (413) and must sniff as an image type
  emoji are served as, PNG (APNG), GIF, JPEG, WebP or AVIF (415): never SVG, whatever the
  name or the Content-Type said;
- a URL is fetched through the guarded federation client (fetch.guarded_get: the SSRF guard
  at every redirect hop, instance blocks, the time limit, the size cap while reading).

An upload that is a zip archive (by its bytes) adds every image in it whose shortcode (the
file's name without extension) is free, at its path in the archive, as Pleroma does; the
archive is read with archives.read_archive's caps (``emoji_pack_max_files``,
``emoji_pack_max_archive_size``). Each answer is the pack's files map, by shortcode.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from starlette.datastructures import UploadFile

from pyleroma.errors import (
    BadRequest,
    Conflict,
    TooLarge,
    Unprocessable,
    UnsupportedMedia,
)
from pyleroma.services.emoji_packs.archives import is_zip, read_archive, safe_relative
from pyleroma.services.emoji_packs.packs import (
    Pack,
    disk_errors,
    inside,
    locked,
    read_pack,
    write_pack,
    write_whole,
)
from pyleroma.services.media.media_probe import sniff
from pyleroma.services.text.emoji import PACK_FILE, TXT_FILE, is_shortcode, packs_changed
from pyleroma.settings import Settings

log = logging.getLogger("pyleroma.emoji_packs")

IMAGE_ACCEPT = "image/png, image/gif, image/jpeg, image/webp, image/avif;q=0.9, image/*;q=0.5"
RESERVED = frozenset({PACK_FILE, TXT_FILE})
IMAGE_TYPES = "PNG, GIF, JPEG, WebP or AVIF"


@dataclass
class Incoming:
    """A file to add: its bytes and the name it came with (upload or URL)."""

    data: bytes
    name: str


def _not_found(name: str) -> str:
    return f'pack "{name}" is not found'


def check_shortcode(value: str, what: str = "shortcode") -> str:
    if not is_shortcode(value):
        raise Unprocessable(f"{what}: may contain only letters, digits, '_' and '-'")
    return value


def check_filename(value: str, what: str = "filename") -> str:
    name = safe_relative(value)
    if name is None:
        raise Unprocessable(
            f"{what}: must be a relative path inside the pack, without '..', '\\' or "
            "segments starting with '.'"
        )
    if name.lower() in RESERVED:
        raise Unprocessable(f"{what}: {name} is the pack's own file")
    return name


def check_image(data: bytes, what: str) -> str:
    """The image's MIME type; 415 for anything emoji are not served as."""
    probe = sniff(io.BytesIO(data))
    if probe is None or probe.kind != "image":
        raise UnsupportedMedia(f"{what}: not a supported image ({IMAGE_TYPES})")
    return probe.mime


def basename(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).name


def stem(name: str) -> str:
    return os.path.splitext(basename(name))[0]


# --- where bytes come from ---------------------------------------------------------------


def _read_upload(upload: UploadFile, settings: Settings) -> bytes:
    handle = upload.file
    handle.seek(0)
    head = handle.read(8)
    limit = settings.emoji_pack_max_archive_size if is_zip(head) else settings.emoji_max_file_size
    handle.seek(0, 2)
    size = handle.tell()
    if size > limit:
        raise TooLarge("File is too large")
    if size == 0:
        raise Unprocessable("file: the file is empty")
    handle.seek(0)
    return handle.read()


async def from_upload(settings: Settings, upload: UploadFile) -> Incoming:
    data = await asyncio.to_thread(_read_upload, upload, settings)
    return Incoming(data, basename(upload.filename or ""))


def url_basename(url: str) -> str:
    try:
        return basename(unquote(urlsplit(url).path))
    except ValueError:
        return ""


async def from_url(settings: Settings, url: str) -> Incoming:
    """The image at ``url``: 413 past ``emoji_max_file_size``, 422 when it cannot be had."""
    from pyleroma.federation.errors import FetchError
    from pyleroma.federation.fetch import guarded_get

    try:
        reply = await guarded_get(
            settings,
            url,
            accept=IMAGE_ACCEPT,
            cross_host_redirects=True,
            max_bytes=settings.emoji_max_file_size,
        )
    except FetchError as exc:
        if "bytes a fetch may read" in exc.reason:  # fetch.py's size-cap refusals
            raise TooLarge("File is too large") from None
        raise Unprocessable(f"file: could not be downloaded: {exc.reason}") from None
    if not reply.body:
        raise Unprocessable("file: the file is empty")
    return Incoming(reply.body, url_basename(reply.url) or url_basename(url))


# --- writing into a pack ----------------------------------------------------------------


def _target(pack: Pack, relative: str) -> Path:
    """Where ``relative`` is written: its folders made, each resolving inside the pack."""
    base = pack.path.resolve(strict=True)
    target = base / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.parent.resolve().is_relative_to(base) or target.is_symlink():
        raise Unprocessable(f"filename: {relative} is not inside the pack")
    if target.exists() and not target.is_file():
        raise Conflict(f"filename: {relative} is a folder of the pack")
    return target


def _users(pack: Pack, relative: str, but: str | None = None) -> list[str]:
    """Shortcodes of the pack (but ``but``) whose file is ``relative``."""
    return [
        code for code, file in pack.files.items() if code != but and safe_relative(file) == relative
    ]


def _prune(pack: Pack, path: Path) -> None:
    """Remove ``path``'s folders left empty, up to the pack's own folder (Pleroma removes
    a subfolder a rename or a deletion emptied)."""
    base = pack.path.resolve()
    folder = path.parent
    while folder != base and folder.is_relative_to(base):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _taken(settings: Settings, pack: Pack, shortcode: str) -> bool:
    from pyleroma.services.text.emoji import registry_for

    return shortcode in pack.files or registry_for(settings).get(shortcode) is not None


def _add_one(settings: Settings, name: str, shortcode: str, filename: str, data: bytes) -> dict:
    check_image(data, "file")
    pack = read_pack(settings, name, _not_found(name))
    with locked(pack.path):
        pack = read_pack(settings, name, _not_found(name))
        if _taken(settings, pack, shortcode):
            raise Conflict(f'An emoji with the "{shortcode}" shortcode already exists')
        if _users(pack, filename):
            raise Conflict(f'The file "{filename}" is used by another emoji of the pack')
        write_whole(_target(pack, filename), data)
        pack.files[shortcode] = filename
        write_pack(pack)
    packs_changed(settings)
    return dict(sorted(pack.files.items()))


def _add_zip(settings: Settings, name: str, archive: bytes) -> dict:
    found = read_archive(
        archive,
        max_files=settings.emoji_pack_max_files,
        max_file_size=settings.emoji_max_file_size,
        max_total=settings.emoji_pack_max_archive_size,
    )
    pack = read_pack(settings, name, _not_found(name))
    added = 0
    with locked(pack.path):
        pack = read_pack(settings, name, _not_found(name))
        for path, data in sorted(found.items()):
            shortcode = stem(path)
            if path.lower() in RESERVED or not is_shortcode(shortcode):
                continue
            if _taken(settings, pack, shortcode) or _users(pack, path):
                continue
            try:
                check_image(data, path)
                target = _target(pack, path)
            except (UnsupportedMedia, Unprocessable, Conflict) as exc:
                log.info("emoji pack %s: %s from the zip skipped: %s", name, path, exc.message)
                continue
            write_whole(target, data)
            pack.files[shortcode] = path
            added += 1
        if added:
            write_pack(pack)
    if added:
        packs_changed(settings)
    return dict(sorted(pack.files.items()))


async def add_file(
    settings: Settings,
    name: str,
    file: object,
    shortcode: str | None,
    filename: str | None,
) -> dict:
    """Add ``file`` (an upload or a URL) to pack ``name``; answers the files map."""
    await asyncio.to_thread(read_pack, settings, name, _not_found(name))
    if isinstance(file, UploadFile):
        head = await asyncio.to_thread(_head, file)
        if is_zip(head):
            incoming = await from_upload(settings, file)
            with disk_errors("Adding the files"):
                return await asyncio.to_thread(_add_zip, settings, name, incoming.data)
        default_name = basename(file.filename or "")
    elif isinstance(file, str) and file.strip():
        default_name = url_basename(file.strip())
    else:
        raise BadRequest("Missing field: file.")
    filename = default_name if filename is None else filename
    shortcode = stem(filename) if shortcode is None else shortcode
    if not shortcode or not filename:
        raise Unprocessable("pack name, shortcode or filename cannot be empty")
    shortcode = check_shortcode(shortcode)
    filename = check_filename(filename)
    if isinstance(file, UploadFile):
        incoming = await from_upload(settings, file)
    else:
        incoming = await from_url(settings, str(file).strip())
    if len(incoming.data) > settings.emoji_max_file_size:
        raise TooLarge("File is too large")
    with disk_errors("Adding the file"):
        return await asyncio.to_thread(_add_one, settings, name, shortcode, filename, incoming.data)


def _head(upload: UploadFile) -> bytes:
    upload.file.seek(0)
    head = upload.file.read(8)
    upload.file.seek(0)
    return head


def _existing_file(pack: Pack, shortcode: str) -> tuple[str, Path]:
    relative = pack.files.get(shortcode) if shortcode else None
    found = inside(pack.path, relative) if relative is not None else None
    if found is None or relative is None:
        raise BadRequest(f'Emoji "{shortcode}" does not exist')
    return safe_relative(relative) or relative, found


def _update(
    settings: Settings,
    name: str,
    shortcode: str,
    new_shortcode: str,
    new_filename: str,
    force: bool,
) -> dict:
    pack = read_pack(settings, name, _not_found(name))
    with locked(pack.path):
        pack = read_pack(settings, name, _not_found(name))
        old_relative, old_path = _existing_file(pack, shortcode)
        if new_shortcode != shortcode and not force and _taken(settings, pack, new_shortcode):
            raise Conflict(
                f'New shortcode "{new_shortcode}" is already used. If you want to override '
                "emoji use 'force' option"
            )
        if new_filename != old_relative:
            others = set(_users(pack, new_filename, but=shortcode)) - {new_shortcode}
            target = _target(pack, new_filename)
            if (others or target.exists()) and not force:
                raise Conflict(
                    f'The file "{new_filename}" already exists in the pack. If you want to '
                    "override it use 'force' option"
                )
            if _users(pack, old_relative, but=shortcode):  # another emoji keeps the old file
                shutil.copyfile(old_path, target)
            else:
                os.replace(old_path, target)
                _prune(pack, old_path)
        del pack.files[shortcode]
        pack.files[new_shortcode] = new_filename
        write_pack(pack)
    packs_changed(settings)
    return dict(sorted(pack.files.items()))


async def update_file(
    settings: Settings,
    name: str,
    shortcode: str,
    new_shortcode: str,
    new_filename: str,
    force: bool,
) -> dict:
    """Rename the emoji ``shortcode`` and/or move its file; answers the files map."""
    await asyncio.to_thread(read_pack, settings, name, _not_found(name))
    if not shortcode or not new_shortcode or not new_filename:
        raise Unprocessable("new_shortcode or new_filename cannot be empty")
    new_shortcode = check_shortcode(new_shortcode, "new_shortcode")
    new_filename = check_filename(new_filename, "new_filename")
    with disk_errors("Updating the file"):
        return await asyncio.to_thread(
            _update, settings, name, shortcode, new_shortcode, new_filename, force
        )


def _delete(settings: Settings, name: str, shortcode: str) -> dict:
    pack = read_pack(settings, name, _not_found(name))
    with locked(pack.path):
        pack = read_pack(settings, name, _not_found(name))
        if shortcode not in pack.files:
            raise BadRequest(f'Emoji "{shortcode}" does not exist')
        relative = safe_relative(pack.files.pop(shortcode))
        found = inside(pack.path, relative) if relative is not None else None
        if found is not None and relative is not None and not _users(pack, relative):
            found.unlink()
            _prune(pack, found)
        write_pack(pack)
    packs_changed(settings)
    return dict(sorted(pack.files.items()))


async def delete_file(settings: Settings, name: str, shortcode: str) -> dict:
    """Remove the emoji ``shortcode`` from the pack, and its file unless another emoji of
    the pack uses it; answers the files map."""
    await asyncio.to_thread(read_pack, settings, name, _not_found(name))
    if not shortcode:
        raise Unprocessable("pack name or shortcode cannot be empty")
    with disk_errors("Deleting the file"):
        return await asyncio.to_thread(_delete, settings, name, shortcode)
