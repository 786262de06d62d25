"""An installed front end in a browser: a small bundle made here (index.html, a hashed script
that asks /api/v1/instance for the instance's title and writes it into the page, a hashed
style sheet) is installed by the real installer (services/instance/frontends.py) and chosen
as the primary front end; at ``/`` and at a client-side route the script runs, its assets
come with a year's cache and nothing is reported on the console. A bundle whose script
fails is reported, so a broken front end cannot pass unnoticed."""

from __future__ import annotations

import io
import zipfile

import pytest
from playwright.async_api import expect

from pyleroma.services.instance import frontends

pytestmark = pytest.mark.asyncio(loop_scope="session")

TITLE = "Browser Test Instance"
IMMUTABLE = "public, max-age=31536000, immutable"
SCRIPT = "/static/js/app.5e1f2a3b.js"
STYLE = "/static/css/app.9c8d7e6f.css"
INDEX = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>test-fe</title>
<link rel="stylesheet" href="{STYLE}">
<script defer src="{SCRIPT}"></script>
</head>
<body><div id="app">Loading...</div></body>
</html>
"""
APP_JS = """
fetch("/api/v1/instance", { headers: { Accept: "application/json" } })
  .then((response) => {
    if (!response.ok) throw new Error("instance: HTTP " + response.status);
    return response.json();
  })
  .then((instance) => {
    document.title = instance.title;
    document.getElementById("app").textContent =
      "Welcome to " + instance.title + " at " + window.location.pathname;
  });
"""
BROKEN_JS = "document.getElementById('missing').textContent = 'never';\n"


@pytest.fixture
def settings_overrides():
    return {"instance_name": TITLE}


async def _install(live_server, tmp_path, ref: str, script: str) -> None:
    """Zip the bundle as a front end's build (dist/...), install it, make it the primary."""
    archive = tmp_path / f"test-fe-{ref}.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("dist/index.html", INDEX)
        bundle.writestr("dist" + SCRIPT, script)
        bundle.writestr("dist" + STYLE, "#app { font-weight: bold; }\n")
    archive.write_bytes(buffer.getvalue())
    request = frontends.check_install("test-fe", ref=ref, file=str(archive))
    installed = await frontends.install(live_server.settings, request)
    assert (installed / "index.html").is_file()
    live_server.settings.frontends_primary = {"name": "test-fe", "ref": ref}


async def test_installed_front_end_runs_at_root_and_client_routes(live_server, page, tmp_path):
    await _install(live_server, tmp_path, "v1", APP_JS)
    responses = {}
    page.on("response", lambda response: responses.setdefault(response.url, response))

    for path in ("/", "/main/all", "/@alice"):
        await page.goto(path)
        await expect(page.locator("#app")).to_have_text(f"Welcome to {TITLE} at {path}")
        await expect(page).to_have_title(TITLE)

    script = responses[live_server.url(SCRIPT)]
    assert script.status == 200
    assert script.headers["cache-control"] == IMMUTABLE
    assert script.headers["content-type"].startswith("text/javascript")
    style = responses[live_server.url(STYLE)]
    assert style.status == 200 and style.headers["cache-control"] == IMMUTABLE
    document = responses[live_server.url("/main/all")]
    assert document.status == 200 and document.headers["cache-control"] == "no-cache"
    # the style sheet applied
    weight = await page.locator("#app").evaluate("e => getComputedStyle(e).fontWeight")
    assert weight == "700"


async def test_a_front_end_whose_script_fails_is_reported(live_server, page, console, tmp_path):
    await _install(live_server, tmp_path, "broken", BROKEN_JS)
    console.expect(r"^page error: TypeError: Cannot set properties of null")

    async with page.expect_event("pageerror") as error:
        await page.goto("/main/all")
    assert (await error.value).name == "TypeError"
    await expect(page.locator("#app")).to_have_text("Loading...")
    assert len(console.errors) == 1 and not console.unexpected()
