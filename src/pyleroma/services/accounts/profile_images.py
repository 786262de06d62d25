"""Pleroma's one-image profile updates: PATCH /api/v1/pleroma/accounts/update_avatar,
update_banner and update_background.

The image comes in ``img`` (Pleroma's parameter; update_banner also reads ``banner``, what
Pleroma's own handler takes) as a multipart upload or as a base64 ``data:`` URL, which is
how Pleroma-FE's image cropper sends it. An empty string removes the image. The image goes
through the same checks and re-encoding as update_credentials' (services/media/images.py:
the bytes decide the type, 415 for anything but PNG, JPEG, GIF or WebP, 413 over the size
cap of that kind), and the change is applied by ``profile.update_profile``, so it is stored,
committed and federated as a profile Update exactly as update_credentials does.
"""

from __future__ import annotations

import base64
import binascii
import re

from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from pyleroma.errors import TooLarge, Unprocessable
from pyleroma.models import Account
from pyleroma.services.accounts import profile
from pyleroma.services.media import images
from pyleroma.settings import Settings
from pyleroma.urls import upload_url
from pyleroma.values import Values

# kind -> (Account column, image kind, parameters read in order)
TARGETS = {
    "avatar": ("avatar_path", images.AVATAR, ("img",)),
    "banner": ("header_path", images.HEADER, ("img", "banner")),
    "background": ("background_path", images.BACKGROUND, ("img",)),
}
DATA_URL = re.compile(r"^data:([^,;]*)((?:;[^,;]*)*?)(;base64)?,(.*)$", re.DOTALL)


def _decode_data_url(value: str, limit: int) -> bytes:
    """The bytes of a ``data:`` URL (base64 or percent-free plain); 413 over ``limit``."""
    found = DATA_URL.match(value.strip())
    if found is None:
        raise Unprocessable("img: must be a file upload, a data: URL or an empty string")
    payload = found.group(4)
    # base64 needs 4 characters per 3 bytes: refuse an oversized payload before decoding.
    if len(payload) > (limit // 3 + 2) * 4:
        raise TooLarge("File is too large")
    if not found.group(3):
        raise Unprocessable("img: a data: URL must be base64-encoded")
    try:
        data = base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Unprocessable("img: the data: URL is not valid base64") from exc
    if len(data) > limit:
        raise TooLarge("File is too large")
    if not data:
        raise Unprocessable("img: the image is empty")
    return data


def _given(params: Values, names: tuple[str, ...]):
    for name in names:
        if params.has(name) and params.raw(name) is not None:
            return params.raw(name)
    return None


async def check_image_param(
    settings: Settings, params: Values, target: str
) -> images.ProcessedImage | None:
    """The processed image of a one-image update, or None to remove the image."""
    _, kind, names = TARGETS[target]
    value = _given(params, names)
    if value is None:
        raise Unprocessable("img: is required (an image, or an empty string to remove it)")
    if isinstance(value, UploadFile):
        if not value.filename and not value.size:
            return None  # an empty file input of an HTML form
        return await images.prepare_image(value, settings, kind)
    if not isinstance(value, str):
        raise Unprocessable("img: must be a file upload, a data: URL or an empty string")
    if not value.strip():
        return None
    data = _decode_data_url(value, kind.max_bytes(settings))
    return await to_thread.run_sync(images.process_image, data, kind)


async def update_image(
    session: AsyncSession, settings: Settings, account: Account, target: str, params: Values
) -> str | None:
    """Set or clear one profile image; returns its new URL (None once removed)."""
    column, kind, _ = TARGETS[target]
    image = await check_image_param(settings, params, target)
    update = profile.ProfileUpdate(images={column: (kind, image)})
    await profile.update_profile(session, settings, account, update)
    return upload_url(settings, getattr(account, column))
