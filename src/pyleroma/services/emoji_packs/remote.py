"""Emoji packs of other instances: listing them and downloading one (Pleroma's
``Pack.list_remote`` and ``Pack.download``).

An instance shares packs when its nodeinfo lists the feature ``shareable_emoji_packs``;
that is checked first, from ``/.well-known/nodeinfo`` and the newest 2.x document it
links to on the same host. Then:

- listing asks its ``/api/v1/pleroma/emoji/packs`` with the page asked for and answers
  what it says;
- downloading asks ``/api/v1/pleroma/emoji/pack?name=`` (once for ``files_count``, once for
  every file, as Pleroma does) and takes the archive from the pack's own instance when
  the pack is shared there (``share-files`` and ``can-download``, checked against its
  ``download-sha256``), else from its ``fallback-src`` (checked against its
  ``fallback-src-sha256``; ``src``/``src_sha256``, which Pleroma's zip import records,
  count as a fallback too). A pack with neither is refused: nothing unshared is taken.

The archive must match its SHA-256 (422 otherwise) and is read with archives.py's caps;
only the files the pack lists are taken from it, each an image within
``emoji_max_file_size`` (other entries are left out and logged). Its pack.json is never
read: the new pack's pack.json is written from the listing, the metadata cleaned as a
PATCH's is. The pack is assembled in a hidden folder of the emoji directory and renamed
into place whole, under the directory's lock, so a failure leaves nothing behind and a
name taken meanwhile is a 409.

Every request goes through the guarded federation client (fetch.guarded_get: SSRF guard at
every hop, instance blocks, ``federation_timeout_seconds`` for the whole request); the
archive may be up to ``emoji_pack_max_archive_size`` bytes. A failure of the other side is a
400 naming what went wrong (Pleroma answers these with a 500).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import re
import secrets
import shutil
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from pyleroma.errors import BadRequest, Conflict, TooLarge, Unprocessable
from pyleroma.services.emoji_packs.archives import (
    member_names,
    read_archive,
    safe_relative,
    sha256_matches,
)
from pyleroma.services.emoji_packs.packs import (
    PACKS_LOCK,
    Pack,
    clean_metadata,
    disk_errors,
    locked,
    pack_path,
    write_pack,
)
from pyleroma.services.media.media_probe import sniff
from pyleroma.services.text.emoji import is_shortcode, packs_changed
from pyleroma.settings import Settings

log = logging.getLogger("pyleroma.emoji_packs")

FEATURE = "shareable_emoji_packs"
JSON_ACCEPT = "application/json"
ZIP_ACCEPT = "application/zip, application/octet-stream;q=0.9, */*;q=0.5"
NOT_SHAREABLE = "The requested instance does not support sharing emoji packs"
NO_SOURCE = "The pack was not set as shared and there is no fallback src to download from"
BAD_CHECKSUM = "SHA256 for the pack doesn't match the one sent by the server"
_SCHEMA_RE = re.compile(r"^https?://nodeinfo\.diaspora\.software/ns/schema/2\.(\d+)$")
MAX_LINKS = 50


def instance_base(url: object) -> str:
    """``scheme://host[:port]`` of the instance ``url`` names (its path is ignored, as
    Pleroma merges the API paths into it); 400 for anything but an http(s) URL."""
    text = url.strip() if isinstance(url, str) else ""
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018  (a port that is no number raises)
    except ValueError:
        host = None
    if not text or parts.scheme not in ("http", "https") or not host:
        raise BadRequest("url: must be the http(s) URL of an instance")
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


async def _get(settings: Settings, url: str, *, accept: str, **options: Any):
    from pyleroma.federation.errors import FetchError
    from pyleroma.federation.fetch import guarded_get

    try:
        return await guarded_get(settings, url, accept=accept, **options)
    except FetchError as exc:
        if "bytes a fetch may read" in exc.reason:  # fetch.py's size-cap refusals
            raise TooLarge(f"The answer of {url} is too large") from None
        raise BadRequest(f"Could not fetch {url}: {exc.reason}") from None


async def _json(settings: Settings, url: str) -> dict[str, Any]:
    from pyleroma.federation.errors import FetchError
    from pyleroma.federation.fetch import json_object

    reply = await _get(settings, url, accept=JSON_ACCEPT)
    try:
        return json_object(reply, url)
    except FetchError as exc:
        raise BadRequest(exc.reason) from None


def _nodeinfo_href(index: dict[str, Any]) -> str | None:
    """The newest nodeinfo 2.x document the index links to (else its last link, which is
    the one Pleroma reads)."""
    links = index.get("links")
    if not isinstance(links, list):
        return None
    best: tuple[int, str] | None = None
    last = None
    for link in links[:MAX_LINKS]:
        if not isinstance(link, dict) or not isinstance(link.get("href"), str):
            continue
        last = link["href"]
        match = _SCHEMA_RE.match(str(link.get("rel", "")))
        if match and (best is None or int(match[1]) > best[0]):
            best = (int(match[1]), link["href"])
    return best[1] if best else last


async def check_shareable(settings: Settings, base: str) -> None:
    """400 unless the instance at ``base`` lists ``shareable_emoji_packs``."""
    from pyleroma.federation.fetch import same_host

    href = _nodeinfo_href(await _json(settings, f"{base}/.well-known/nodeinfo"))
    if href is None or not same_host(href, base):
        raise BadRequest(NOT_SHAREABLE)
    metadata = (await _json(settings, href)).get("metadata")
    features = metadata.get("features") if isinstance(metadata, dict) else None
    if not isinstance(features, list) or FEATURE not in features:
        raise BadRequest(NOT_SHAREABLE)


async def list_remote(settings: Settings, url: object, page: int, page_size: int) -> dict:
    """The instance's own answer to its packs list, for that page."""
    base = instance_base(url)
    await check_shareable(settings, base)
    query = urlencode({"page": page, "page_size": page_size})
    return await _json(settings, f"{base}/api/v1/pleroma/emoji/packs?{query}")


