"""Profile images (avatar, header, background): checked, re-encoded and stored on disk.

What a client claims about a file (name, content type) is never trusted: the type is decided
by decoding the bytes with Pillow, and only PNG, JPEG, GIF and WebP are accepted. Every image
is re-encoded, which drops EXIF (GPS position, camera serial) and any other metadata or
trailing payload, and is shrunk to fit its box (never enlarged or cropped). Animated GIF and
WebP stay animated when the animation is small enough; otherwise the first frame is kept.

Errors: a file over the size cap is 413, a file that is not one of the accepted image types
is 415 (as Pleroma answers for non-image uploads), an image that cannot be decoded or is
too large in pixels (a decompression bomb) is 422.

Files live under ``uploads_dir/accounts/<kind>/<random>.<ext>``: the random part makes the
URL unguessable, and the name never comes from the client. They are served from ``/media``.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from anyio import to_thread
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError
from starlette.datastructures import UploadFile

from pyleroma.errors import TooLarge, Unprocessable, UnsupportedMedia
from pyleroma.settings import Settings

# Pixels per frame above which a file is refused before it is decoded.
MAX_PIXELS = 40_000_000
# An animation keeps its frames only below these bounds (frames, and frames x pixels).
MAX_FRAMES = 200
MAX_ANIMATION_PIXELS = 50_000_000
ACCEPTED_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
STORAGE_PREFIX = "accounts/"


@dataclass(frozen=True)
class ImageKind:
    name: str  # the parameter name used in messages
    directory: str
    size_setting: str  # the Settings field holding the byte cap
    box: tuple[int, int]  # the largest width and height kept

    def max_bytes(self, settings: Settings) -> int:
        return getattr(settings, self.size_setting)


AVATAR = ImageKind("avatar", "avatars", "max_avatar_size", (400, 400))
HEADER = ImageKind("header", "headers", "max_banner_size", (1500, 500))
BACKGROUND = ImageKind(
    "pleroma_background_image", "backgrounds", "max_background_size", (2560, 2560)
)


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    extension: str
    width: int
    height: int


async def read_upload(upload: UploadFile, limit: int) -> bytes:
    """The upload's bytes; 413 when it is larger than ``limit`` (read no more than that)."""
    if upload.size is not None and upload.size > limit:
        raise TooLarge("File is too large")
    await upload.seek(0)
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise TooLarge("File is too large")
    return data


