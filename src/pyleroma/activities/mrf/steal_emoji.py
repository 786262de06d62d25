"""StealEmojiPolicy: custom emoji of posts from chosen instances are copied into the local
emoji pack ``stolen``, so local users can use them too (Pleroma's and Akkoma's
``MRF.StealEmojiPolicy``).

For a post (Create or Update) whose author is on a host of ``mrf_steal_emoji_hosts`` (not
ours), every custom emoji it carries is downloaded, unless:

- its shortcode is not a valid one (``[A-Za-z0-9_-]+``: it names a file);
- its shortcode matches ``mrf_steal_emoji_rejected_shortcodes`` (Pleroma's two kinds of
  pattern: a plain string is the whole shortcode, exactly; ``/regex/`` or ``/regex/i`` is
  searched in it);
- an emoji with that shortcode is installed already, in any pack (never overwritten);
- it is past the first ``MAX_PER_ACTIVITY`` of the post (a bound on the work one post can
  ask for).

The download goes through the guarded federation client (fetch.guarded_get: the SSRF guard,
instance blocks, the timeout; redirects may go to other hosts, each hop checked, since emoji
often live on a media host) and reads at most ``mrf_steal_emoji_size_limit`` bytes. The
bytes must sniff as an image type emoji are served as (PNG, GIF, JPEG, WebP, AVIF); the
file is named after the shortcode, a random suffix (Akkoma's: the URL cannot be guessed
before it exists) and the sniffed type's extension, never after the URL.

The pack is a ``pack.json`` pack (docs/api/emoji.md), made on first use; a ``stolen``
directory left by Pleroma (files only) keeps its emoji, which are written into the new
pack.json. Files are written whole under a temporary name and renamed, and pack.json is
updated under a lock (also across processes: ``flock``), so concurrent receive jobs
neither lose an emoji nor leave a half-written file. The packs are then marked changed
(``packs_changed``): this process rereads them at once, the others at their next lookup.

The activity itself always passes unchanged: a failed download is logged and skipped,
never a reason to refuse the post.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import io
import json
import logging
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from pyleroma.activities.mrf.base import HostList, Policy, compile_pattern, host_of, post_of
from pyleroma.services.media.media_probe import sniff
from pyleroma.services.text.emoji import PACK_FILE, is_shortcode, packs_changed, registry_for

log = logging.getLogger("pyleroma.mrf.steal_emoji")

PACK_NAME = "stolen"
MAX_PER_ACTIVITY = 20
IMAGE_ACCEPT = "image/png, image/gif, image/jpeg, image/webp, image/avif;q=0.9, image/*;q=0.5"
EMOJI_EXTENSIONS = frozenset({"png", "gif", "jpg", "webp", "avif"})
_LOCK_FILE = ".pack.lock"
_pack_lock = threading.Lock()


class ShortcodePattern:
    """A rejected-shortcode pattern as Pleroma reads one: a string is the whole shortcode,
    ``/regex/`` (``/regex/i``) a regular expression searched in it."""

    def __init__(self, pattern: str) -> None:
        self.exact = None
        self.regex = None
        if len(pattern) >= 2 and pattern.startswith("/") and pattern.rfind("/") > 0:
            self.regex = compile_pattern(pattern)
        else:
            self.exact = pattern

    def matches(self, shortcode: str) -> bool:
        if self.regex is not None:
            return self.regex.search(shortcode) is not None
        return shortcode == self.exact


class StealEmojiPolicy(Policy):
    name = "StealEmojiPolicy"

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.hosts = HostList.parse(settings.mrf_steal_emoji_hosts)
        self.rejected = [
            ShortcodePattern(p) for p in settings.mrf_steal_emoji_rejected_shortcodes if p
        ]
        self.size_limit = int(settings.mrf_steal_emoji_size_limit)
        if self.size_limit <= 0:
            raise ValueError("mrf_steal_emoji_size_limit must be a positive number of bytes")

    async def filter(self, ctx, activity):
        post = post_of(activity)
        if post is None or not post.get("emojis"):
            return activity
        actor = activity.get("actor")
        if not isinstance(actor, str) or not self.hosts.matches(host_of(actor)):
            return activity
        from pyleroma.federation.fetch import is_local_url

        if is_local_url(ctx.settings, actor):
            return activity
        try:
            stolen = await self.steal(ctx.settings, post["emojis"])
        except Exception:  # a policy that copies files must never cost us the post
            log.exception("StealEmojiPolicy: stealing the emoji of %s failed", post.get("id"))
            return activity
        if stolen:
            log.info("StealEmojiPolicy: stole %s from %s", ", ".join(stolen), host_of(actor))
        return activity

    def wanted(self, settings, emojis: list[dict[str, Any]]) -> list[tuple[str, str]]:
        """(shortcode, url) of the emoji to download, in order, without repeats."""
        registry = registry_for(settings)
        chosen: dict[str, str] = {}
        for emoji in emojis:
            shortcode, url = emoji.get("shortcode"), emoji.get("url")
            if not is_shortcode(shortcode) or not isinstance(url, str) or shortcode in chosen:
                continue
            if any(pattern.matches(shortcode) for pattern in self.rejected):
                log.debug("StealEmojiPolicy: :%s: is a rejected shortcode", shortcode)
                continue
            if registry.get(shortcode) is not None:
                continue
            chosen[shortcode] = url
            if len(chosen) >= MAX_PER_ACTIVITY:
                break
        return list(chosen.items())

    async def steal(self, settings, emojis: list[dict[str, Any]]) -> list[str]:
        """Download and install the wanted emoji; answers the shortcodes installed.

        ``settings`` is the running instance's (the context's): a policy is built once per
        MRF configuration and may outlive the settings object it was built from."""
        stolen = []
        for shortcode, url in self.wanted(settings, emojis):
            found = await self.download(settings, shortcode, url)
            if found is None:
                continue
            body, extension = found
            try:
                added = await asyncio.to_thread(self._install, settings, shortcode, body, extension)
            except OSError as exc:
                log.warning("StealEmojiPolicy: could not store :%s:: %s", shortcode, exc)
                continue
            if added:
                stolen.append(shortcode)
        if stolen:  # every process rereads the packs (services/text/emoji.py)
            await asyncio.to_thread(packs_changed, settings)
        return stolen

    async def download(self, settings, shortcode: str, url: str) -> tuple[bytes, str] | None:
        """(bytes, extension) of the emoji image, or None (logged) when it cannot be had:
        refused by the guards, an error status, too big, or not an image."""
        from pyleroma.federation.errors import FederationError
        from pyleroma.federation.fetch import guarded_get

        try:
            reply = await guarded_get(
                settings,
                url,
                accept=IMAGE_ACCEPT,
                cross_host_redirects=True,
                max_bytes=self.size_limit,
            )
        except FederationError as exc:
            log.warning("StealEmojiPolicy: :%s: not downloaded: %s", shortcode, exc)
            return None
        probe = sniff(io.BytesIO(reply.body))
        if probe is None or probe.kind != "image" or probe.extension not in EMOJI_EXTENSIONS:
            log.warning("StealEmojiPolicy: :%s: %s is not an image", shortcode, url[:300])
            return None
        return reply.body, probe.extension

    # --- the pack on disk ----------------------------------------------------------------

    def _install(self, settings, shortcode: str, body: bytes, extension: str) -> bool:
        """Write the file and add it to pack.json; False when the pack has the shortcode
        already (another job was first). Blocking: run in a thread."""
        directory = settings.emoji_directory / PACK_NAME
        directory.mkdir(parents=True, exist_ok=True)
        with _pack_lock, _locked(directory / _LOCK_FILE):
            pack = self._read_pack(settings, directory)
            if shortcode in pack["files"]:
                return False
            filename = f"{shortcode}-{secrets.token_hex(6)}.{extension}"
            _write_whole(directory / filename, body)
            pack["files"][shortcode] = filename
            _write_whole(directory / PACK_FILE, json.dumps(pack, indent=2).encode())
            return True

    def _read_pack(self, settings, directory: Path) -> dict[str, Any]:
        """The pack's metadata and files: pack.json's, or a new pack holding the emoji a
        files-only ``stolen`` directory (Pleroma's old layout) already has."""
        path = directory / PACK_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            log.warning("StealEmojiPolicy: %s is unreadable, started afresh: %s", path, exc)
            data = None
        if isinstance(data, dict) and isinstance(data.get("files"), dict):
            data.setdefault("pack", _metadata(settings))
            return data
        existing = {
            emoji.shortcode: emoji.file
            for emoji in registry_for(settings).all()
            if emoji.pack == PACK_NAME
        }
        return {"pack": _metadata(settings), "files": existing}


def _metadata(settings) -> dict[str, Any]:
    return {
        "description": "Emoji copied from other instances (StealEmojiPolicy)",
        "homepage": settings.base_url,
        "license": "",
        "can-download": False,
        "share-files": False,
    }


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive ``flock`` on ``path`` (other processes install into the same pack)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _write_whole(path: Path, data: bytes) -> None:
    """``data`` at ``path``, never seen half-written: a temporary file renamed over it."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


__all__ = ["PACK_NAME", "ShortcodePattern", "StealEmojiPolicy"]