async def _download_archive(settings: Settings, url: str, *, cross_host: bool) -> bytes:
    reply = await _get(
        settings,
        url,
        accept=ZIP_ACCEPT,
        cross_host_redirects=cross_host,
        max_bytes=settings.emoji_pack_max_archive_size,
    )
    return reply.body


@dataclass(frozen=True)
class Source:
    url: str
    sha256: str
    fallback: bool


def archive_source(base: str, name: str, meta: dict[str, Any]) -> Source:
    """Where the pack's archive is taken from and the digest it must have."""
    sha = meta.get("download-sha256")
    if meta.get("share-files") is True and meta.get("can-download") is True and sha:
        url = f"{base}/api/v1/pleroma/emoji/packs/archive?{urlencode({'name': name})}"
        return Source(url, str(sha), False)
    for src_key, sha_key in (("fallback-src", "fallback-src-sha256"), ("src", "src_sha256")):
        src, sha = meta.get(src_key), meta.get(sha_key)
        if isinstance(src, str) and src.startswith(("http://", "https://")) and sha:
            return Source(src, str(sha), True)
    raise BadRequest(NO_SOURCE)


def _files_count(answer: dict[str, Any], settings: Settings) -> int:
    count = answer.get("files_count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise BadRequest("The instance's answer has no files_count")
    if count > settings.emoji_pack_max_files:
        raise TooLarge(f"The pack has more than {settings.emoji_pack_max_files} files")
    return count


async def download_pack(settings: Settings, url: object, name: str, local: str) -> None:
    """Install the pack ``name`` of the instance at ``url`` as the local pack ``local``."""
    base = instance_base(url)
    if pack_path(settings, local).exists():
        raise Conflict(f'A pack named "{local}" already exists')
    await check_shareable(settings, base)
    show = f"{base}/api/v1/pleroma/emoji/pack?"
    first = await _json(settings, show + urlencode({"name": name, "page_size": 0}))
    count = _files_count(first, settings)
    remote = await _json(settings, show + urlencode({"name": name, "page_size": count}))
    files, meta = remote.get("files"), remote.get("pack")
    if not isinstance(files, dict) or not isinstance(meta, dict):
        raise BadRequest("The instance's answer is not an emoji pack")
    if len(files) > settings.emoji_pack_max_files:
        raise TooLarge(f"The pack has more than {settings.emoji_pack_max_files} files")
    source = archive_source(base, name, meta)
    archive = await _download_archive(settings, source.url, cross_host=source.fallback)
    if not sha256_matches(archive, source.sha256):
        raise Unprocessable(BAD_CHECKSUM)
    with disk_errors("Installing the pack"):
        await asyncio.to_thread(_install, settings, local, files, meta, archive)


def _wanted(name: str, files: dict) -> dict[str, str]:
    """Shortcode -> safe path of the listed files; unusable entries left out (logged)."""
    wanted: dict[str, str] = {}
    for code, path in files.items():
        relative = safe_relative(path)
        if not is_shortcode(code) or relative is None or relative.lower() == "pack.json":
            log.warning("downloaded pack %s: entry %r -> %r left out", name, code, path)
            continue
        wanted[code] = relative
    return wanted


def _install(settings: Settings, local: str, files: dict, meta: dict, archive: bytes) -> None:
    wanted = _wanted(local, files)
    contents = read_archive(
        archive,
        wanted=set(wanted.values()),
        max_files=settings.emoji_pack_max_files,
        max_file_size=settings.emoji_max_file_size,
        max_total=settings.emoji_pack_max_archive_size,
    )
    missing = sorted(set(wanted.values()) - set(contents))
    if missing:
        raise BadRequest(f"The archive does not have every file of the pack ({missing[0]})")
    for path, data in list(contents.items()):
        probe = sniff(io.BytesIO(data))
        if probe is None or probe.kind != "image":
            log.warning("downloaded pack %s: %s is not an image, left out", local, path)
            del contents[path]
    kept = {code: path for code, path in wanted.items() if path in contents}
    directory = settings.emoji_directory
    directory.mkdir(parents=True, exist_ok=True)
    staging = directory / f".download-{secrets.token_hex(8)}"
    staging.mkdir()
    try:
        for path in sorted(set(kept.values())):
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(contents[path])
        write_pack(Pack(local, staging, kept, clean_metadata(meta, strict=False)))
        with locked(directory, PACKS_LOCK):
            final = pack_path(settings, local)
            if final.exists() or final.is_symlink():
                raise Conflict(f'A pack named "{local}" already exists')
            staging.rename(final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    packs_changed(settings)


async def fallback_digest(settings: Settings, url: str, pack: Pack) -> str:
    """SHA-256 (upper-case hex) of the archive at ``url``, which must hold every file of
    ``pack`` (400 otherwise, Pleroma's message)."""
    archive = await _download_archive(settings, url, cross_host=True)
    names = await asyncio.to_thread(member_names, archive)
    needed = {safe_relative(path) for path in pack.files.values()}
    if None in needed or not needed <= names:
        raise BadRequest("The fallback archive does not have all files specified in pack.json")
    return hashlib.sha256(archive).hexdigest().upper()
