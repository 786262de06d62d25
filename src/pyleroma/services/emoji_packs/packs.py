"""Emoji packs as the pack API sees them: directories of the emoji directory holding a
``pack.json`` (Pleroma's ``Pleroma.Emoji.Pack``).

pack.json is ``{"files": {shortcode: path}, "pack": {metadata}, "files_count": n}``; the
metadata keys Pleroma knows are ``license``, ``homepage``, ``description``,
``fallback-src``, ``fallback-src-sha256`` and ``share-files``. Packs without pack.json
(emoji.txt or plain folders) load as emoji (services/text/emoji.py) but are not packs here
until ``import_packs`` writes their pack.json, as in Pleroma.

Names. A pack name is one folder name: trimmed, not empty, no ``/`` or ``\\``, not
starting with ``.``, no control characters, at most 255 characters (archives.safe_relative
for a single segment). The name is only ever joined to the emoji directory after that
check, so no request can reach outside it.

Writes are whole: pack.json is written under a temporary name and renamed over the old
one, under an exclusive ``flock`` on the pack's ``.pack.lock`` (the lock StealEmojiPolicy
takes too), so concurrent requests, jobs and processes never lose each other's changes.
Creating, deleting, importing and installing downloaded packs take ``.packs.lock`` of the
emoji directory. After every change ``packs_changed`` tells every process
(services/text/emoji.py), so ``/api/v1/custom_emojis`` shows it at once.

Sharing. A pack can be downloaded (``can-download``) when its metadata says
``share-files: true``, every file it lists is a file inside it, and it stays within the
caps a peer of ours would accept (``emoji_pack_max_files``, ``emoji_pack_max_archive_size``
for the files together). Its listing then carries ``download-sha256``, the digest of the
archive ``GET /emoji/packs/archive`` serves (archives.py builds it byte for byte the same).

File work blocks, so the async functions here run it in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyleroma.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Unavailable,
    Unprocessable,
)
from pyleroma.services.emoji_packs.archives import (
    PACK_FILE,
    archive_digest,
    build_archive,
    safe_relative,
)
from pyleroma.services.text.emoji import manifest_files, packs_changed
from pyleroma.settings import Settings
from pyleroma.values import parse_bool

log = logging.getLogger("pyleroma.emoji_packs")

PACK_LOCK = ".pack.lock"
PACKS_LOCK = ".packs.lock"
MAX_PACK_JSON = 5_000_000
# Added to the metadata when a pack is shown; never stored.
COMPUTED_KEYS = ("can-download", "download-sha256")
MAX_METADATA_KEYS = 50
MAX_METADATA_TEXT = 10_000


@dataclass
class Pack:
    name: str
    path: Path
    files: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        """pack.json's content, in Pleroma's shape."""
        files = dict(sorted(self.files.items()))
        return {"files": files, "pack": self.meta, "files_count": len(files)}


# --- names and paths ---------------------------------------------------------------------


def check_name(raw: object, what: str = "pack name") -> str:
    """A valid pack name from a request value (module docstring); 400 otherwise."""
    name = raw.strip() if isinstance(raw, str) else ""
    if not name:
        raise BadRequest(f"{what} cannot be empty")
    if "/" in name or safe_relative(name) != name:
        raise BadRequest(
            f"{what} must be a single folder name: no '/' or '\\', no leading '.', "
            "no control characters, at most 255 characters"
        )
    return name


def pack_path(settings: Settings, name: str) -> Path:
    """The directory of pack ``name`` (already checked by ``check_name``)."""
    return settings.emoji_directory / name


def pack_exists(settings: Settings, name: str) -> bool:
    return (pack_path(settings, name) / PACK_FILE).is_file()


# --- pack.json ---------------------------------------------------------------------------


def _clean_files(files: object) -> dict[str, str]:
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}


def read_pack(settings: Settings, name: str, missing: str | None = None) -> Pack:
    """Pack ``name`` as its pack.json says; 404 (``missing`` or Pleroma's message) when it
    has none, 422 when pack.json cannot be read. Blocking."""
    path = pack_path(settings, name)
    manifest = path / PACK_FILE
    try:
        if not manifest.is_file():
            raise NotFound(missing or f"Pack {name} does not exist")
        if manifest.stat().st_size > MAX_PACK_JSON:
            raise Unprocessable(f"The pack.json of pack {name} is too large")
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        log.warning("emoji pack %s: pack.json unreadable: %s", name, exc)
        raise Unprocessable(f"The pack.json of pack {name} cannot be read") from None
    if not isinstance(data, dict):
        raise Unprocessable(f"The pack.json of pack {name} cannot be read")
    meta = data.get("pack")
    return Pack(name, path, _clean_files(data.get("files")), meta if isinstance(meta, dict) else {})


def write_whole(path: Path, data: bytes) -> None:
    """``data`` at ``path``, never seen half-written (a temporary file renamed over it)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def write_pack(pack: Pack) -> None:
    body = json.dumps(pack.document(), indent=2, ensure_ascii=False).encode("utf-8")
    write_whole(pack.path / PACK_FILE, body)


@contextlib.contextmanager
def locked(directory: Path, name: str = PACK_LOCK) -> Iterator[None]:
    """An exclusive ``flock`` on ``directory/name``, across threads and processes."""
    fd = os.open(directory / name, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def disk_errors(action: str) -> Iterator[None]:
    """A file system failure (read-only, full, permissions) as a 503 naming the action."""
    try:
        yield
    except OSError as exc:
        log.error("emoji packs: %s failed: %s", action, exc)
        raise Unavailable(f"{action} failed: {exc.strerror or type(exc).__name__}") from None


# --- metadata ----------------------------------------------------------------------------


def _is_hex_digest(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 64
        and all(c in "0123456789abcdefABCDEF" for c in value)
    )


def _is_http_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def clean_metadata(raw: object, *, strict: bool = True) -> dict[str, Any]:
    """Pack metadata fit to store: plain values only, ``share-files`` a boolean,
    ``fallback-src`` an http(s) URL, ``fallback-src-sha256`` a hex SHA-256, the computed
    keys dropped. ``strict``: a bad value is a 422 naming it (a client's PATCH); otherwise
    it is left out (metadata from another instance)."""
    if not isinstance(raw, dict):
        if strict:
            raise Unprocessable("metadata: must be an object")
        return {}
    clean: dict[str, Any] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or key in COMPUTED_KEYS:
            continue
        try:
            clean[key] = _metadata_value(key, value)
        except Unprocessable:
            if strict:
                raise
        if len(clean) > MAX_METADATA_KEYS:
            if strict:
                raise Unprocessable(f"metadata: at most {MAX_METADATA_KEYS} keys")
            break
    return clean


def _metadata_value(key: str, value: Any) -> Any:
    if len(key) > 100:
        raise Unprocessable("metadata: a key is too long")
    if key == "share-files":
        return parse_bool(value, f"metadata[{key}]")
    given = value not in (None, "")
    if key == "fallback-src" and given and not _is_http_url(value):
        raise Unprocessable(f"metadata[{key}]: must be an http(s) URL")
    if key == "fallback-src-sha256" and given and not _is_hex_digest(value):
        raise Unprocessable(f"metadata[{key}]: must be a hex SHA-256 digest")
    if isinstance(value, str):
        if len(value) > MAX_METADATA_TEXT:
            raise Unprocessable(f"metadata[{key}]: is too long")
        return value
    if value is None or isinstance(value, bool | int | float):
        return value
    raise Unprocessable(f"metadata[{key}]: must be a string, a number or a boolean")


# --- sharing -----------------------------------------------------------------------------


def inside(pack_dir: Path, relative: str) -> Path | None:
    """The file ``relative`` names inside ``pack_dir`` (symlinks followed, which must stay
    inside), or None."""
    name = safe_relative(relative)
    if name is None:
        return None
    try:
        base = pack_dir.resolve(strict=True)
        resolved = (base / name).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return resolved if resolved.is_relative_to(base) and resolved.is_file() else None


def shared_files(settings: Settings, pack: Pack) -> list[str] | None:
    """The files of the pack's archive when it can be downloaded (module docstring), else
    None. Blocking."""
    if pack.meta.get("share-files") is not True:
        return None
    names: set[str] = set()
    total = 0
    for relative in pack.files.values():
        found = inside(pack.path, relative)
        if found is None:
            return None
        names.add(safe_relative(relative) or "")
        total += found.stat().st_size
    if len(names) > settings.emoji_pack_max_files or total > settings.emoji_pack_max_archive_size:
        return None
    return sorted(names)


def pack_to_api(settings: Settings, pack: Pack, shortcodes: list[str] | None = None) -> dict:
    """Pleroma's pack entity: the files (those of ``shortcodes`` if given), their count
    and the metadata with ``can-download`` (and ``download-sha256``). Blocking."""
    files = sorted(pack.files) if shortcodes is None else shortcodes
    meta = dict(pack.meta)
    names = shared_files(settings, pack)
    meta["can-download"] = names is not None
    if names is not None:
        try:
            meta["download-sha256"] = archive_digest(pack.path, names)
        except OSError as exc:  # a file vanished since it was checked
            log.warning("emoji pack %s: archive not built: %s", pack.name, exc)
            meta["can-download"] = False
    return {
        "files": {code: pack.files[code] for code in files},
        "files_count": len(pack.files),
        "pack": meta,
    }


def _page(items: list, page: int, page_size: int) -> list:
    start = (page - 1) * page_size
    return items[start : start + page_size] if page_size > 0 else []


# --- the routes' work --------------------------------------------------------------------


def _pack_names(settings: Settings) -> list[str]:
    try:
        entries = sorted(settings.emoji_directory.iterdir(), key=lambda p: p.name)
    except FileNotFoundError:
        return []
    return [
        e.name
        for e in entries
        if not e.name.startswith(".") and e.is_dir() and (e / PACK_FILE).is_file()
    ]


def _list(settings: Settings, page: int, page_size: int) -> dict:
    packs = []
    for name in _pack_names(settings):
        try:
            packs.append(read_pack(settings, name))
        except (NotFound, Unprocessable):
            continue  # logged by read_pack; Pleroma leaves unreadable packs out too
    shown = {p.name: pack_to_api(settings, p) for p in _page(packs, page, page_size)}
    return {"packs": shown, "count": len(packs)}


async def list_packs(settings: Settings, page: int, page_size: int) -> dict:
    """``{"packs": {name: pack}, "count": n}``: the page of packs (by name) and how many
    there are in all."""
    with disk_errors("Reading the emoji packs"):
        return await asyncio.to_thread(_list, settings, page, page_size)


def _show(settings: Settings, name: str, page: int, page_size: int) -> dict:
    pack = read_pack(settings, name)
    return pack_to_api(settings, pack, _page(sorted(pack.files), page, page_size))


async def show_pack(settings: Settings, name: str, page: int, page_size: int) -> dict:
    """One pack with a page of its files (by shortcode) and the count of all of them."""
    with disk_errors(f"Reading the {name} pack"):
        return await asyncio.to_thread(_show, settings, name, page, page_size)


def _create(settings: Settings, name: str) -> None:
    settings.emoji_directory.mkdir(parents=True, exist_ok=True)
    with locked(settings.emoji_directory, PACKS_LOCK):
        path = pack_path(settings, name)
        try:
            path.mkdir()
        except FileExistsError:
            raise Conflict(f'A pack named "{name}" already exists') from None
        write_pack(Pack(name, path))
    packs_changed(settings)


async def create_pack(settings: Settings, name: str) -> None:
    """An empty pack (``{"files": {}, "pack": {}, "files_count": 0}``); 409 when a pack
    or folder of that name exists."""
    with disk_errors("Creating the pack"):
        await asyncio.to_thread(_create, settings, name)


def _delete(settings: Settings, name: str) -> None:
    path = pack_path(settings, name)
    if not settings.emoji_directory.is_dir():
        raise NotFound(f"Pack {name} does not exist")
    with locked(settings.emoji_directory, PACKS_LOCK):
        if path.is_symlink():  # a linked pack: the link goes, never what it points at
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        else:
            raise NotFound(f"Pack {name} does not exist")
    packs_changed(settings)


async def delete_pack(settings: Settings, name: str) -> None:
    """The pack's directory and everything in it (any pack folder, with pack.json or not,
    as Pleroma does); 404 when there is none."""
    with disk_errors(f"Deleting the {name} pack"):
        await asyncio.to_thread(_delete, settings, name)


def _save_metadata(settings: Settings, name: str, metadata: dict) -> dict:
    pack = read_pack(settings, name)
    with locked(pack.path):
        pack = read_pack(settings, name)
        pack.meta = metadata
        write_pack(pack)
    packs_changed(settings)
    return metadata


async def update_metadata(settings: Settings, name: str, raw: object) -> dict:
    """Replace the pack's metadata; answers what was stored. A new ``fallback-src`` is
    downloaded first (remote.py) and must hold every file of the pack; its SHA-256 is
    stored as ``fallback-src-sha256``, as Pleroma does."""
    from pyleroma.services.emoji_packs.remote import fallback_digest

    metadata = clean_metadata(raw)
    with disk_errors(f"Reading the {name} pack"):
        pack = await asyncio.to_thread(read_pack, settings, name)
    source = metadata.get("fallback-src")
    if isinstance(source, str) and source and source != pack.meta.get("fallback-src"):
        metadata["fallback-src-sha256"] = await fallback_digest(settings, source, pack)
    with disk_errors(f"Updating the {name} pack"):
        return await asyncio.to_thread(_save_metadata, settings, name, metadata)


def _import(settings: Settings) -> list[str]:
    directory = settings.emoji_directory
    if not directory.is_dir():
        return []
    imported = []
    with locked(directory, PACKS_LOCK):
        for entry in sorted(directory.iterdir(), key=lambda p: p.name):
            if entry.name.startswith(".") or entry.is_symlink() or not entry.is_dir():
                continue
            if (entry / PACK_FILE).exists() or check_name_quietly(entry.name) is None:
                continue
            files = manifest_files(entry, settings.emoji_pack_extensions)
            try:
                write_pack(Pack(entry.name, entry, files))
            except OSError as exc:
                log.warning("emoji pack %s: pack.json not written: %s", entry.name, exc)
                continue
            imported.append(entry.name)
    if imported:
        packs_changed(settings)
    return imported


def check_name_quietly(name: str) -> str | None:
    try:
        return check_name(name)
    except BadRequest:
        return None


async def import_packs(settings: Settings) -> list[str]:
    """Write a pack.json for every pack folder that has none (from its emoji.txt, else its
    files with an ``emoji_pack_extensions`` extension; entries loading would refuse are
    left out); answers the names of the packs imported."""
    with disk_errors("Importing the emoji packs"):
        return await asyncio.to_thread(_import, settings)


def _archive(settings: Settings, name: str) -> bytes:
    pack = read_pack(settings, name)
    names = shared_files(settings, pack)
    if names is None:
        raise Forbidden(
            f"Pack {name} cannot be downloaded from this instance, either pack sharing was "
            "disabled for this pack or some files are missing"
        )
    return build_archive(pack.path, names)


async def pack_archive(settings: Settings, name: str) -> bytes:
    """The zip of a shared pack (pack.json and its files); 403 for a pack not shared."""
    with disk_errors(f"Reading the {name} pack"):
        return await asyncio.to_thread(_archive, settings, name)
