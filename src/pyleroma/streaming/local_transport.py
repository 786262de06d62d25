"""Stream events between the processes of one machine, with nothing to install: SQLite's channel.

On PostgreSQL, NOTIFY/LISTEN carries committed stream events from whichever process committed
them to every process holding sockets (hub.py). SQLite has no such thing, so the processes
that share a database file (``pyleroma serve --workers N``, ``pyleroma worker``) find each other
through a private directory of Unix sockets instead:

- every dispatching process listens on ``<pid>-<random>.sock`` in that directory;
- ``publish`` sends each payload (the same packed JSON arrays as NOTIFY) as a
  length-prefixed frame to every socket there, its own included, so a process sees its own
  events in the same order as everyone else's, exactly as with LISTEN;
- connections are opened on first use and kept; a socket whose process is gone refuses the
  connection and its file is removed; the directory is read again at most every
  ``RESCAN_SECONDS`` (and at once when a frame could not be sent), so a process that starts
  later is reached within that time.

The processes that share a SQLite file share the directory ``<database file>-stream``
(beside SQLite's own -wal and -shm files) when its socket paths fit the 107 bytes a Unix socket
path may have, else a directory named after it under the system's temporary directory.
Either way it is created mode 0700 and refused unless it is a real directory owned by this
user and closed to others, since any process that can write there could inject
events. Frames from a socket are read up to ``MAX_FRAME`` bytes; a longer or malformed one
closes that connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import secrets
import stat
import struct
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

log = logging.getLogger("pyleroma.streaming")

RESCAN_SECONDS = 1.0
MAX_FRAME = 1_000_000
# A peer that stopped reading is cut off rather than buffered for without end.
MAX_UNSENT = 8_000_000
SUN_PATH_MAX = 107
_HEADER = struct.Struct("!I")
_SOCKET_NAME_LENGTH = len("4194304-0123456789abcdef.sock")


class UnsafeSocketDirectory(RuntimeError):
    """The socket directory is not a private directory of this user."""


def socket_directory(database_file: str | Path) -> Path:
    """Where the processes sharing the SQLite file ``database_file`` put their sockets: beside
    it, as SQLite puts its -wal and -shm files, when the socket paths fit in a Unix socket
    address; else a directory named after it under the system's temporary directory."""
    beside = Path(f"{Path(database_file).resolve()}-stream")
    if len(str(beside)) + 1 + _SOCKET_NAME_LENGTH <= SUN_PATH_MAX:
        return beside
    digest = hashlib.sha256(str(beside).encode()).hexdigest()[:20]
    return _temp_parent() / digest


def _temp_parent() -> Path:
    """The per-user directory under the system's temporary directory that holds the
    fallback socket directories (it must be private to this user too)."""
    return Path(tempfile.gettempdir()) / f"pyleroma-{os.getuid()}"


def _check_private(directory: Path) -> None:
    info = os.lstat(directory)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise UnsafeSocketDirectory(
            f"{directory} must be a directory owned by this user with mode 0700"
        )


