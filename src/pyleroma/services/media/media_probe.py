"""What an uploaded file really is, decided from its first bytes (never its name or the
content type the client sent).

Only an allow-list of types is recognised: images (JPEG, PNG, GIF, WebP, AVIF when Pillow can
decode it), video (MP4/M4V, QuickTime, WebM, Ogg Theora) and audio (MP3, Ogg Vorbis/Opus/FLAC,
WAV, FLAC, M4A). Anything else (HTML, SVG, PDF, scripts, archives, HEIC, Matroska...) is
``None``, which the upload answers with 415. The extension a file is stored under comes from
the type found here, and ``SERVED_TYPES`` maps it back to the Content-Type the /media mount
sends, so what the API reports, what is stored and what is served always agree.

ISO media (MP4 and friends) and WebM say in their headers which brand they are, but not
whether they hold video: for those, the track handlers (MP4 ``hdlr`` boxes) or codec ids
(WebM) decide between video and audio.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from PIL import features

HEAD_BYTES = 64 * 1024
# Upper bound on MP4 boxes visited while looking for track handlers (a hostile file can
# be made of millions of empty boxes).
MAX_BOXES = 2000


@dataclass(frozen=True)
class Probe:
    kind: str  # image | video | audio (Mastodon's attachment types)
    mime: str
    extension: str


JPEG = Probe("image", "image/jpeg", "jpg")
PNG = Probe("image", "image/png", "png")
GIF = Probe("image", "image/gif", "gif")
WEBP = Probe("image", "image/webp", "webp")
AVIF = Probe("image", "image/avif", "avif")
MP4 = Probe("video", "video/mp4", "mp4")
QUICKTIME = Probe("video", "video/quicktime", "mov")
WEBM = Probe("video", "video/webm", "webm")
OGG_VIDEO = Probe("video", "video/ogg", "ogv")
M4A = Probe("audio", "audio/mp4", "m4a")
WEBM_AUDIO = Probe("audio", "audio/webm", "weba")
MP3 = Probe("audio", "audio/mpeg", "mp3")
OGG_AUDIO = Probe("audio", "audio/ogg", "ogg")
WAV = Probe("audio", "audio/wav", "wav")
FLAC = Probe("audio", "audio/flac", "flac")

# Extension -> Content-Type for files we store (images are re-encoded, so their stored
# extension may differ from the upload's: a single-frame GIF becomes a PNG).
SERVED_TYPES = {
    p.extension: p.mime
    for p in (
        JPEG,
        PNG,
        GIF,
        WEBP,
        AVIF,
        MP4,
        QUICKTIME,
        WEBM,
        OGG_VIDEO,
        M4A,
        WEBM_AUDIO,
        MP3,
        OGG_AUDIO,
        WAV,
        FLAC,
    )
}

AVIF_SUPPORTED = bool(features.check("avif"))

AVIF_BRANDS = {b"avif", b"avis"}
AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
VIDEO_BRANDS = {b"M4V ", b"M4VH", b"M4VP"}
# Generic ISO base media brands: the tracks decide between video and audio.
ISO_BRANDS = {
    b"isom",
    b"iso2",
    b"iso3",
    b"iso4",
    b"iso5",
    b"iso6",
    b"iso7",
    b"iso8",
    b"iso9",
    b"mp41",
    b"mp42",
    b"mp71",
    b"avc1",
    b"dash",
    b"mmp4",
    b"MSNV",
    b"XAVC",
    b"f4v ",
}
WEBM_VIDEO_CODECS = (b"V_VP8", b"V_VP9", b"V_AV1", b"V_MPEG4", b"V_MPEGH")
WEBM_AUDIO_CODECS = (b"A_OPUS", b"A_VORBIS")


def sniff(file: BinaryIO) -> Probe | None:
    """The type of the file's content, or None when it is not an accepted type.

    Reads the first bytes (and, for MP4, seeks through its box headers); blocking file I/O,
    so call it from a thread for uploads spooled to disk.
    """
    file.seek(0)
    head = file.read(HEAD_BYTES)
    probe = _sniff_head(head)
    if probe is None and head[4:8] == b"ftyp":
        probe = _sniff_iso(file, head)
    file.seek(0)
    return probe


def _sniff_head(head: bytes) -> Probe | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"fLaC"):
        return FLAC
    if head.startswith(b"OggS"):
        return _sniff_ogg(head)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _sniff_webm(head)
    if head.startswith(b"ID3") and len(head) >= 10 or _is_mpeg_audio_frame(head):
        return MP3
    return None


def _is_mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG-1/2/2.5 Layer II or III frame header (MP3 without an ID3 tag)."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate = head[2] >> 4
    sample_rate = (head[2] >> 2) & 0b11
    # version 01 is reserved; layer 00 is reserved (ADTS AAC uses it); layer 11 is Layer I.
    return version != 0b01 and layer in (0b01, 0b10) and bitrate != 0b1111 and sample_rate != 3


def _sniff_ogg(head: bytes) -> Probe | None:
    """The codec of an Ogg stream's first packet (its page header is 27 bytes plus lacing)."""
    if len(head) < 28:
        return None
    packet = head[27 + head[26] :]
    if packet.startswith(b"\x80theora"):
        return OGG_VIDEO
    if packet.startswith((b"OpusHead", b"\x01vorbis", b"\x7fFLAC")):
        return OGG_AUDIO
    return None


