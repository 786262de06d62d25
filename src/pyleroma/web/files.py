"""Serving uploaded media and the bundled static files.

Uploads are user content: they are served with ``X-Content-Type-Options: nosniff`` and a
sandboxing Content-Security-Policy so an uploaded file can never run script in our origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from pyleroma.settings import Settings

UPLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "Cache-Control": "public, max-age=31536000, immutable",
}


class UploadFiles(StaticFiles):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in UPLOAD_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


def mount_files(app: FastAPI, settings: Settings) -> None:
    static = Path(__file__).parent / "static"
    app.mount("/media", UploadFiles(directory=settings.uploads_dir, check_dir=False), name="media")
    app.mount("/images", StaticFiles(directory=static / "images"), name="images")