def make_private_directory(path: Path) -> None:
    """Create ``path`` mode 0700, or refuse it (and, for the temp-dir fallback, its
    per-user parent) when it is not private to this user."""
    if path.parent == _temp_parent():
        with contextlib.suppress(FileExistsError):
            path.parent.mkdir(mode=0o700)
        _check_private(path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    _check_private(path)


class LocalSocketTransport:
    """Unix sockets in a private directory: publish to every process, receive (dispatching
    hubs) from any. Same interface as hub.PostgresTransport."""

    def __init__(self, directory: Path, deliver: Callable[[list[dict]], None] | None):
        self.directory = directory
        self.deliver = deliver
        self.path: Path | None = None
        self._server: asyncio.AbstractServer | None = None
        self._peers: dict[str, asyncio.StreamWriter] = {}
        # Frames for a peer whose connection is being opened, in publishing order.
        self._connecting: dict[str, list[bytes]] = {}
        self._known: list[str] = []
        self._scanned = 0.0
        self._readers: set[asyncio.Task] = set()
        self._stopping = False

    async def start(self) -> None:
        for attempt in range(3):
            make_private_directory(self.directory)
            if self.deliver is None:
                return  # a publisher only (a job worker): nothing to listen on
            name = f"{os.getpid()}-{secrets.token_hex(8)}.sock"
            self.path = self.directory / name
            try:
                self._server = await asyncio.start_unix_server(self._serve, path=str(self.path))
                break
            except FileNotFoundError:
                # The last process of the directory removed it just now: make it again.
                if attempt == 2:
                    raise
        os.chmod(self.path, 0o600)

    def publish(self, events: list[dict]) -> None:
        from pyleroma.streaming.hub import pack

        frames = b"".join(
            _HEADER.pack(len(data)) + data for data in (p.encode() for p in pack(events))
        )
        if not frames:
            return
        if time.monotonic() - self._scanned > RESCAN_SECONDS:
            self._rescan()
        for name in list(self._known):
            waiting = self._connecting.get(name)
            if waiting is not None:
                waiting.append(frames)
                continue
            writer = self._peers.get(name)
            if writer is not None and not writer.is_closing():
                if writer.transport.get_write_buffer_size() > MAX_UNSENT:
                    log.error("stream peer %s stopped reading: disconnected", name)
                    self._peers.pop(name)
                    writer.close()
                    continue
                writer.write(frames)
                continue
            self._connecting[name] = [frames]
            asyncio.get_running_loop().create_task(self._connect(name))

    async def _connect(self, name: str) -> None:
        """Open the connection to ``name``, then send what waited for it, in order."""
        path = self.directory / name
        try:
            _, writer = await asyncio.open_unix_connection(str(path))
        except (ConnectionRefusedError, FileNotFoundError):
            # Its process is gone: the file is a leftover.
            self._connecting.pop(name, None)
            if path != self.path:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            self._scanned = 0.0
            return
        except OSError as exc:
            dropped = self._connecting.pop(name, [])
            log.warning("stream frames to %s dropped (%d): %s", name, len(dropped), exc)
            return
        self._peers[name] = writer
        writer.write(b"".join(self._connecting.pop(name, [])))

    def _rescan(self) -> None:
        try:
            names = sorted(
                entry.name
                for entry in os.scandir(self.directory)
                if entry.name.endswith(".sock")
                and stat.S_ISSOCK(entry.stat(follow_symlinks=False).st_mode)
            )
        except OSError as exc:
            log.warning("stream socket directory unreadable: %s", exc)
            names = []
        self._known = names
        self._scanned = time.monotonic()
        for gone in set(self._peers) - set(names):
            self._peers.pop(gone).close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._readers.add(task)
        try:
            while True:
                header = await reader.readexactly(_HEADER.size)
                (size,) = _HEADER.unpack(header)
                if size > MAX_FRAME:
                    log.error("stream frame of %d bytes refused", size)
                    return
                payload = await reader.readexactly(size)
                try:
                    events = orjson.loads(payload)
                except orjson.JSONDecodeError:
                    log.error("undecodable stream frame: %.200r", payload)
                    return
                if isinstance(events, list) and self.deliver is not None:
                    self.deliver(events)
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        except asyncio.CancelledError:
            # ``stop`` cancels the readers: end quietly, since asyncio's stream callback
            # asks a cancelled reader task for its exception and logs a traceback for it.
            return
        finally:
            writer.close()
            if task is not None:
                self._readers.discard(task)

    async def stop(self, flush_timeout: float = 5.0) -> None:
        self._stopping = True
        for writer in list(self._peers.values()):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.drain(), flush_timeout)
            writer.close()
        self._peers.clear()
        if self._server is not None:
            self._server.close()
            for task in list(self._readers):
                task.cancel()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            with contextlib.suppress(OSError):  # only when no other process is there
                self.directory.rmdir()
