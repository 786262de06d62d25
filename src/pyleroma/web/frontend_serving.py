"""Serving the installed front ends (Pleroma's FrontendStatic and InstanceStatic plugs).

- The primary front end (setting ``frontends_primary``) is served at ``/`` from
  ``data_dir/frontends/<name>/<ref>/`` (services/instance/frontends.py installs it there),
  the admin one (``frontends_admin``) at ``/pleroma/admin/``.
- A file of the instance static directory, ``data_dir/static/``, wins over the primary
  front end's file of the same path (``favicon.png``, ``static/config.json``,
  ``static/stickers.json``, ``index.html``, ...), installed or not, as Pleroma's
  InstanceStatic. (``/static/terms-of-service.html`` and ``/instance/panel.html`` have
  routes of their own, api/admin/instance_documents.py, with defaults and a sandbox CSP.)
- A GET or HEAD that asks for HTML and names no file gets the front end's ``index.html``:
  the front end routes it in the browser (``/main/public``, ``/@nick``, ``/settings``).
- ``/`` itself, profiles, posts and tags are routes (api/web_pages.py): a person's browser
  gets ``front_end_index`` there, others (and everyone without a front end) the server's
  own pages. Other paths without a front end stay 404 as before.

Nothing here can shadow a route: this is the router's *default*, what Starlette runs only
when no route or mount matched (``install`` wraps it). So the API, ActivityPub, OAuth,
``/media``, ``/images`` and well-known routes answer as they did, a path with a trailing
slash is first retried without it (api/trailing_slash.py), and unknown paths under the
prefixes in ``NEVER_FRONT_END`` stay a JSON 404 ``{"error": "Not found"}`` whatever they
ask for.

Paths are checked segment by segment (no ``..``, ``.``, hidden names, backslashes or NUL
bytes: 404) and the file found is resolved and must lie inside its directory, so neither a
crafted path nor a symlink reaches a file elsewhere. Hashed assets (``app.3f9a1b2c.js``,
Vite's ``assets/index-B3kX_9aZ.js``) are cached for a year as immutable; everything else,
``index.html`` first, is ``no-cache`` (revalidated with its ETag).
"""

from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from pyleroma.services.instance.frontends import frontends_dir
from pyleroma.settings import Settings
from pyleroma.settings_content import FRONTEND_SEGMENT_RE

IMMUTABLE = "public, max-age=31536000, immutable"
# The icon the server's own pages name; an instance's data_dir/static/favicon.png or the
# front end's own wins over it.
DEFAULT_FAVICON = Path(__file__).parent / "static" / "images" / "favicon.png"
REVALIDATE = "no-cache"
ADMIN_PREFIX = ("pleroma", "admin")
# First path segments that belong to the server: what no route answered there is a JSON
# 404, never a front end's page.
NEVER_FRONT_END = frozenset(
    {
        "api",
        "oauth",
        ".well-known",
        "nodeinfo",
        "media",
        "images",
        "proxy",
        "inbox",
        "internal",
        "objects",
        "activities",
        "relay",
    }
)
# webpack's ``name.<hex>.ext`` / ``name-<hex>.ext`` (Pleroma-FE, AdminFE, Mastodon-FE)...
_HEX_HASH = re.compile(r"[.-][0-9a-f]{7,64}(\.[A-Za-z0-9]+)+$")
# ...and, under an ``assets`` folder, Vite's ``name-<base64url 8+>.ext`` (pl-fe, akkoma-fe).
_VITE_HASH = re.compile(r"-([A-Za-z0-9_]{8,})(\.[A-Za-z0-9]+)+$")
# Served types of what front end builds hold, whatever the host's mime.types says.
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "mjs": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "json": "application/json",
    "map": "application/json",
    "webmanifest": "application/manifest+json",
    "txt": "text/plain; charset=utf-8",
    "xml": "application/xml",
    "svg": "image/svg+xml",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
    "ico": "image/x-icon",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "eot": "application/vnd.ms-fontobject",
    "wasm": "application/wasm",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
    "mp4": "video/mp4",
    "webm": "video/webm",
}


def instance_static_dir(settings: Settings) -> Path:
    """Pleroma's ``:instance, :static_dir``: the admin's files, served over the front end's."""
    return settings.data_dir / "static"


def chosen_build(settings: Settings, choice: dict) -> Path | None:
    """The installed build a ``frontends_*`` setting names, when it has an ``index.html``."""
    name, ref = choice.get("name"), choice.get("ref")
    if not (
        isinstance(name, str)
        and isinstance(ref, str)
        and FRONTEND_SEGMENT_RE.fullmatch(name)
        and FRONTEND_SEGMENT_RE.fullmatch(ref)
    ):
        return None
    root = frontends_dir(settings) / name / ref
    return root if (root / "index.html").is_file() else None


def path_parts(path: str) -> list[str] | None:
    """The request path's segments (empty ones dropped); None when one could escape or
    names something hidden."""
    parts = [part for part in path.split("/") if part]
    for part in parts:
        if part.startswith(".") or "\\" in part or "\x00" in part:
            return None
    return parts


