"""Browser tests: the real app served by uvicorn on loopback, driven by Debian's Chromium
through playwright, so the pages are checked as a person sees them (forms, redirects,
cookies, the headers a browser sends, JavaScript).

- ``live_server``: the whole app (create_app) on ``http://127.0.0.1:PORT`` with its base URL
  set to that address (so the forms' same-origin checks see a real browser's ``Origin``),
  on the suite's database (a copy of the SQLite template, or the worker's PostgreSQL
  database emptied first, as tests/conftest.py's ``app``), jobs run in process and the
  mailer pointed at the test SMTP server (``smtp_inbox``). ``settings_overrides`` changes
  its settings as for ``app``. ``live_server.factory`` writes accounts and statuses to the
  same database; ``live_server.http`` is an httpx client for what a client app would call.
- ``browser``: one Chromium process per test session (per xdist worker), Debian's
  (``/usr/bin/chromium``, or ``PYLEROMA_TEST_CHROMIUM``): playwright never downloads one
  here. Missing, every browser test fails saying so (the suite never skips).
- ``page``: a tab in a fresh context (own cookies, own storage) for each test. Console
  errors and uncaught page errors fail the test unless it said it expects them
  (``console.expect(pattern)``).

Everything here runs on the session's event loop (``pytestmark`` in each module): playwright's
objects belong to the loop that made them, and the browser outlives each test.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio
import uvicorn
from fastapi import FastAPI

from pyleroma.federation.http_client import close_sessions as close_federation_sessions
from pyleroma.main import create_app
from pyleroma.settings import Settings
from tests.conftest import _empty_pg, make_test_settings
from tests.factories import Factory
from tests.mail_server import SmtpInbox, mailer_settings

CHROMIUM = os.environ.get("PYLEROMA_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOST = "127.0.0.1"
# Seconds a browser action or expectation waits: pages answer in milliseconds, but the
# machine may be busy with a second test worker.
TIMEOUT = 15


@dataclass
class LiveServer:
    app: FastAPI
    base_url: str
    http: httpx.AsyncClient
    factory: Factory
    smtp_inbox: SmtpInbox

    @property
    def settings(self) -> Settings:
        return self.app.state.settings

    def url(self, path: str) -> str:
        return self.base_url + path

    def links_in(self, text: str, path_start: str) -> list[str]:
        """The URLs of this server under ``path_start`` in a text (a mail's body)."""
        pattern = re.escape(self.base_url + path_start) + r"[^\s<>\"']*"
        return re.findall(pattern, text)


def _bind() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(128)
    sock.setblocking(False)
    return sock


@pytest_asyncio.fixture(loop_scope="session")
async def live_server(tmp_path, pg_database, sqlite_template, settings_overrides, smtp_inbox):
    sock = _bind()
    base_url = f"http://{HOST}:{sock.getsockname()[1]}"
    overrides = {
        "base_url": base_url,
        "jobs_in_process": True,
        "job_poll_interval": 0.1,
        **mailer_settings(smtp_inbox),
        **settings_overrides,
    }
    if pg_database:
        await _empty_pg(pg_database)
        settings = make_test_settings(tmp_path / "data", pg_database, **overrides)
    else:
        settings = make_test_settings(tmp_path / "data", **overrides)
        settings.database_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sqlite_template, settings.database_file)
    app = create_app(settings)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):
        if server.started:
            break
        if task.done():
            task.result()  # raises what stopped it
        await asyncio.sleep(0.01)
    else:
        raise AssertionError(f"the live server did not start on {base_url}")
    http = httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT)
    try:
        yield LiveServer(app, base_url, http, Factory(app), smtp_inbox)
    finally:
        await http.aclose()
        server.should_exit = True
        await asyncio.wait_for(task, 20)
        sock.close()
        await close_federation_sessions()
        await app.state.engine.dispose()
        app.state.entity_cache.journal.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need Debian's chromium "
            "package (./scripts/test installs it when run as root: apt-get install chromium), "
            "or PYLEROMA_TEST_CHROMIUM=/path/to/chromium",
            pytrace=False,
        )
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=TIMEOUT * 1000)
    async with async_playwright() as playwright:
        # launch() starts Chromium on a fresh, temporary user data dir, removed on close.
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=60_000
        )
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class ConsoleLog:
    """What the page wrote to the console as errors, and its uncaught exceptions."""

    errors: list[str] = field(default_factory=list)
    expected: list[re.Pattern] = field(default_factory=list)

    def expect(self, pattern: str) -> None:
        """Errors matching ``pattern`` (a regular expression) do not fail the test."""
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.expected)]


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser, live_server, console):
    context = await browser.new_context(base_url=live_server.base_url)
    context.set_default_timeout(TIMEOUT * 1000)
    tab = await context.new_page()

    def on_console(message) -> None:
        if message.type != "error":
            return
        where = (message.location or {}).get("url", "")
        if urlsplit(where).path == "/favicon.ico":
            return  # the browser asks for it on its own; no page of ours links it
        console.errors.append(f"console error: {message.text} ({where})")

    tab.on("console", on_console)
    tab.on("pageerror", lambda e: console.errors.append(f"page error: {e.name}: {e.message}"))
    try:
        yield tab
    finally:
        await context.close()
    unexpected = console.unexpected()
    if unexpected:
        pytest.fail("the page reported errors:\n" + "\n".join(unexpected), pytrace=False)
