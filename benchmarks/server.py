"""Start ``pyleroma serve`` on a free loopback port for the load script, and watch it.

The server runs as its own process with the same settings as the generator (the
``PYLEROMA_*`` environment plus ``--data-dir``/``--database-url``), jobs in process as a
single-machine install runs them. Its log goes to a file in the data dir; when it fails to
start, the tail of that log is in the error.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import psutil


class ServerError(RuntimeError):
    """The server did not start or answer; the message says why (with its log's tail)."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def serve_command() -> list[str]:
    """The ``pyleroma`` console script of this environment, else the CLI module."""
    script = Path(sys.executable).parent / "pyleroma"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from pyleroma.cli import main; sys.exit(main())"]


class Server:
    def __init__(
        self,
        data_dir: Path,
        database_url: str | None,
        log_level: str = "warning",
        workers: int = 1,
    ):
        self.data_dir = data_dir
        self.workers = workers
        self.database_url = database_url
        self.log_level = log_level
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "benchmark-server.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ)
        env["PYLEROMA_DATA_DIR"] = str(self.data_dir)
        if self.database_url:
            env["PYLEROMA_DATABASE_URL"] = self.database_url
        # Access logs cost a measurable share of a small request's time: off, as in production
        # behind a proxy that logs.
        env["PYLEROMA_LOG_LEVEL"] = self.log_level
        command = [*serve_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "w")  # noqa: SIM115 - handed to the child process
        self.proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    async def wait_ready(self, timeout: float = 120.0) -> None:
        """Until GET /api/v1/instance answers 200 (migrations run first on start)."""
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise ServerError(
                        f"the server exited with status {self.proc.returncode}:\n" + self.log_tail()
                    )
                try:
                    async with session.get(f"{self.url}/api/v1/instance") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.25)
        raise ServerError(f"the server did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class ProcessWatch:
    """Resident memory and CPU time of a server process and its children."""

    def __init__(self, pid: int | None):
        self.proc = psutil.Process(pid) if pid else None

    def _all(self) -> list[psutil.Process]:
        if self.proc is None:
            return []
        try:
            return [self.proc, *self.proc.children(recursive=True)]
        except psutil.Error:
            return []

    def rss_mb(self) -> float | None:
        total = 0
        for proc in self._all():
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        return round(total / 1024 / 1024, 1) if self.proc is not None else None

    def cpu_seconds(self) -> float | None:
        total = 0.0
        for proc in self._all():
            try:
                times = proc.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total if self.proc is not None else None
