"""Zip archives of emoji packs: built for sharing, read from uploads and other instances.

Building (``build_archive``) is deterministic: members in a fixed order (pack.json first,
then the files by name), each with the same timestamp and mode, so the same pack always
gives the same bytes. That is what lets ``download-sha256`` (shown in the pack's
listing) match the archive a peer fetches a moment later, and lets the digest be cached
by the pack's fingerprint (pack.json's bytes, each file's size and mtime) instead of
zipping every shared pack on every listing, as Pleroma caches it by pack.json's hash.

Reading (``read_archive``) trusts nothing in the archive:

- member names must be relative paths inside the pack (``safe_relative``): no absolute
  paths, drive letters, backslashes, ``..``, empty or hidden segments, NUL or control
  characters; anything else is skipped, never joined to a directory;
- directories, symlinks and encrypted members are skipped, and a name seen twice keeps
  its first member;
- at most ``max_files`` members are read, each of at most ``max_file_size`` bytes and all
  together at most ``max_total`` bytes, counted while decompressing (the sizes the archive
  declares are not believed), so a zip bomb stops at the cap with a 413.

The archive is only ever read into memory: nothing is written to disk from here, the
callers write the checked files themselves (files.py, remote.py).
"""

from __future__ import annotations

import hashlib
import io
import stat
import threading
import unicodedata
import zipfile
import zlib
from collections import OrderedDict
from pathlib import Path, PurePosixPath

from pyleroma.errors import TooLarge, Unprocessable

PACK_FILE = "pack.json"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 64 * 1024
MAX_NAME = 255
MAX_PATH = 1024

_digests: OrderedDict[tuple, str] = OrderedDict()
_digests_lock = threading.Lock()
DIGEST_CACHE_SIZE = 256
# What a damaged or hostile member raises while read: bad headers or CRC, an unknown
# compression method, a password, a truncated or corrupt stream.
_UNREADABLE = (
    zipfile.BadZipFile,
    NotImplementedError,
    RuntimeError,
    OSError,
    EOFError,
    zlib.error,
    ValueError,
)


def safe_relative(name: object) -> str | None:
    """``name`` as a normalised "/"-separated path inside a pack, or None when it is not
    one (see the module docstring). ``a/./b.png`` becomes ``a/b.png``."""
    if not isinstance(name, str) or not name or len(name) > MAX_PATH:
        return None
    if "\\" in name or name.startswith("/") or ":" in name.split("/", 1)[0]:
        return None
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        return None
    parts = [p for p in PurePosixPath(name).parts if p != "."]
    if not parts or any(p in ("", "..") or p.startswith(".") or len(p) > MAX_NAME for p in parts):
        return None
    return "/".join(parts)


# --- building ----------------------------------------------------------------------------


def _member(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = compress
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    info.create_system = 3  # unix, so the mode above is read as one
    return info


def build_archive(pack_dir: Path, files: list[str]) -> bytes:
    """The pack's archive: its pack.json and ``files`` (relative paths already checked to
    be files inside ``pack_dir``). Blocking: run in a thread."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            _member(PACK_FILE, zipfile.ZIP_DEFLATED), (pack_dir / PACK_FILE).read_bytes()
        )
        for name in sorted(set(files) - {PACK_FILE}):
            # Images are compressed already: stored, not deflated again.
            archive.writestr(_member(name, zipfile.ZIP_STORED), (pack_dir / name).read_bytes())
    return out.getvalue()


def fingerprint(pack_dir: Path, files: list[str]) -> tuple:
    """What the archive's bytes depend on, read with one ``stat`` per file."""
    parts: list = [str(pack_dir), hashlib.sha256((pack_dir / PACK_FILE).read_bytes()).digest()]
    for name in sorted(set(files) - {PACK_FILE}):
        info = (pack_dir / name).stat()
        parts.append((name, info.st_size, info.st_mtime_ns, info.st_ino))
    return tuple(parts)


def archive_digest(pack_dir: Path, files: list[str]) -> str:
    """SHA-256 (upper-case hex, as Pleroma sends it) of the pack's archive, cached by the
    pack's fingerprint. Blocking: run in a thread."""
    key = fingerprint(pack_dir, files)
    with _digests_lock:
        known = _digests.get(key)
        if known is not None:
            _digests.move_to_end(key)
            return known
    digest = hashlib.sha256(build_archive(pack_dir, files)).hexdigest().upper()
    with _digests_lock:
        _digests[key] = digest
        while len(_digests) > DIGEST_CACHE_SIZE:
            _digests.popitem(last=False)
    return digest


def sha256_matches(data: bytes, expected: object) -> bool:
    """Whether ``expected`` (hex, either case) is the SHA-256 of ``data``."""
    if not isinstance(expected, str):
        return False
    return hashlib.sha256(data).hexdigest() == expected.strip().lower()


# --- reading -----------------------------------------------------------------------------


def is_zip(head: bytes) -> bool:
    return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def _open(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise Unprocessable("The archive is not a readable zip file") from exc


def _is_regular(info: zipfile.ZipInfo) -> bool:
    if info.is_dir() or info.flag_bits & 0x1:  # a directory, or encrypted
        return False
    # Unix archivers store the file type with the mode: a symlink, a device or a fifo is
    # skipped; no type at all (many writers) is a plain file.
    kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0
    return kind in (0, stat.S_IFREG)


def member_names(data: bytes) -> set[str]:
    """The safe names of the regular members (for checking an archive lists a pack's
    files without reading them)."""
    with _open(data) as archive:
        return {
            name
            for info in archive.infolist()
            if _is_regular(info) and (name := safe_relative(info.filename)) is not None
        }


def read_archive(
    data: bytes,
    *,
    max_files: int,
    max_file_size: int,
    max_total: int,
    wanted: set[str] | None = None,
) -> dict[str, bytes]:
    """Safe name -> bytes of the archive's regular members (those in ``wanted`` only, when
    given), within the caps of the module docstring."""
    found: dict[str, bytes] = {}
    total = 0
    with _open(data) as archive:
        for info in archive.infolist():
            name = safe_relative(info.filename)
            if name is None or name in found or not _is_regular(info):
                continue
            if wanted is not None and name not in wanted:
                continue
            if len(found) >= max_files:
                raise TooLarge(f"The archive holds more than {max_files} files")
            body = _read_member(archive, info, name, min(max_file_size, max_total - total))
            total += len(body)
            found[name] = body
    return found


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, cap: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                size += len(chunk)
                if size > cap:
                    raise TooLarge(f"{name} in the archive is too large")
                chunks.append(chunk)
    except _UNREADABLE as exc:
        raise Unprocessable(f"{name} in the archive cannot be read") from exc
    return b"".join(chunks)