def find_file(root: Path, parts: list[str]) -> Path | None:
    """The regular file at ``parts`` inside ``root``, symlinks resolved and the result
    still inside ``root``; None otherwise."""
    if not parts:
        return None
    try:
        base = root.resolve()
        candidate = base.joinpath(*parts).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate


def is_hashed(parts: list[str]) -> bool:
    name = parts[-1]
    if _HEX_HASH.search(name):
        return True
    if "assets" in parts[:-1] and (found := _VITE_HASH.search(name)):
        token = found.group(1)
        return any(c.isdigit() or c.isupper() for c in token) and not token.isupper()
    return False


def content_type(path: Path) -> str:
    extension = path.suffix[1:].lower()
    if extension in CONTENT_TYPES:
        return CONTENT_TYPES[extension]
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def file_response(scope: Scope, path: Path, cache: str) -> Response:
    """``path`` with its type, ETag and ``cache``; 304 when the client has it already."""
    try:
        stat = os.stat(path)
    except OSError:
        return Response(status_code=404)
    headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
    response = FileResponse(path, media_type=content_type(path), headers=headers, stat_result=stat)
    etag = response.headers.get("etag")
    for name, value in scope.get("headers", ()):
        if name == b"if-none-match" and etag and etag in value.decode("latin-1"):
            return Response(status_code=304, headers={**headers, "ETag": etag})
    return response


def wants_html(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"accept":
            accept = value.decode("latin-1").lower()
            return "text/html" in accept or "application/xhtml+xml" in accept
    return False


def _index(
    settings: Settings, build: Path | None, scope: Scope, *, override: bool
) -> Response | None:
    """The front end's ``index.html`` (the instance's own first for the primary one)."""
    if override and (found := find_file(instance_static_dir(settings), ["index.html"])):
        return file_response(scope, found, REVALIDATE)
    if build is not None:
        return file_response(scope, build / "index.html", REVALIDATE)
    return None


def front_end_index(settings: Settings, scope: Scope) -> Response | None:
    """The primary front end's ``index.html`` (the instance's own override first), for a
    page route a browser asks for; None when no front end is installed."""
    build = chosen_build(settings, settings.frontends_primary)
    return _index(settings, build, scope, override=True)


def _file(scope: Scope, found: Path, parts: list[str]) -> Response:
    return file_response(scope, found, IMMUTABLE if is_hashed(parts) else REVALIDATE)


def answer(settings: Settings, scope: Scope) -> Response | None:
    """The front end's answer to an unrouted GET/HEAD of ``scope``; None: 404 as before."""
    parts = path_parts(scope.get("path", "/"))
    if parts is None:
        return None
    if tuple(parts[:2]) == ADMIN_PREFIX:
        return _admin_answer(settings, scope, parts[2:])
    if parts and parts[0].lower() in NEVER_FRONT_END:
        return None
    build = chosen_build(settings, settings.frontends_primary)
    if not parts:  # / is a route of its own (api/web_pages.py), never unrouted
        return None
    if found := find_file(instance_static_dir(settings), parts):
        return _file(scope, found, parts)
    if build is not None and (found := find_file(build, parts)):
        return _file(scope, found, parts)
    if parts in (["favicon.png"], ["favicon.ico"]):  # (browsers ask for the .ico unprompted)
        return file_response(scope, DEFAULT_FAVICON, REVALIDATE)
    if wants_html(scope):
        return _index(settings, build, scope, override=True)
    return None


def _admin_answer(settings: Settings, scope: Scope, rest: list[str]) -> Response | None:
    build = chosen_build(settings, settings.frontends_admin)
    if build is None:
        return None
    if not rest:
        if not scope.get("path", "").endswith("/") and not scope.get(TRIMMED_SLASH):
            # (relative asset URLs in the page resolve under /pleroma/admin/)
            return RedirectResponse("/pleroma/admin/", status_code=301)
        return _index(settings, build, scope, override=False)
    if found := find_file(build, rest):
        return _file(scope, found, rest)
    if wants_html(scope):
        return _index(settings, build, scope, override=False)
    return None


# Set by api/trailing_slash.py on a request it retried without its trailing slash.
TRIMMED_SLASH = "pyleroma.trimmed_slash"


def install(app: FastAPI) -> None:
    """Serve the front ends from the router's default (what runs when no route matched).

    Called after every router and mount is registered, and before
    ``answer_trailing_slashes`` wraps the default in turn: a path with a trailing slash is
    first retried as the path without it, and only a second miss reaches the front end.
    """
    not_found: ASGIApp = app.router.default

    async def serve_front_end(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD"):
            settings: Settings = scope["app"].state.settings
            response = answer(settings, scope)
            if response is not None:
                await response(scope, receive, send)
                return
        await not_found(scope, receive, send)

    app.router.default = serve_front_end