def _sniff_webm(head: bytes) -> Probe | None:
    """WebM (a Matroska profile); plain Matroska is not accepted."""
    doctype = head.find(b"\x42\x82", 4, 64)
    if doctype < 0 or head[doctype + 3 : doctype + 7] != b"webm":
        return None
    if any(codec in head for codec in WEBM_VIDEO_CODECS):
        return WEBM
    if any(codec in head for codec in WEBM_AUDIO_CODECS):
        return WEBM_AUDIO
    return WEBM


def _sniff_iso(file: BinaryIO, head: bytes) -> Probe | None:
    """ISO base media (``ftyp`` box): AVIF images, MP4/M4V/MOV video, M4A audio."""
    size = struct.unpack(">I", head[:4])[0]
    if size < 16 or size > len(head):
        return None
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, size - 3, 4)}
    brands = {major} | compatible
    if major in AVIF_BRANDS or (major == b"mif1" and brands & AVIF_BRANDS):
        return AVIF if AVIF_SUPPORTED else None
    if major == b"qt  ":
        return QUICKTIME
    if major in AUDIO_BRANDS:
        return M4A
    if major in VIDEO_BRANDS:
        return MP4
    if major not in ISO_BRANDS:
        return None  # HEIC, 3GPP, CRX and other ISO brands we don't serve
    handlers = _track_handlers(file)
    if b"soun" in handlers and b"vide" not in handlers:
        return M4A
    return MP4


def _boxes(file: BinaryIO, start: int, end: int, budget: list[int]):
    """(type, payload start, box end) of each box between ``start`` and ``end``."""
    position = start
    while position + 8 <= end and budget[0] > 0:
        budget[0] -= 1
        file.seek(position)
        header = file.read(8)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header)
        header_size = 8
        if size == 1:
            large = file.read(8)
            if len(large) < 8:
                return
            size = struct.unpack(">Q", large)[0]
            header_size = 16
        elif size == 0:
            size = end - position
        if size < header_size or position + size > end:
            return
        yield kind, position + header_size, position + size
        position += size


def _track_handlers(file: BinaryIO) -> set[bytes]:
    """The handler types (``vide``, ``soun``, ...) of the tracks in the ``moov`` box."""
    file.seek(0, 2)
    end = file.tell()
    budget = [MAX_BOXES]
    found: set[bytes] = set()
    for kind, start, stop in _boxes(file, 0, end, budget):
        if kind != b"moov":
            continue
        for trak, trak_start, trak_stop in _boxes(file, start, stop, budget):
            if trak != b"trak":
                continue
            for mdia, mdia_start, mdia_stop in _boxes(file, trak_start, trak_stop, budget):
                if mdia != b"mdia":
                    continue
                for hdlr, hdlr_start, hdlr_stop in _boxes(file, mdia_start, mdia_stop, budget):
                    if hdlr == b"hdlr" and hdlr_stop - hdlr_start >= 12:
                        file.seek(hdlr_start + 8)  # version+flags, pre_defined
                        found.add(file.read(4))
        break
    return found
