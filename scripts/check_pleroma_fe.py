"""Check a built Pleroma-FE against pyleroma in headless Chromium.

    .venv/bin/python scripts/check_pleroma_fe.py --zip pleroma-fe.zip

(the zip of a Pleroma-FE build, `dist/` at its top, as docs/frontends.md says how to make
one). Starts a throwaway instance (scripts/throwaway_instance.py) with the build installed
by `pyleroma frontend install` as the primary front end, then, as a person would in
Chromium (/usr/bin/chromium, driven by playwright):

1. opens `/` logged out: the public timeline shows a post made through the API;
2. logs in as alice through Pleroma-FE's login form;
3. posts from the composer, and the post is then in the API's public timeline;
4. turns on streaming: the socket logs in (`pleroma:authenticate`) and a mention from bob,
   posted through the API, shows in alice's notifications without a poll;
5. marks the notifications read: they are stored as seen.

Prints each step's result, every answer of 400 or more and every console error the front
end met, and exits 1 when a step failed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import httpx
from playwright.async_api import async_playwright
from throwaway_instance import CHROMIUM_FLAGS, PASSWORD, throwaway_instance

WAIT_MS = 15_000


class Run:
    def __init__(self, instance) -> None:
        self.instance = instance
        self.http = httpx.Client(base_url=instance.base_url)
        self.failed: list[str] = []
        self.bad_answers: list[str] = []
        self.console: list[str] = []

    def step(self, name: str, ok: bool, detail: str = "") -> None:
        print(f"[{'ok' if ok else 'FAILED'}] {name} {detail}".rstrip(), flush=True)
        if not ok:
            self.failed.append(name)

    def watch(self, page) -> None:
        page.on(
            "response",
            lambda r: (
                self.bad_answers.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 400
                else None
            ),
        )
        page.on(
            "console",
            lambda m: self.console.append(f"{m.type}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    def public_texts(self) -> str:
        return " ".join(s["content"] for s in self.http.get("/api/v1/timelines/public").json())


async def _until(check, timeout_ms: int = WAIT_MS) -> float | None:
    """Seconds until ``check()`` (a coroutine function) is true, None if it never was."""
    started = time.monotonic()
    while (time.monotonic() - started) * 1000 < timeout_ms:
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    return None


async def drive(run: Run) -> None:
    base = run.instance.base_url
    alice, bob = run.instance.token("alice"), run.instance.token("bob")
    run.http.post("/api/v1/statuses", headers=bob, data={"status": "Hello from the API"})
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS
        )
        page = await (await browser.new_context(base_url=base)).new_page()
        run.watch(page)

        await page.goto("/main/public", wait_until="networkidle")
        shown = await _until(lambda: _has_text(page, "Hello from the API"))
        run.step("public timeline shows the API's post", shown is not None)

        await page.goto("/login", wait_until="networkidle")
        await page.fill("#username", "alice")
        await page.fill("#password", PASSWORD)
        await page.click(".login-form button[type=submit]")
        logged_in = await _until(lambda: _has_text(page, "@alice"))
        run.step("logs in through the login form", logged_in is not None)

        await page.goto("/main/friends", wait_until="networkidle")
        await page.locator("textarea.form-post-body").first.fill("Posted from Pleroma-FE")
        await page.get_by_role("button", name="Post", exact=True).first.click()
        posted = await _until(lambda: _true("Posted from Pleroma-FE" in run.public_texts()))
        run.step("posts from the composer", posted is not None)

        frames: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
        await page.evaluate(
            "() => window.vuex.dispatch('setOption', {name: 'useStreamingApi', value: true})"
        )
        authenticated = await _until(lambda: _true(any('\\"success\\"' in f for f in frames)))
        run.step("the streaming socket logs in", authenticated is not None)
        run.http.post("/api/v1/statuses", headers=bob, data={"status": "@alice streamed to you"})
        streamed = await _until(lambda: _true(any("streamed to you" in f for f in frames)))
        run.step(
            "a mention arrives over the stream",
            streamed is not None,
            f"({streamed:.2f} s)" if streamed is not None else "",
        )

        await page.evaluate("() => window.vuex.dispatch('markNotificationsAsSeen')")

        async def all_seen() -> bool:
            listed = run.http.get("/api/v1/notifications", headers=alice).json()
            return bool(listed) and all(n["pleroma"]["is_seen"] for n in listed)

        seen = await _until(all_seen)
        run.step("marking notifications read stores them seen", seen is not None)
        await browser.close()


async def _has_text(page, text: str) -> bool:
    return text in await page.inner_text("body")


async def _true(value: bool) -> bool:
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, required=True, help="a Pleroma-FE build, zipped")
    args = parser.parse_args()

    def prepare(instance) -> None:
        build = str(args.zip)
        instance.cli("frontend", "install", "pleroma-fe", "--ref", "stable", "--file", build)
        instance.user("alice", "Alice")
        instance.user("bob", "Bob")

    settings = {"PYLEROMA_FRONTENDS_PRIMARY": '{"name": "pleroma-fe", "ref": "stable"}'}
    with throwaway_instance(settings, prepare) as instance:
        run = Run(instance)
        asyncio.run(drive(run))
    print("answers of 400 or more:", *run.bad_answers or ["none"], sep="\n  ")
    print("console errors:", *run.console or ["none"], sep="\n  ")
    sys.exit(1 if run.failed else 0)


if __name__ == "__main__":
    main()
