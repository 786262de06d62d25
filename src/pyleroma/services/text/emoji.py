"""Instance custom emoji: packs on disk, an in-memory registry, and ``:shortcode:`` lookup.

Packs follow Pleroma's layout (``lib/pleroma/emoji/loader.ex``): every directory of the emoji
directory is a pack named after it, read in one of three ways, the first that applies:

1. ``pack.json``: its ``files`` object maps shortcodes to paths inside the pack; every emoji
   is tagged ``pack:<name>``. A pack.json that is not JSON or has no ``files`` object loads
   nothing (Pleroma logs and skips it too).
2. ``emoji.txt``: lines ``shortcode, path[, tag, ...]``; the path is relative to the pack or
   ``/emoji/<pack>/...``; without tags an emoji is tagged ``Custom``.
3. neither: every file under the pack (subdirectories included) whose extension is in
   ``emoji_pack_extensions`` is an emoji named after the file, tagged ``Custom``.

Pack content is trusted less than Pleroma trusts it, because packs are also downloaded from
other servers: a shortcode must match ``[A-Za-z0-9_-]+``, a file must resolve (symlinks
followed) inside its own pack directory, and its bytes must sniff as an image type we serve
(PNG, GIF, JPEG, WebP, AVIF). Anything else is skipped with a warning. When two packs claim
one shortcode, the pack whose name sorts first keeps it.

Packs change while the server runs (the emoji pack API, StealEmojiPolicy), and several
processes may share one emoji directory. Whoever changes a pack calls ``packs_changed``:
it appends a byte to the stamp file ``.changed`` of the emoji directory and reloads this
process's registry. Every registry compares the stamp's (inode, size) with the one it
loaded at, one ``stat`` per lookup, and rereads the packs when it moved, so every process
sees the change at its next lookup (the size grows with every change, so no two changes
look alike, however close together they come).

Posts and profiles store the emoji they use when they are written (Pleroma's object
``emoji`` map: shortcode -> absolute URL), so they keep rendering after a pack is removed and
remote posts can carry their own later. Content HTML keeps the ``:shortcode:`` text; clients
swap in the images from the ``emojis`` list, as with Pleroma.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.models import Poll, Status
from pyleroma.services.media.media_probe import sniff
from pyleroma.settings import Settings

log = logging.getLogger("pyleroma.emoji")

SHORTCODE_RE = re.compile(r"[A-Za-z0-9_-]+")
# A lookahead, so "::a:b:" finds both a and b (Pleroma tests every known shortcode with
# String.contains?, which overlaps the same way).
_IN_TEXT_RE = re.compile(r"(?=:([A-Za-z0-9_-]+):)")
DEFAULT_TAG = "Custom"
PACK_FILE = "pack.json"
TXT_FILE = "emoji.txt"
URL_PREFIX = "/emoji"
STAMP_FILE = ".changed"
# Past this size the stamp file is started afresh (a new inode, so still a change).
_STAMP_RESET = 1 << 20


@dataclass(frozen=True)
class CustomEmoji:
    shortcode: str
    pack: str
    # The file's path inside the pack, "/"-separated and normalised ("a/./b.png" -> "a/b.png").
    file: str
    # Where it is on disk (resolved) and the type its bytes sniffed as.
    disk_path: Path
    mime: str
    tags: tuple[str, ...]

    @property
    def url_path(self) -> str:
        return f"{URL_PREFIX}/{quote(self.pack, safe='')}/{quote(self.file, safe='/')}"

    @property
    def category(self) -> str:
        """Pleroma's category: the tags but the catch-all ``Custom``, comma-joined."""
        return ",".join(t for t in self.tags if t != DEFAULT_TAG)


def is_shortcode(value: object) -> bool:
    return isinstance(value, str) and SHORTCODE_RE.fullmatch(value) is not None


def shortcodes_in(text: str | None) -> list[str]:
    """The ``:shortcode:`` names written in ``text``, in order, without repeats."""
    if not text:
        return []
    return list(dict.fromkeys(_IN_TEXT_RE.findall(text)))


