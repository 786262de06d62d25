"""The source code of the running server, as a .tar.gz anyone may download.

pyleroma is AGPL: people who use it over the network may get the source of the version they
use (section 13). Rather than pointing at a repository that may hold another version (or a fork
the admin never published), the instance serves the code it runs: the installed ``pyleroma``
package, plus the project files beside it when it runs from a checkout (pyproject.toml,
requirements.lock, README.md, LICENSE). The archive is built once per process and is
reproducible: sorted names, zero timestamps and owners, so the same code gives the same bytes.

Only source files are taken (by extension, each under a size cap, never a symlink), so a data
directory or a stray secret that an admin put next to the code is never served.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import threading
from pathlib import Path

import pyleroma

ARCHIVE_ROOT = "pyleroma-source"
SOURCE_SUFFIXES = frozenset(
    {".py", ".mako", ".ini", ".html", ".css", ".js", ".svg", ".png", ".json", ".md", ".txt"}
)
PROJECT_FILES = ("pyproject.toml", "requirements.lock", "README.md", "LICENSE", "BENCHMARKS.md")
MAX_FILE_BYTES = 2_000_000
SKIPPED_DIRS = frozenset({"__pycache__", ".git", "node_modules"})

_lock = threading.Lock()
_archive: bytes | None = None


def package_dir() -> Path:
    return Path(pyleroma.__file__).resolve().parent


def _wanted(path: Path) -> bool:
    return (
        path.is_file()
        and not path.is_symlink()
        and path.suffix in SOURCE_SUFFIXES
        and path.stat().st_size <= MAX_FILE_BYTES
    )


def source_files() -> list[tuple[str, Path]]:
    """(name in the archive, file on disk) for every file served, sorted by name."""
    package = package_dir()
    files = []
    for path in package.rglob("*"):
        relative = path.relative_to(package)
        if SKIPPED_DIRS.intersection(relative.parts) or not _wanted(path):
            continue
        files.append((f"src/pyleroma/{relative.as_posix()}", path))
    checkout = package.parent.parent
    if package.parent.name == "src" and (checkout / "pyproject.toml").is_file():
        for name in PROJECT_FILES:
            path = checkout / name
            if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_FILE_BYTES:
                files.append((name, path))
    return sorted(files)


def build_archive() -> bytes:
    """A reproducible tar.gz of ``source_files()`` under ``pyleroma-source/``."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, path in source_files():
            data = path.read_bytes()
            info = tarfile.TarInfo(f"{ARCHIVE_ROOT}/{name}")
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), compresslevel=9, mtime=0)


def source_archive() -> bytes:
    """The archive, built on first use and kept for the life of the process."""
    global _archive
    with _lock:
        if _archive is None:
            _archive = build_archive()
        return _archive
