"""Interoperability with a third-party ActivityPub implementation: bovine's test server
(PyPI ``bovine``, its ``bovine.testing`` app) on a loopback address, run from its own
virtualenv (.venv-bovine, made by ./scripts/test).

bovine checks the HTTP signature of what we deliver with its own code (fetching our actor
for the key), and we check the signature of what bovine's client code sends us.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.models import Job
from pyleroma.models.job import COMPLETED
from tests.federation.servers import settle

ROOT = Path(__file__).resolve().parents[2]
BOVINE_PYTHON = ROOT / ".venv-bovine" / "bin" / "python"
PEER = Path(__file__).with_name("bovine_peer.py")
HOST = "127.0.0.4"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@pytest.fixture
async def bovine(tmp_path):
    if not BOVINE_PYTHON.exists():
        pytest.fail(f"{BOVINE_PYTHON} is missing: run ./scripts/test (it installs the peer)")
    port = _free_port()
    keyfile = tmp_path / "bovine.toml"
    log = (tmp_path / "bovine.log").open("w+")
    process = subprocess.Popen(
        [str(BOVINE_PYTHON), str(PEER), "serve", HOST, str(port), str(keyfile)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    base = f"http://{HOST}:{port}"
    for _ in range(300):
        try:
            _, writer = await asyncio.open_connection(HOST, port)
            writer.close()
            break
        except OSError:
            if process.poll() is not None:
                break
            await asyncio.sleep(0.05)
    if process.poll() is not None:
        log.seek(0)
        pytest.fail(f"the bovine peer did not start:\n{log.read()}")

    class Peer:
        handle = f"buttercup@{HOST}:{port}"
        actor = f"{base}/actor"

        @staticmethod
        def output() -> str:
            log.flush()
            return (tmp_path / "bovine.log").read_text()

        @staticmethod
        async def send(inbox: str, activity: dict) -> int:
            done = await asyncio.create_subprocess_exec(
                str(BOVINE_PYTHON),
                str(PEER),
                "send",
                str(keyfile),
                inbox,
                json.dumps(activity),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            out, _ = await done.communicate()
            text = out.decode().strip()
            return int(text.splitlines()[-1]) if text[-3:].isdigit() else -1

    try:
        yield Peer
    finally:
        process.terminate()
        process.wait(10)
        log.close()


async def test_bovine_verifies_our_signatures(servers, bovine):
    a = servers[0]
    alice = await a.user("alice")
    found = await a.get("/api/v2/search", alice, q=f"@{bovine.handle}", resolve="true")
    [account] = found.json()["accounts"]
    assert account["acct"] == bovine.handle
    followed = await a.post(f"/api/v1/accounts/{account['id']}/follow", alice)
    assert followed.status_code == 200
    await settle(a)
    async with a.app.state.sessionmaker() as session:
        [job] = (await session.execute(select(Job).where(Job.kind == DELIVER_JOB))).scalars()
    # bovine answered 202 only after verifying our signature with the key it fetched.
    assert job.state == COMPLETED, job.last_error
    assert f"Received in inbox from {a.base_url}/users/alice" in bovine.output()


async def test_we_verify_bovines_signatures(servers, bovine):
    a = servers[0]
    alice = await a.user("alice")
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{bovine.actor}/follows/1",
        "type": "Follow",
        "actor": bovine.actor,
        "object": f"{a.base_url}/users/alice",
    }
    assert await bovine.send(f"{a.base_url}/users/alice/inbox", follow) == 202
    await settle(a)
    notifications = await a.get("/api/v1/notifications", alice)
    [notification] = notifications.json()
    assert notification["type"] == "follow"
    assert notification["account"]["acct"] == bovine.handle

    # The same kind of activity without bovine's signature is refused.
    again = {**follow, "id": f"{bovine.actor}/follows/2"}
    unsigned = await a.http.post("/inbox", content=json.dumps(again).encode())
    assert unsigned.status_code == 401
