"""Instance documents (Pleroma's ``Pleroma.Web.InstanceDocument``): the terms of service and
the instance panel, HTML pages the admin replaces and the front ends fetch.

Each is a file of the instance static directory, ``data_dir/static``, served at the path
Pleroma serves it at (Pleroma-FE fetches these paths):

- ``terms-of-service``: ``data_dir/static/terms-of-service.html``, served at
  ``/static/terms-of-service.html`` (also the Mastodon extended description:
  services/instance/instance_extras.py reads the same file);
- ``instance-panel``: ``data_dir/static/instance/panel.html``, served at
  ``/instance/panel.html``.

Without a file the default document is served. An upload replaces the file (written to a
temporary file and renamed, so a reader never sees half of it); deleting the file restores
the default. Uploads are HTML of at most ``MAX_BYTES``, UTF-8, and are sanitised before
they are stored (nh3's default allow-list: headings, lists, tables, links and images stay;
scripts, styles, event attributes and ``javascript:`` URLs go), since the front ends insert
them into their pages.

The admin API's changes (``store_document``, ``restore_default``) add their moderation log
entry (``instance_document_update`` / ``_delete`` with ``name``; Pleroma logs neither) only
once the file change succeeded; the caller then commits it. A refused or failed change
leaves no entry.
"""

from __future__ import annotations

import asyncio
import html
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import nh3
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.errors import NotFound, TooLarge, Unprocessable
from pyleroma.models import Account
from pyleroma.services.instance.instance_extras import MAX_TERMS_BYTES
from pyleroma.services.moderation.moderation_log import log_action
from pyleroma.settings import Settings

MAX_BYTES = MAX_TERMS_BYTES
NOT_FOUND = "Not found"


@dataclass(frozen=True)
class Document:
    name: str
    relative: str  # under data_dir/static
    url_path: str  # where it is served


DOCUMENTS = {
    "terms-of-service": Document(
        "terms-of-service", "terms-of-service.html", "/static/terms-of-service.html"
    ),
    "instance-panel": Document("instance-panel", "instance/panel.html", "/instance/panel.html"),
}
BY_URL_PATH = {document.url_path: document for document in DOCUMENTS.values()}


def document(name: str) -> Document:
    found = DOCUMENTS.get(name)
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def path_of(settings: Settings, doc: Document) -> Path:
    return settings.data_dir / "static" / doc.relative


def url_of(settings: Settings, doc: Document) -> str:
    return settings.base_url + doc.url_path


def default_html(settings: Settings, doc: Document) -> str:
    name = html.escape(settings.instance_name)
    if doc.name == "terms-of-service":
        return (
            "<h4>Terms of Service</h4>\n"
            f"<p>The administrators of {name} have not published terms of service yet.</p>\n"
        )
    return f"<p>Welcome to {name}!</p>\n"


def read_document(settings: Settings, doc: Document) -> str:
    """The stored document, else the default (blocking: a small file)."""
    path = path_of(settings, doc)
    try:
        if path.is_file() and path.stat().st_size <= MAX_BYTES:
            return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        pass
    return default_html(settings, doc)


def clean_html(text: str) -> str:
    return nh3.clean(text, clean_content_tags={"script", "style"}, strip_comments=True)


def save_document(settings: Settings, doc: Document, data: bytes) -> str:
    """Store ``data`` (HTML) as the document; its URL. Blocking: run in a thread."""
    if len(data) > MAX_BYTES:
        raise TooLarge(f"file: is too large (maximum is {MAX_BYTES} bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unprocessable("file: must be an HTML document in UTF-8") from None
    if "\x00" in text:
        raise Unprocessable("file: must be an HTML document in UTF-8")
    path = path_of(settings, doc)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
        try:
            temporary.write_text(clean_html(text), encoding="utf-8")
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError as exc:
        raise Unprocessable(f"The document could not be stored: {exc.strerror}") from None
    return url_of(settings, doc)


def delete_document(settings: Settings, doc: Document) -> None:
    """Remove the stored document, so the default is served again; 404 when there is none
    (as Pleroma). Blocking: a file removal."""
    try:
        path_of(settings, doc).unlink()
    except FileNotFoundError:
        raise NotFound(NOT_FOUND) from None
    except OSError as exc:
        raise Unprocessable(f"The document could not be removed: {exc.strerror}") from None


async def store_document(
    session: AsyncSession, settings: Settings, actor: Account, doc: Document, data: bytes
) -> str:
    """``save_document`` (in a thread), then its log entry; the caller commits."""
    url = await asyncio.to_thread(save_document, settings, doc, data)
    await log_action(session, actor, "instance_document_update", name=doc.name)
    return url


async def restore_default(
    session: AsyncSession, settings: Settings, actor: Account, doc: Document
) -> None:
    """``delete_document`` (in a thread), then its log entry; the caller commits."""
    await asyncio.to_thread(delete_document, settings, doc)
    await log_action(session, actor, "instance_document_delete", name=doc.name)
