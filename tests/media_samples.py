"""Real sample files for media tests: images made with Pillow, audio/video container headers
built byte by byte (valid structure, tiny payloads), and hostile files."""

from __future__ import annotations

import io
import random
import struct
import wave
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def png_bytes(size=(64, 48), color=(10, 120, 200, 255), noise=False) -> bytes:
    image = Image.new("RGBA", size, color)
    if noise:
        rng = random.Random(1)
        raw = bytes(rng.randrange(256) for _ in range(size[0] * size[1] * 4))
        image = Image.frombytes("RGBA", size, raw)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A small valid PNG whose header claims ``width`` x ``height`` (a decompression bomb
    as far as a decoder that trusts the header is concerned)."""
    data = bytearray(png_bytes((8, 8)))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def jpeg_with_gps(size=(1600, 900), orientation: int | None = None) -> bytes:
    """A JPEG whose EXIF holds a camera name, a GPS position and maybe an orientation.

    The left half is red and the right half blue, so a rotation can be checked by pixel."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    if orientation is not None:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"home sweet home")
    return out.getvalue()


def animated_gif(frames=4, size=(200, 120)) -> bytes:
    images_ = [Image.new("RGB", size, (i * 60, 255 - i * 60, 0)) for i in range(frames)]
    out = io.BytesIO()
    images_[0].save(out, "GIF", save_all=True, append_images=images_[1:], duration=80, loop=0)
    return out.getvalue()


def still_gif(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("P", size, 3).save(out, "GIF")
    return out.getvalue()


def webp_bytes(size=(900, 700)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 160, 60)).save(out, "WEBP", quality=80)
    return out.getvalue()


def avif_bytes(size=(80, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 160, 60)).save(out, "AVIF")
    return out.getvalue()


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _track(handler: bytes) -> bytes:
    hdlr = box(b"hdlr", b"\0" * 8 + handler + b"\0" * 12 + b"track\0")
    return box(b"trak", box(b"tkhd", b"\0" * 84) + box(b"mdia", box(b"mdhd", b"\0" * 24) + hdlr))


def mp4_bytes(brand=b"isom", handlers=(b"vide", b"soun"), moov_last=True) -> bytes:
    """An ISO media file: ftyp, an mdat of zeros and a moov with one trak per handler."""
    ftyp = box(b"ftyp", brand + b"\0\0\x02\0" + b"isom" + b"iso2" + b"mp41")
    moov = box(b"moov", box(b"mvhd", b"\0" * 100) + b"".join(_track(h) for h in handlers))
    mdat = box(b"mdat", b"\0" * 2048)
    return ftyp + mdat + moov if moov_last else ftyp + moov + mdat


def _ebml(element_id: bytes, payload: bytes) -> bytes:
    assert len(payload) < 127
    return element_id + bytes([0x80 | len(payload)]) + payload


def webm_bytes(codec=b"V_VP9", doctype=b"webm") -> bytes:
    header = _ebml(
        b"\x1a\x45\xdf\xa3",
        _ebml(b"\x42\x86", b"\x01")
        + _ebml(b"\x42\xf7", b"\x01")
        + _ebml(b"\x42\xf2", b"\x04")
        + _ebml(b"\x42\xf3", b"\x08")
        + _ebml(b"\x42\x82", doctype)
        + _ebml(b"\x42\x87", b"\x04")
        + _ebml(b"\x42\x85", b"\x02"),
    )
    track = _ebml(b"\xae", _ebml(b"\xd7", b"\x01") + _ebml(b"\x86", codec))
    tracks = _ebml(b"\x16\x54\xae\x6b", track)
    # Segment of unknown size, as live encoders write it.
    return header + b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff" + tracks + b"\0" * 512


def ogg_bytes(first_packet=b"OpusHead\x01\x02\x38\x01\x80\xbb\0\0\0\0\0") -> bytes:
    page = (
        b"OggS\x00\x02"
        + struct.pack("<qII", 0, 0x1234, 0)
        + b"\0\0\0\0"  # CRC (not checked by the sniffer)
        + bytes([1, len(first_packet)])
    )
    return page + first_packet + b"\0" * 256


def mp3_bytes(id3=True) -> bytes:
    frame = b"\xff\xfb\x90\x64" + b"\0" * 413  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\0" * 10 if id3 else b""
    return tag + frame * 4


def wav_bytes(frames=800) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x01\x00" * frames)
    return out.getvalue()


def flac_bytes() -> bytes:
    return b"fLaC" + b"\x80\x00\x00\x22" + b"\0" * 34 + b"\0" * 64


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ZIP = b"PK\x03\x04" + b"\0" * 60
ADTS_AAC = b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\0" * 64
HEIC = box(b"ftyp", b"heic\0\0\0\0mif1heic") + box(b"mdat", b"\0" * 32)
GP3 = box(b"ftyp", b"3gp4\0\0\0\0isom3gp4") + box(b"mdat", b"\0" * 32)
