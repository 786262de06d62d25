"""A throwaway pyleroma instance for the scripts that look at it from outside
(web_screenshots.py, check_pleroma_fe.py): SQLite in a temporary data dir, on 127.0.0.1 and
a free port, started with `pyleroma serve` from this checkout's .venv, with local users
made by the CLI (password PASSWORD) and tokens got as a client app gets them."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYLEROMA = ROOT / ".venv" / "bin" / "pyleroma"
PASSWORD = "correct horse battery"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Instance:
    def __init__(self, data_dir: str, settings: dict[str, str]) -> None:
        port = _free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ,
            "PYLEROMA_DATA_DIR": data_dir,
            "PYLEROMA_BASE_URL": self.base_url,
            "PYLEROMA_PORT": str(port),
            "PYLEROMA_CAPTCHA_ENABLED": "false",
            **settings,
        }
        self.env.pop("PYLEROMA_DATABASE_URL", None)

    def cli(self, *args: str) -> None:
        subprocess.run([str(PYLEROMA), *args], env=self.env, check=True)

    def user(self, nickname: str, name: str, *extra: str) -> None:
        self.cli("user", "new", nickname, f"{nickname}@example.com",
                 "--password", PASSWORD, "--name", name, *extra)  # fmt: skip

    def token(self, nickname: str, scopes: str = "read write follow push") -> dict:
        """A bearer header for ``nickname``, from the password grant of a new app."""
        with httpx.Client(base_url=self.base_url) as client:
            app = client.post(
                "/api/v1/apps",
                json={"client_name": "script", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                      "scopes": scopes},
            ).json()  # fmt: skip
            grant = client.post(
                "/oauth/token",
                data={"grant_type": "password", "username": nickname, "password": PASSWORD,
                      "client_id": app["client_id"], "client_secret": app["client_secret"],
                      "scope": scopes},
            ).json()  # fmt: skip
        return {"Authorization": f"Bearer {grant['access_token']}"}

    def _wait_until_up(self) -> None:
        for _ in range(150):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/api/v1/instance", timeout=1).status_code == 200:
                    return
            time.sleep(0.2)
        raise SystemExit("the server did not start")


@contextlib.contextmanager
def throwaway_instance(settings: dict[str, str], prepare=None) -> Iterator[Instance]:
    """Migrate, run ``prepare(instance)`` (CLI work before serving), serve, yield, stop."""
    with tempfile.TemporaryDirectory() as data_dir:
        instance = Instance(data_dir, settings)
        instance.cli("migrate")
        if prepare is not None:
            prepare(instance)
        server = subprocess.Popen([str(PYLEROMA), "serve"], env=instance.env)
        try:
            instance._wait_until_up()
            yield instance
        finally:
            server.terminate()
            server.wait(timeout=30)
