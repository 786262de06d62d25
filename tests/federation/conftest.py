"""``servers``: two pyleroma servers on 127.0.0.2 and 127.0.0.3 (tests/federation/servers.py)."""

from __future__ import annotations

import pytest

from tests.conftest import _create_pg_database
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
