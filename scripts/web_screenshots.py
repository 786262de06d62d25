"""Screenshots of the server's own pages for docs/screenshots/, light and dark.

    .venv/bin/python scripts/web_screenshots.py [--out docs/screenshots]

Starts a throwaway instance (SQLite in a temporary data dir, 127.0.0.1, a free port) with
`pyleroma serve`, fills it through the CLI and the client API as a person would (two users,
a thread, a post with a content warning, a hashtag), then has headless Chromium
(/usr/bin/chromium, Debian's package) draw the landing page, a profile, a status page with
its thread, a tag page, the sign-up page and the login form, each in the light and the dark
colour scheme. Prints each file as it is written.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(env: dict, *args: str) -> None:
    subprocess.run([str(ROOT / ".venv" / "bin" / "pyleroma"), *args], env=env, check=True)


def wait_until_up(base: str) -> None:
    for _ in range(100):
        try:
            if httpx.get(f"{base}/api/v1/instance", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


def token(client: httpx.Client, nickname: str) -> dict:
    app = client.post(
        "/api/v1/apps",
        json={"client_name": "screenshots", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
              "scopes": "read write"},
    ).json()  # fmt: skip
    grant = client.post(
        "/oauth/token",
        data={"grant_type": "password", "username": nickname, "password": "correct horse battery",
              "client_id": app["client_id"], "client_secret": app["client_secret"],
              "scope": "read write"},
    ).json()  # fmt: skip
    return {"Authorization": f"Bearer {grant['access_token']}"}


def fill(base: str) -> dict[str, str]:
    """Posts and a thread; the paths worth a picture."""
    with httpx.Client(base_url=base) as client:
        alice, bob = token(client, "alice"), token(client, "bob")
        client.patch(
            "/api/v1/accounts/update_credentials",
            headers=alice,
            data={
                "note": "Gardener, reader, occasional baker. Posts about #moss and tea.",
                "fields_attributes[0][name]": "Garden",
                "fields_attributes[0][value]": "north side",
            },
        )

        def post(headers, text, **extra):
            response = client.post(
                "/api/v1/statuses", headers=headers, json={"status": text, **extra}
            )
            response.raise_for_status()
            return response.json()

        post(bob, "Morning! The fog is lifting over the hills.")
        root = post(alice, "Which moss would you plant on a shady north wall? #moss")
        answer = post(
            bob, "@alice Hypnum cupressiforme does well there.", in_reply_to_id=root["id"]
        )
        post(alice, "@bob Thank you, ordering some today.", in_reply_to_id=answer["id"])
        post(alice, "The ending of the book, discussed", spoiler_text="spoilers")
        post(alice, "Tea time. Today: a smoky lapsang souchong.")
        login_app = client.post(
            "/api/v1/apps",
            json={"client_name": "Tusky", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                  "scopes": "read write follow push"},
        ).json()  # fmt: skip
    return {
        "landing": "/",
        "profile": "/@alice",
        "status": f"/notice/{answer['id']}",
        "tag": "/tag/moss",
        "signup": "/registration",
        "login": f"/oauth/authorize?response_type=code&client_id={login_app['client_id']}"
        "&redirect_uri=urn:ietf:wg:oauth:2.0:oob&scope=read+write+follow+push",
    }


def shoot(url: str, path: Path, dark: bool) -> None:
    flags = [*FLAGS, "--window-size=1000,1100", f"--screenshot={path}"]
    if dark:
        flags.append("--force-dark-mode")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [CHROMIUM, *flags, f"--user-data-dir={profile}", url],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )
    print(f"wrote {path}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "PYLEROMA_DATA_DIR": data,
            "PYLEROMA_BASE_URL": base,
            "PYLEROMA_PORT": str(port),
            "PYLEROMA_INSTANCE_NAME": "Moss Garden",
            "PYLEROMA_INSTANCE_DESCRIPTION": "A small instance for quiet green things.",
            "PYLEROMA_CAPTCHA_ENABLED": "false",
            "PYLEROMA_FRONTENDS_PRIMARY": "{}",
        }
        env.pop("PYLEROMA_DATABASE_URL", None)
        run_cli(env, "migrate")
        for nickname, name in (("alice", "Alice Moss"), ("bob", "Bob")):
            run_cli(env, "user", "new", nickname, f"{nickname}@example.com",
                    "--password", "correct horse battery", "--name", name)  # fmt: skip
        server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "pyleroma"), "serve"], env=env)
        try:
            wait_until_up(base)
            print("filling the instance", flush=True)
            for name, path in fill(base).items():
                for dark in (False, True):
                    shoot(base + path, args.out / f"{name}-{'dark' if dark else 'light'}.png", dark)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