def _image_mime(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            probe = sniff(handle)
    except OSError:
        return None
    return probe.mime if probe is not None and probe.kind == "image" else None


def _pack_file(pack_dir: Path, relative: object) -> tuple[str, Path] | None:
    """(normalised relative path, resolved file) when ``relative`` names a file inside the
    pack; None for anything else (absolute, ``..``, symlinks out of the pack, not a file)."""
    if not isinstance(relative, str) or not relative or "\x00" in relative:
        return None
    relative = relative.replace("\\", "/")
    parts = [p for p in PurePosixPath(relative).parts if p not in ("", ".")]
    if not parts or relative.startswith("/") or ".." in parts:
        return None
    try:
        resolved = (pack_dir / Path(*parts)).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(pack_dir) or not resolved.is_file():
        return None
    return "/".join(parts), resolved


class _PackLoader:
    """Reads one pack directory into emoji, warning about every entry it refuses."""

    def __init__(self, name: str, directory: Path, extensions: tuple[str, ...]):
        self.name = name
        self.dir = directory
        self.extensions = extensions

    def load(self) -> list[CustomEmoji]:
        pack_json = self.dir / PACK_FILE
        if pack_json.is_file():
            return self._from_pack_json(pack_json)
        emoji_txt = self.dir / TXT_FILE
        if emoji_txt.is_file():
            return self._from_txt(emoji_txt)
        return self._from_files()

    def _make(self, shortcode: object, relative: object, tags: list[str]) -> CustomEmoji | None:
        if not is_shortcode(shortcode):
            log.warning("emoji pack %s: invalid shortcode %r skipped", self.name, shortcode)
            return None
        found = _pack_file(self.dir, relative)
        if found is None:
            log.warning(
                "emoji pack %s: %s: %r is not a file inside the pack",
                self.name,
                shortcode,
                relative,
            )
            return None
        file, disk_path = found
        mime = _image_mime(disk_path)
        if mime is None:
            log.warning("emoji pack %s: %s: %s is not an image", self.name, shortcode, file)
            return None
        return CustomEmoji(shortcode, self.name, file, disk_path, mime, tuple(tags))

    def _from_pack_json(self, path: Path) -> list[CustomEmoji]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            log.error("emoji pack %s: pack.json is unreadable: %s", self.name, exc)
            return []
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, dict):
            log.error("emoji pack %s: pack.json has no files object", self.name)
            return []
        tags = [f"pack:{self.name}"]
        return [e for code, rel in files.items() if (e := self._make(code, rel, tags))]

    def _from_txt(self, path: Path) -> list[CustomEmoji]:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            log.error("emoji pack %s: emoji.txt is unreadable: %s", self.name, exc)
            return []
        found = []
        prefix = f"{URL_PREFIX}/{self.name}/"
        for line in lines:
            parts = re.split(r",\s*", line.strip())
            if len(parts) < 2 or not parts[0]:
                continue
            code, rel, tags = parts[0], parts[1], [t for t in parts[2:] if t]
            if rel.startswith(prefix):
                rel = rel[len(prefix) :]
            emoji = self._make(code, rel, tags or [DEFAULT_TAG])
            if emoji is not None:
                found.append(emoji)
        return found

    def _from_files(self) -> list[CustomEmoji]:
        found = []
        for root, dirs, names in os.walk(self.dir):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                stem, ext = os.path.splitext(name)
                if name.startswith(".") or ext.lower() not in self.extensions:
                    continue
                relative = Path(root, name).relative_to(self.dir).as_posix()
                emoji = self._make(stem, relative, [DEFAULT_TAG])
                if emoji is not None:
                    found.append(emoji)
        return found


def _normal_extensions(extensions: list[str]) -> tuple[str, ...]:
    return tuple(e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions)


def manifest_files(pack_dir: Path, extensions: list[str]) -> dict[str, str]:
    """Shortcode -> file of a pack without pack.json, read from its emoji.txt or its files
    as loading reads them (the same entries are refused), for writing its pack.json."""
    loader = _PackLoader(pack_dir.name, pack_dir.resolve(), _normal_extensions(extensions))
    emoji_txt = loader.dir / TXT_FILE
    found = loader._from_txt(emoji_txt) if emoji_txt.is_file() else loader._from_files()
    files: dict[str, str] = {}
    for emoji in found:
        files.setdefault(emoji.shortcode, emoji.file)
    return files


def load_packs(directory: Path, extensions: list[str]) -> dict[str, CustomEmoji]:
    """Every valid emoji of every pack under ``directory``, by shortcode."""
    try:
        entries = sorted(directory.iterdir(), key=lambda p: p.name)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        log.error("could not read the emoji directory %s: %s", directory, exc)
        return {}
    exts = _normal_extensions(extensions)
    table: dict[str, CustomEmoji] = {}
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            log.warning("emoji directory: %s is not in a pack directory, ignored", entry.name)
            continue
        for emoji in _PackLoader(entry.name, entry.resolve(), exts).load():
            kept = table.setdefault(emoji.shortcode, emoji)
            if kept is not emoji:
                log.warning(
                    "emoji %s of pack %s ignored: pack %s has it",
                    emoji.shortcode,
                    emoji.pack,
                    kept.pack,
                )
    return table


def _stamp(directory: Path) -> tuple[int, int] | None:
    """(inode, size) of the directory's change stamp; None when there is none yet."""
    try:
        info = os.stat(directory / STAMP_FILE)
    except OSError:
        return None
    return info.st_ino, info.st_size