def open_image(
    data: bytes,
    field: str,
    formats: tuple[str, ...] = ACCEPTED_FORMATS,
    label: str = "PNG, JPEG, GIF or WebP",
) -> Image.Image:
    """Open ``data`` as one of ``formats`` (Pillow names), refusing decompression bombs.

    ``field`` names the parameter in error messages and ``label`` lists the accepted types.
    Only the header is read here; pixels are decoded when the image is encoded again.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=formats)
        except UnidentifiedImageError as exc:
            raise UnsupportedMedia(f"{field}: not a supported image ({label})") from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise Unprocessable(f"{field}: image has too many pixels") from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise Unprocessable(f"{field}: the image could not be read") from exc
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        image.close()
        raise Unprocessable(f"{field}: image has too many pixels")
    return image


def _clean_mode(frame: Image.Image, for_jpeg: bool) -> Image.Image:
    if for_jpeg:
        return frame if frame.mode in ("RGB", "L") else frame.convert("RGB")
    if frame.mode in ("RGB", "RGBA", "L", "LA"):
        return frame
    # Palette, CMYK, 16-bit and the rest: RGBA resizes well and keeps transparency.
    return frame.convert("RGBA")


def _fit(frame: Image.Image, box: tuple[int, int]) -> Image.Image:
    """``frame`` shrunk to fit ``box``: a new image, or ``frame`` itself when it already fits
    (no copy of a large original; callers only replace the result's ``info``)."""
    if frame.width <= box[0] and frame.height <= box[1]:
        return frame
    frame = frame.copy()
    frame.thumbnail(box, Image.Resampling.LANCZOS)
    return frame


def _encode_animation(image: Image.Image, box: tuple[int, int], fmt: str) -> ProcessedImage:
    frames: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(image):
        durations.append(int(frame.info.get("duration", 100)) or 100)
        fitted = _fit(frame.convert("RGBA"), box)
        fitted.info = {}  # no comments or other metadata carried over
        frames.append(fitted)
    out = io.BytesIO()
    first, rest = frames[0], frames[1:]
    options = {"save_all": True, "append_images": rest, "duration": durations}
    options["loop"] = int(image.info.get("loop", 0))
    if fmt == "GIF":
        first.save(out, format="GIF", disposal=2, optimize=False, **options)
        extension = "gif"
    else:
        first.save(out, format="WEBP", quality=90, **options)
        extension = "webp"
    return ProcessedImage(out.getvalue(), extension, first.width, first.height)


def _save_static(frame: Image.Image, fmt: str, icc_profile: bytes | None) -> ProcessedImage:
    # Nothing from the original's metadata goes into the new file.
    frame.info = {}
    out = io.BytesIO()
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "JPEG":
        frame.save(out, format="JPEG", quality=90, optimize=True, **extra)
        extension = "jpg"
    elif fmt == "WEBP":
        frame.save(out, format="WEBP", quality=90, **extra)
        extension = "webp"
    elif fmt == "AVIF":
        frame.save(out, format="AVIF", quality=80, **extra)
        extension = "avif"
    else:
        # PNG, and single-frame GIFs (stored as PNG, which keeps their colours exactly).
        frame.save(out, format="PNG", optimize=True, **extra)
        extension = "png"
    return ProcessedImage(out.getvalue(), extension, frame.width, frame.height)


def encode_variants(
    image: Image.Image, boxes: list[tuple[int, int]], field: str
) -> list[ProcessedImage]:
    """Re-encode an opened image once per box (e.g. the original and its thumbnail).

    The frame is decoded, turned upright (EXIF orientation) and cleaned once, then shrunk
    for each box, so a thumbnail costs one resize, not a second decode. CPU-bound: run it in
    a thread. The caller closes ``image``.
    """
    # Phones write MPO (a JPEG followed by depth or preview frames): its first frame is a JPEG.
    fmt = "JPEG" if image.format == "MPO" else image.format
    try:
        frames = getattr(image, "n_frames", 1)
        width, height = image.size
        if (
            fmt in ("GIF", "WEBP")
            and 1 < frames <= MAX_FRAMES
            and frames * width * height <= MAX_ANIMATION_PIXELS
        ):
            return [_encode_animation(image, box, fmt) for box in boxes]
        image.seek(0)
        icc_profile = image.info.get("icc_profile")
        frame = _clean_mode(ImageOps.exif_transpose(image), for_jpeg=fmt == "JPEG")
        return [_save_static(_fit(frame, box), fmt, icc_profile) for box in boxes]
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise Unprocessable(f"{field}: the image could not be read") from exc


def process_image(data: bytes, kind: ImageKind) -> ProcessedImage:
    """Decode, check and re-encode ``data`` for ``kind`` (CPU-bound: run it in a thread)."""
    image = open_image(data, kind.name)
    try:
        return encode_variants(image, [kind.box], kind.name)[0]
    finally:
        image.close()


async def prepare_image(upload: UploadFile, settings: Settings, kind: ImageKind) -> ProcessedImage:
    """Read and process an uploaded image; nothing is written yet."""
    data = await read_upload(upload, kind.max_bytes(settings))
    return await to_thread.run_sync(process_image, data, kind)


def store_image(settings: Settings, kind: ImageKind, image: ProcessedImage) -> str:
    """Write the image under a fresh random name; returns its path relative to uploads_dir."""
    relative = f"{STORAGE_PREFIX}{kind.directory}/{secrets.token_hex(16)}.{image.extension}"
    path = settings.uploads_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(image.data)
    return relative


def stored_path(
    settings: Settings, relative: str | None, prefix: str = STORAGE_PREFIX
) -> Path | None:
    """The file behind a stored relative path, if it is one of ours (never outside uploads).

    ``prefix`` is the storage area the path must be in (profile images by default).
    """
    if not relative or "://" in relative or not relative.startswith(prefix):
        return None
    root = settings.uploads_dir.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        return None
    return path


def delete_image(settings: Settings, relative: str | None) -> None:
    """Remove a stored image; a missing file or a foreign path is silently ignored."""
    path = stored_path(settings, relative)
    if path is not None:
        path.unlink(missing_ok=True)
