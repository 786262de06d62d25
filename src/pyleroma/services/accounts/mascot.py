"""Pleroma-FE's mascot: the little picture beside the post form, one per account.

``GET /api/v1/pleroma/mascot`` answers the account's mascot, or the instance's default one;
``PUT`` takes an image (``file``), stores it and answers its attachment entity, which is
also what ``Account.mascot`` keeps (Pleroma keeps the same map in ``user.mascot``), so a
GET reads it back as it was answered.

Only images are taken, and the type is decided by decoding the bytes, never by the name or
the client's content type (services/media/images.py): anything else is 415 with Pleroma's
"mascots can only be images". The image is re-encoded (metadata dropped), shrunk to fit
``BOX`` and capped at ``max_upload_size`` as any upload. It is stored with the profile
images (``uploads/accounts/mascots/``), not as a media attachment: attachments no status
uses are purged, a mascot never is. A replaced mascot's file is removed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from pyleroma.db.ids import new_id
from pyleroma.errors import Unprocessable, UnsupportedMedia
from pyleroma.models import Account
from pyleroma.services.media import images, media_probe
from pyleroma.settings import Settings
from pyleroma.urls import upload_url

MASCOT = images.ImageKind("file", "mascots", "max_upload_size", (800, 800))
NOT_AN_IMAGE = "mascots can only be images"
# Shipped in web/static/images (Pleroma's default is its fox, /images/pleroma-fox-tan-smol.png).
DEFAULT_MASCOT_PATH = "/images/mascot.png"
DEFAULT_MASCOT_MIME = "image/png"


def default_mascot(settings: Settings) -> dict:
    """The instance's mascot, in the shape Pleroma answers for an account without one."""
    url = settings.base_url + DEFAULT_MASCOT_PATH
    return {
        "id": "default-mascot",
        "url": url,
        "preview_url": url,
        "pleroma": {"mime_type": DEFAULT_MASCOT_MIME},
    }


def get_mascot(settings: Settings, account: Account) -> dict:
    return dict(account.mascot) if account.mascot else default_mascot(settings)


def _attachment(settings: Settings, relative: str, image: images.ProcessedImage) -> dict:
    """The stored mascot as a Mastodon attachment entity (Pleroma's attachment.json keys)."""
    url = upload_url(settings, relative)
    return {
        "id": str(new_id()),
        "type": "image",
        "url": url,
        "remote_url": url,
        "preview_url": url,
        "text_url": url,
        "description": None,
        "blurhash": None,
        "meta": {
            "original": {
                "width": image.width,
                "height": image.height,
                "size": f"{image.width}x{image.height}",
                "aspect": image.width / image.height,
            }
        },
        "pleroma": {"mime_type": media_probe.SERVED_TYPES[image.extension]},
    }


def _stored_relative(mascot: dict | None) -> str | None:
    """The uploads-relative path of a stored mascot's file (its URL's part after /media/)."""
    if not mascot or not isinstance(mascot.get("url"), str):
        return None
    path = urlsplit(mascot["url"]).path
    return path.removeprefix("/media/") if path.startswith("/media/") else None


def _process(data: bytes) -> images.ProcessedImage:
    try:
        return images.process_image(data, MASCOT)
    except UnsupportedMedia as exc:
        raise UnsupportedMedia(NOT_AN_IMAGE) from exc


async def update_mascot(
    session: AsyncSession, settings: Settings, account: Account, upload
) -> dict:
    """Check, store and set ``upload`` as the account's mascot; commits. Nothing is written
    when the upload is refused."""
    if upload is None or upload == "":
        raise Unprocessable("file: is required")
    if not isinstance(upload, UploadFile):
        raise UnsupportedMedia(NOT_AN_IMAGE)
    data = await images.read_upload(upload, MASCOT.max_bytes(settings))
    if not data:
        raise Unprocessable("file: the file is empty")
    image = await to_thread.run_sync(_process, data)
    relative = images.store_image(settings, MASCOT, image)
    old = _stored_relative(account.mascot)
    attachment = _attachment(settings, relative, image)
    try:
        account.mascot = attachment
        await session.commit()
    except BaseException:
        await session.rollback()
        images.delete_image(settings, relative)
        raise
    if old and old != relative:
        images.delete_image(settings, old)
    return dict(attachment)