def mark_changed(directory: Path) -> None:
    """Record that packs under ``directory`` changed, for every process (module docstring):
    one byte appended (``O_APPEND`` writes do not interleave), or a fresh file past
    ``_STAMP_RESET`` bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / STAMP_FILE
    stamp = _stamp(directory)
    if stamp is not None and stamp[1] >= _STAMP_RESET:
        fresh = directory / f"{STAMP_FILE}.{os.getpid()}.tmp"
        fresh.write_bytes(b".")
        os.replace(fresh, path)
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, b".")
    finally:
        os.close(fd)


class EmojiRegistry:
    """The loaded emoji of one instance. ``reload()`` rereads the packs and swaps the tables
    in one assignment, so readers never see a half-loaded registry; a lookup rereads them
    first when another process (or this one) marked the directory changed."""

    def __init__(self, directory: Path, extensions: list[str], base_url: str):
        self.directory = directory
        self.extensions = list(extensions)
        self.base_url = base_url
        self._by_code: dict[str, CustomEmoji] | None = None
        self._by_file: dict[tuple[str, str], CustomEmoji] = {}
        self._loaded_at: tuple[int, int] | None = None

    def reload(self) -> int:
        """Reread every pack; answers how many emoji are loaded."""
        # The stamp is read before the packs: a change landing while they are read moves
        # it again, so the next lookup reloads once more rather than keep a stale table.
        stamp = _stamp(self.directory)
        table = load_packs(self.directory, self.extensions)
        self._by_code, self._by_file = table, {(e.pack, e.file): e for e in table.values()}
        self._loaded_at = stamp
        return len(table)

    def _table(self) -> dict[str, CustomEmoji]:
        if self._by_code is None or _stamp(self.directory) != self._loaded_at:
            self.reload()
        return self._by_code or {}

    def get(self, shortcode: str) -> CustomEmoji | None:
        return self._table().get(shortcode.strip(":"))

    def all(self) -> list[CustomEmoji]:
        """Every emoji, by shortcode (Pleroma keeps them in an ordered set)."""
        return sorted(self._table().values(), key=lambda e: e.shortcode)

    def by_file(self, pack: str, file: str) -> CustomEmoji | None:
        """The emoji served at ``/emoji/<pack>/<file>``; only registered files are served."""
        self._table()
        return self._by_file.get((pack, file))

    def url(self, emoji: CustomEmoji) -> str:
        return self.base_url + emoji.url_path

    def find(self, *texts: str | None) -> dict[str, str]:
        """Shortcode -> absolute URL of the known emoji written in any of ``texts``."""
        found: dict[str, str] = {}
        table = self._table()
        for text in texts:
            for code in shortcodes_in(text):
                emoji = table.get(code)
                if emoji is not None and code not in found:
                    found[code] = self.url(emoji)
        return found


_registries: dict[tuple, EmojiRegistry] = {}


def registry_for(settings: Settings) -> EmojiRegistry:
    """The registry of this configuration, made (not yet loaded) on first use.

    The app keeps it in ``app.state.emoji`` and reloads it at startup; services that only get
    ``settings`` (posting from a job worker, account creation from the CLI) reach the same one.
    """
    key = (str(settings.emoji_directory.resolve()), tuple(settings.emoji_pack_extensions))
    key += (settings.base_url,)
    registry = _registries.get(key)
    if registry is None:
        registry = EmojiRegistry(
            settings.emoji_directory.resolve(), settings.emoji_pack_extensions, settings.base_url
        )
        _registries[key] = registry
    return registry


def packs_changed(settings: Settings) -> None:
    """Packs under the emoji directory were changed: every process rereads them at its next
    lookup, this one at once. Blocking file work: call it from a thread."""
    mark_changed(settings.emoji_directory)
    registry_for(settings).reload()


def find_emojis(settings: Settings, *texts: str | None) -> dict[str, str]:
    return registry_for(settings).find(*texts)


def profile_emojis(
    settings: Settings, display_name: str | None, note: str | None, fields: list | None
) -> dict[str, str]:
    """The emoji of a profile: display name, bio, and field names and values (Pleroma's
    ``User.put_emoji``). Field values are read as typed (``source``) when known."""
    texts = [display_name, note]
    for item in fields or []:
        if isinstance(item, dict):
            texts += [item.get("name"), item.get("source", item.get("value"))]
    return find_emojis(settings, *[t for t in texts if isinstance(t, str)])


def refresh_account_emojis(settings: Settings, account) -> None:
    """Store on ``account`` the emoji its current profile text uses (the caller commits)."""
    account.emojis = profile_emojis(
        settings, account.display_name, account.note_source, account.fields
    )


def status_emojis(
    settings: Settings,
    text: str | None,
    spoiler_text: str | None,
    poll_options: list[str] | tuple[str, ...] | None = (),
    parent: Status | None = None,
) -> dict[str, str]:
    """The emoji a status stores (Pleroma's ActivityDraft): those of its text, content
    warning and poll options; plus, as Pleroma does, emoji of the replied-to post named in
    the content warning, since a copied subject would otherwise lose them."""
    found = find_emojis(settings, text, spoiler_text, *(poll_options or ()))
    if parent is not None and spoiler_text:
        for code, url in (parent.emojis or {}).items():
            if f":{code}:" in spoiler_text:
                found[code] = url
    return found


async def poll_emojis(session: AsyncSession, poll: Poll) -> dict[str, str]:
    """The emoji shown with a poll: its status's (Pleroma renders the object's map); the
    status is normally in the session already, loaded by the visibility check."""
    status = await session.get(Status, poll.status_id)
    return dict(status.emojis or {}) if status is not None else {}
