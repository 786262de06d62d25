"""Serving uploaded media and the bundled static files.

Uploads are user content: they are served with ``X-Content-Type-Options: nosniff`` and a
sandboxing Content-Security-Policy so an uploaded file can never run script in our origin.
Files whose extension is one we store uploads under get the Content-Type of that type
(``media_probe.SERVED_TYPES``), not whatever the host's mime.types table guesses, so the
served type is always the sniffed one the API reported.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from pyleroma.services.media.media_probe import SERVED_TYPES
from pyleroma.settings import Settings

UPLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "Cache-Control": "public, max-age=31536000, immutable",
}


class UploadFiles(StaticFiles):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        _, dot, extension = scope.get("path", "").rpartition(".")
        served_type = SERVED_TYPES.get(extension.lower()) if dot else None

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                current = dict(headers).get(b"content-type", b"")
                # (A multi-range 206 is multipart/byteranges; its parts carry the type.)
                if (
                    served_type is not None
                    and message.get("status") in (200, 206)
                    and not current.startswith(b"multipart/")
                ):
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
                    headers.append((b"content-type", served_type.encode()))
                headers += [(k.lower().encode(), v.encode()) for k, v in UPLOAD_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


def mount_files(app: FastAPI, settings: Settings) -> None:
    static = Path(__file__).parent / "static"
    app.mount("/media", UploadFiles(directory=settings.uploads_dir, check_dir=False), name="media")
    app.mount("/images", StaticFiles(directory=static / "images"), name="images")
