"""SQLite's channel between processes (streaming/local_transport.py), on real Unix sockets."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import struct
import tempfile
from pathlib import Path

import orjson
import pytest

from pyleroma.streaming.local_transport import (
    SUN_PATH_MAX,
    LocalSocketTransport,
    UnsafeSocketDirectory,
    socket_directory,
)


class Inbox:
    def __init__(self):
        self.events: list[dict] = []
        self.arrived = asyncio.Event()

    def __call__(self, events: list[dict]) -> None:
        self.events.extend(events)
        self.arrived.set()

    async def wait_for(self, count: int) -> list[dict]:
        async with asyncio.timeout(10):
            while len(self.events) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.events


@pytest.fixture
def directory(tmp_path) -> Path:
    return socket_directory(tmp_path / "db.sqlite3")


async def test_every_process_gets_every_event_in_order_its_own_included(directory):
    first, second = Inbox(), Inbox()
    a = LocalSocketTransport(directory, first)
    b = LocalSocketTransport(directory, second)
    publisher = LocalSocketTransport(directory, None)  # a job worker: publishes only
    for transport in (a, b, publisher):
        await transport.start()
    try:
        assert sorted(p.name for p in directory.iterdir()) == sorted([a.path.name, b.path.name])
        for n in range(50):
            (a if n % 2 else publisher).publish([{"type": "status", "n": n}])
        for inbox in (first, second):
            assert sorted(e["n"] for e in await inbox.wait_for(50)) == list(range(50))
        # Each publisher's own events arrive in the order it published them.
        for inbox in (first, second):
            from_a = [e["n"] for e in inbox.events if e["n"] % 2]
            from_worker = [e["n"] for e in inbox.events if not e["n"] % 2]
            assert from_a == sorted(from_a) and from_worker == sorted(from_worker)
    finally:
        for transport in (a, b, publisher):
            await transport.stop()
    assert not directory.exists()  # the last one out removes it


async def test_a_dead_process_socket_is_removed_and_others_still_get_events(directory):
    inbox = Inbox()
    alive = LocalSocketTransport(directory, inbox)
    await alive.start()
    # A socket file whose process is gone (bound, then closed without unlinking).
    leftover = directory / "999999-0123456789abcdef.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(leftover))
    dead.close()
    try:
        alive.publish([{"type": "x", "n": 1}])
        assert (await inbox.wait_for(1))[0]["n"] == 1
        for _ in range(200):
            if not leftover.exists():
                break
            await asyncio.sleep(0.01)
        assert not leftover.exists()
    finally:
        await alive.stop()


async def test_a_directory_open_to_others_is_refused(tmp_path):
    directory = socket_directory(tmp_path / "db.sqlite3")
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    with pytest.raises(UnsafeSocketDirectory, match="mode 0700"):
        await LocalSocketTransport(directory, Inbox()).start()


async def test_a_symlink_in_place_of_the_directory_is_refused(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    directory = socket_directory(tmp_path / "db.sqlite3")
    directory.symlink_to(target)
    with pytest.raises(UnsafeSocketDirectory):
        await LocalSocketTransport(directory, Inbox()).start()


async def test_oversized_or_garbled_frames_close_that_connection_only(directory):
    inbox = Inbox()
    transport = LocalSocketTransport(directory, inbox)
    await transport.start()
    try:
        for frame in (struct.pack("!I", 50_000_000), struct.pack("!I", 3) + b"{{{"):
            reader, writer = await asyncio.open_unix_connection(str(transport.path))
            writer.write(frame)
            await writer.drain()
            assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server
            writer.close()
        payload = orjson.dumps([{"type": "ok"}])
        _, writer = await asyncio.open_unix_connection(str(transport.path))
        writer.write(struct.pack("!I", len(payload)) + payload)
        await writer.drain()
        assert await inbox.wait_for(1) == [{"type": "ok"}]
        writer.close()
    finally:
        await transport.stop()


def test_long_database_paths_get_a_short_private_directory(tmp_path):
    deep = tmp_path / ("d" * 120) / "pyleroma.sqlite3"
    chosen = socket_directory(deep)
    assert len(str(chosen)) + 30 <= SUN_PATH_MAX
    assert chosen.parent.name == f"pyleroma-{os.getuid()}"
    assert socket_directory(deep) == chosen  # every process of that database agrees
    short = socket_directory(Path("/tmp/x/pyleroma.sqlite3"))
    assert short == Path("/tmp/x/pyleroma.sqlite3-stream")


async def test_a_data_dir_directly_under_the_temp_dir_may_be_open_to_others(monkeypatch):
    """Only the per-user fallback parent must be private: a data dir such as /tmp/site (mode
    0755, right under the temporary directory) keeps its sockets beside the database."""
    temp_root = Path(tempfile.mkdtemp(prefix="pl", dir="/tmp"))  # short: fits sun_path
    monkeypatch.setattr("tempfile.tempdir", str(temp_root))
    try:
        data_dir = temp_root / "site"
        data_dir.mkdir(mode=0o755)
        data_dir.chmod(0o755)
        directory = socket_directory(data_dir / "pyleroma.sqlite3")
        assert directory.parent == data_dir
        transport = LocalSocketTransport(directory, Inbox())
        await transport.start()
        assert directory.stat().st_mode & 0o777 == 0o700
        await transport.stop()
    finally:
        shutil.rmtree(temp_root)
