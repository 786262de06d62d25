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
import subprocess
import tempfile
from pathlib import Path

import httpx
from throwaway_instance import CHROMIUM_FLAGS, ROOT, throwaway_instance

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [*CHROMIUM_FLAGS, "--hide-scrollbars"]


def fill(instance) -> dict[str, str]:
    """Posts and a thread; the paths worth a picture."""
    alice, bob = instance.token("alice"), instance.token("bob")
    with httpx.Client(base_url=instance.base_url) as client:
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


def _users(instance) -> None:
    instance.user("alice", "Alice Moss")
    instance.user("bob", "Bob")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    settings = {
        "PYLEROMA_INSTANCE_NAME": "Moss Garden",
        "PYLEROMA_INSTANCE_DESCRIPTION": "A small instance for quiet green things.",
        "PYLEROMA_FRONTENDS_PRIMARY": "{}",
    }
    with throwaway_instance(settings, _users) as instance:
        print("filling the instance", flush=True)
        for name, path in fill(instance).items():
            for dark in (False, True):
                shade = "dark" if dark else "light"
                shoot(instance.base_url + path, args.out / f"{name}-{shade}.png", dark)


if __name__ == "__main__":
    main()
