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


def load_packs(directory: Path, extensions: list[str]) -> dict[str, CustomEmoji]:
    """Every valid emoji of every pack under ``directory``, by shortcode."""
    try:
        entries = sorted(directory.iterdir(), key=lambda p: p.name)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        log.error("could not read the emoji directory %s: %s", directory, exc)
        return {}
    exts = tuple(e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions)
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


class EmojiRegistry:
    """The loaded emoji of one instance. ``reload()`` rereads the packs and swaps the tables
    in one assignment, so readers never see a half-loaded registry."""

    def __init__(self, directory: Path, extensions: list[str], base_url: str):
        self.directory = directory
        self.extensions = list(extensions)
        self.base_url = base_url
        self._by_code: dict[str, CustomEmoji] | None = None
        self._by_file: dict[tuple[str, str], CustomEmoji] = {}

    def reload(self) -> int:
        """Reread every pack; answers how many emoji are loaded."""
        table = load_packs(self.directory, self.extensions)
        self._by_code, self._by_file = table, {(e.pack, e.file): e for e in table.values()}
        return len(table)

    def _table(self) -> dict[str, CustomEmoji]:
        if self._by_code is None:
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
