"""``servers``: two pyleroma servers on 127.0.0.2 and 127.0.0.3 (tests/federation/servers.py);
``remote_server``: starts servers that play other hosts (remote_server.py); ``bob``: a
remote account of remote.example with a key pair, as after a first fetch."""

from __future__ import annotations

import pytest

from pyleroma.federation.http_client import close_sessions
from pyleroma.federation.keys import new_key_pair
from tests.api.relationship_helpers import remote_account
from tests.conftest import _create_pg_database
from tests.federation.remote_server import RemoteServer
from tests.federation.servers import start_server, stop_server

HOSTS = ("127.0.0.2", "127.0.0.3")


@pytest.fixture
async def servers(tmp_path, pg_database):
    started = []
    try:
        for index, host in enumerate(HOSTS):
            url = ""
            if pg_database:
                url = f"{pg_database}_fed{index}"
                await _create_pg_database(url)
            started.append(await start_server(host, tmp_path / f"server{index}", url))
        yield started
    finally:
        for server in started:
            await stop_server(server)


REMOTE = "https://remote.example"


@pytest.fixture
async def bob(db):
    private, public = new_key_pair()
    account = await remote_account(
        db,
        "bob",
        "remote.example",
        inbox=f"{REMOTE}/users/bob/inbox",
        shared_inbox=f"{REMOTE}/inbox",
        key_id=f"{REMOTE}/users/bob#main-key",
        public_key=public,
    )
    account.private_key_for_tests = private
    return account


@pytest.fixture
async def remote_server():
    """``await remote_server("127.0.0.2")``: a RemoteServer on that loopback address,
    stopped after the test, when the federation HTTP sessions are closed too."""
    started: list[RemoteServer] = []

    async def start(host: str) -> RemoteServer:
        started.append(await RemoteServer(host).start())
        return started[-1]

    yield start
    for server in started:
        await server.stop()
    await close_sessions()
