"""The invalidation journal every process of one instance shares: a ring in a mapped file.

A process that commits a change appends the keys it touched (``(kind, id)`` pairs) before it
answers the request; every process reads the journal before it trusts its caches. Reading is
one memory read when nothing changed, so a cached read costs no statement and no system call,
and a request that starts after another process answered its write always sees that write:
there is no message to wait for, unlike a broadcast over the stream hub, which would leave a
window where a client reads its own write back stale from another worker.

Layout (little endian): a 64-byte header (magic, slot count, last sequence number), then
``slots`` entries of 24 bytes (sequence number, kind, id). Entry ``n`` lives in slot
``n % slots``; a reader that fell more than ``slots`` entries behind (or finds an entry
overwritten while it read) cannot know what changed and drops everything instead.

Writers take an exclusive ``flock`` on the file and readers a shared one while they copy
entries, so an entry is never read half written. All processes must share the file: they
run on one machine (``pyleroma serve --workers``, ``pyleroma worker``, the CLI), which is
what SQLite requires anyway; see docs/read_path.md for PostgreSQL across machines.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import weakref
from pathlib import Path

MAGIC = b"PYLCJ001"
_HEADER = struct.Struct("<8sQQ")  # magic, slots, last sequence number
_HEADER_SIZE = 64
_ENTRY = struct.Struct("<QIxxxxq")  # sequence number, kind, id
_SEQ_OFFSET = 16
_SEQ = struct.Struct("<Q")
DEFAULT_SLOTS = 8192


class Journal:
    """One process's handle on the shared journal file."""

    def __init__(self, path: Path | None, slots: int = DEFAULT_SLOTS) -> None:
        """Open (or create) the journal at ``path``; ``None``: one this process keeps to
        itself (its directory is missing: then so is the database, and nothing is cached)."""
        self.path = Path(path) if path is not None else None
        if path is None:
            self._map = mmap.mmap(-1, _HEADER_SIZE + slots * _ENTRY.size)
            _HEADER.pack_into(self._map, 0, MAGIC, slots, 0)
            self._fd = -1
            self.slots = slots
            self._finalizer = weakref.finalize(self, self._map.close)
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        size = _HEADER_SIZE + slots * _ENTRY.size
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.fstat(fd).st_size
                header = os.pread(fd, _HEADER.size, 0) if current >= _HEADER_SIZE else b""
                if len(header) == _HEADER.size and header[:8] == MAGIC:
                    slots = _HEADER.unpack(header)[1]  # the file's own size wins
                    size = _HEADER_SIZE + slots * _ENTRY.size
                    if current < size:
                        raise OSError(f"{self.path} is truncated")
                else:
                    os.ftruncate(fd, 0)
                    os.ftruncate(fd, size)
                    os.pwrite(fd, _HEADER.pack(MAGIC, slots, 0), 0)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
            self._map = mmap.mmap(fd, size)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self.slots = slots
        # Closed when the last cache using it goes (tests make thousands of apps).
        self._finalizer = weakref.finalize(self, _release, self._map, fd)

    @property
    def sequence(self) -> int:
        """The number of the last entry written (by any process)."""
        return _SEQ.unpack_from(self._map, _SEQ_OFFSET)[0]

    def append(self, keys: list[tuple[int, int]]) -> int:
        """Write ``keys``; returns the sequence number of the last one."""
        if not keys:
            return self.sequence
        _lock(self._fd, fcntl.LOCK_EX)
        try:
            sequence = self.sequence
            for kind, ident in keys:
                sequence += 1
                offset = _HEADER_SIZE + (sequence % self.slots) * _ENTRY.size
                _ENTRY.pack_into(self._map, offset, sequence, kind, ident)
            _SEQ.pack_into(self._map, _SEQ_OFFSET, sequence)
        finally:
            _lock(self._fd, fcntl.LOCK_UN)
        return sequence

    def read_since(self, seen: int) -> tuple[int, list[tuple[int, int, int]] | None]:
        """Entries after ``seen`` as ``(sequence, kind, id)``, and the sequence read up to.

        ``None`` instead of the entries: too much happened since (or the file was reset), so
        the caller must forget everything it cached.
        """
        last = self.sequence
        if last == seen:
            return last, []
        if last < seen or last - seen > self.slots:
            return last, None
        _lock(self._fd, fcntl.LOCK_SH)
        try:
            entries = []
            for sequence in range(seen + 1, last + 1):
                offset = _HEADER_SIZE + (sequence % self.slots) * _ENTRY.size
                stored, kind, ident = _ENTRY.unpack_from(self._map, offset)
                if stored != sequence:  # overwritten by a writer that lapped us
                    return self.sequence, None
                entries.append((sequence, kind, ident))
        finally:
            _lock(self._fd, fcntl.LOCK_UN)
        return last, entries

    def close(self) -> None:
        self._finalizer()


def _lock(fd: int, operation: int) -> None:
    if fd >= 0:
        fcntl.flock(fd, operation)


def _release(mapping: mmap.mmap, fd: int) -> None:
    mapping.close()
    os.close(fd)
