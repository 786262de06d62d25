"""Media processing without HTTP: type sniffing by magic bytes, image re-encoding (metadata
stripped, orientation applied, thumbnails), and the blurhash encoder."""

from __future__ import annotations

import io
import struct
import time
import warnings

import pytest
from PIL import Image

from pyleroma.errors import Unprocessable, UnsupportedMedia
from pyleroma.services.media import blurhash, media, media_probe
from pyleroma.services.media.media_probe import sniff
from tests import media_samples as samples

ALPHABET = blurhash.ALPHABET


def probe_of(data: bytes):
    return sniff(io.BytesIO(data))


@pytest.mark.parametrize(
    ("data", "kind", "mime", "extension"),
    [
        (samples.png_bytes(), "image", "image/png", "png"),
        (samples.jpeg_with_gps(), "image", "image/jpeg", "jpg"),
        (samples.animated_gif(), "image", "image/gif", "gif"),
        (samples.webp_bytes(), "image", "image/webp", "webp"),
        (samples.mp4_bytes(), "video", "video/mp4", "mp4"),
        (samples.mp4_bytes(moov_last=False), "video", "video/mp4", "mp4"),
        (samples.mp4_bytes(brand=b"M4V "), "video", "video/mp4", "mp4"),
        (samples.mp4_bytes(brand=b"qt  "), "video", "video/quicktime", "mov"),
        (samples.mp4_bytes(brand=b"M4A ", handlers=(b"soun",)), "audio", "audio/mp4", "m4a"),
        # A generic brand holding only a sound track is audio (an .m4a from many encoders).
        (samples.mp4_bytes(brand=b"mp42", handlers=(b"soun",)), "audio", "audio/mp4", "m4a"),
        (samples.webm_bytes(b"V_VP9"), "video", "video/webm", "webm"),
        (samples.webm_bytes(b"A_OPUS"), "audio", "audio/webm", "weba"),
        (samples.ogg_bytes(), "audio", "audio/ogg", "ogg"),
        (samples.ogg_bytes(b"\x01vorbis" + b"\0" * 23), "audio", "audio/ogg", "ogg"),
        (samples.ogg_bytes(b"\x80theora" + b"\0" * 34), "video", "video/ogg", "ogv"),
        (samples.mp3_bytes(id3=True), "audio", "audio/mpeg", "mp3"),
        (samples.mp3_bytes(id3=False), "audio", "audio/mpeg", "mp3"),
        (samples.wav_bytes(), "audio", "audio/wav", "wav"),
        (samples.flac_bytes(), "audio", "audio/flac", "flac"),
    ],
)
def test_accepted_types_are_recognised_by_their_bytes(data, kind, mime, extension):
    probe = probe_of(data)
    assert probe == media_probe.Probe(kind, mime, extension)
    assert media_probe.SERVED_TYPES[extension] == mime


@pytest.mark.skipif(not media_probe.AVIF_SUPPORTED, reason="Pillow built without AVIF")
def test_avif_is_an_image_when_pillow_reads_it():
    assert probe_of(samples.avif_bytes()) == media_probe.AVIF


@pytest.mark.parametrize(
    "data",
    [
        samples.HTML,
        samples.SVG,
        samples.PDF,
        samples.ZIP,
        samples.ADTS_AAC,  # AAC without a container: not on the list
        samples.HEIC,  # Pillow can't decode it here
        samples.GP3,
        samples.webm_bytes(doctype=b"matroska"),
        samples.ogg_bytes(b"\x80unknown" + b"\0" * 20),
        b"",
        b"GIF8",
        b"\xff\xd8",
        b"RIFF\0\0\0\0AVI LIST",
        b"#!/bin/sh\nrm -rf /\n",
    ],
)
def test_other_files_are_not_recognised(data):
    assert probe_of(data) is None


def test_sniffing_rewinds_the_file():
    file = io.BytesIO(samples.mp4_bytes())
    file.seek(100)
    sniff(file)
    assert file.tell() == 0


def test_track_handlers_are_read_from_moov_wherever_it_is():
    for moov_last in (True, False):
        file = io.BytesIO(samples.mp4_bytes(handlers=(b"vide", b"soun"), moov_last=moov_last))
        assert media_probe._track_handlers(file) == {b"vide", b"soun"}


def test_a_file_of_countless_boxes_is_walked_in_bounded_time():
    ftyp = samples.box(b"ftyp", b"isom\0\0\0\0isom")
    data = ftyp + samples.box(b"free", b"") * 200_000 + samples.mp4_bytes()
    started = time.monotonic()
    assert probe_of(data) == media_probe.MP4  # no handlers found: the brand's default
    assert time.monotonic() - started < 1.0


def test_broken_box_sizes_do_not_loop():
    ftyp = samples.box(b"ftyp", b"mp42\0\0\0\0isom")
    for tail in (struct.pack(">I4s", 3, b"moov"), struct.pack(">I4sQ", 1, b"moov", 4)):
        assert probe_of(ftyp + tail + b"\0" * 64) == media_probe.MP4


# -- images ---------------------------------------------------------------------------------


def test_jpeg_is_reencoded_without_exif_and_upright():
    # Orientation 6: the camera was turned; viewers rotate the stored 1600x900 to 900x1600.
    processed = media.process_image_file(samples.jpeg_with_gps(orientation=6))
    assert processed.kind == "image" and processed.mime == "image/jpeg"
    assert b"SpyCam" not in processed.data and b"home sweet home" not in processed.data
    with Image.open(io.BytesIO(processed.data)) as stored:
        assert stored.size == (900, 1600)
        exif = stored.getexif()
        assert not exif.get_ifd(samples.GPS_IFD)
        assert samples.ORIENTATION not in exif and 0x010F not in exif
        # The red half (the image's left) is now on top.
        top = stored.convert("RGB").getpixel((450, 100))
        bottom = stored.convert("RGB").getpixel((450, 1500))
        assert top[0] > 180 > top[2] and bottom[2] > 180 > bottom[0]
    assert processed.meta["original"] == {
        "width": 900,
        "height": 1600,
        "size": "900x1600",
        "aspect": 900 / 1600,
    }
    assert processed.meta["small"]["size"] == "360x640"
    with Image.open(io.BytesIO(processed.thumbnail.data)) as thumb:
        assert thumb.size == (360, 640)
        assert not thumb.getexif()


def test_small_images_are_their_own_preview():
    processed = media.process_image_file(samples.png_bytes((64, 48)))
    assert processed.thumbnail is None
    assert processed.meta["small"] == processed.meta["original"]
    assert processed.meta["original"]["size"] == "64x48"
    assert len(processed.blurhash) == 36


def test_animated_gif_stays_an_animated_gif_with_an_animated_thumbnail():
    processed = media.process_image_file(samples.animated_gif(frames=5, size=(1280, 720)))
    assert (processed.mime, processed.extension) == ("image/gif", "gif")
    with Image.open(io.BytesIO(processed.data)) as stored:
        assert stored.n_frames == 5 and stored.size == (1280, 720)
    with Image.open(io.BytesIO(processed.thumbnail.data)) as thumb:
        assert thumb.n_frames == 5 and thumb.size == (640, 360)


def test_a_still_gif_is_stored_as_png():
    processed = media.process_image_file(samples.still_gif())
    assert (processed.mime, processed.extension) == ("image/png", "png")
    assert processed.data.startswith(b"\x89PNG")


@pytest.mark.skipif(not media_probe.AVIF_SUPPORTED, reason="Pillow built without AVIF")
def test_avif_stays_avif():
    processed = media.process_image_file(samples.avif_bytes())
    assert (processed.mime, processed.extension) == ("image/avif", "avif")
    assert probe_of(processed.data) == media_probe.AVIF


def test_truncated_image_is_unprocessable():
    data = samples.png_bytes((300, 300), noise=True)
    with pytest.raises(Unprocessable, match="could not be read"):
        media.process_image_file(data[: len(data) // 2])


def test_decompression_bomb_is_refused_before_decoding():
    for size in ((20_000, 20_000), (9_000, 5_000)):  # Pillow's own limit, then ours (40 MP)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Unprocessable, match="too many pixels"):
                media.process_image_file(samples.png_claiming_size(*size))


def test_thumbnail_must_be_an_image():
    with pytest.raises(UnsupportedMedia):
        media.process_thumbnail(samples.mp3_bytes())
    thumb = media.process_thumbnail(samples.png_bytes((1000, 500)))
    assert (thumb.width, thumb.height) == (640, 320)


# -- checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.5,-0.25", (0.5, -0.25)),
        ("-1,1", (-1.0, 1.0)),
        ([0, 0.1], (0.0, 0.1)),
        ({"x": "0.2", "y": 0.3}, (0.2, 0.3)),
        ("", None),
        (None, None),
    ],
)
def test_focus_parses(value, expected):
    assert media.parse_focus(value) == expected


@pytest.mark.parametrize(
    "value", ["1.5,0", "0,-2", "abc", "0.1", "0.1,0.2,0.3", "nan,0", "inf,0", [True, 0], 7]
)
def test_bad_focus_is_unprocessable(value):
    with pytest.raises(Unprocessable, match="focus"):
        media.parse_focus(value)


# -- blurhash -------------------------------------------------------------------------------


def _decode83(text: str) -> int:
    value = 0
    for char in text:
        value = value * 83 + ALPHABET.index(char)
    return value


def test_blurhash_format_and_average_colour():
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    code = blurhash.encode_image(image)
    assert len(code) == 4 + 2 * 4 * 4
    assert all(c in ALPHABET for c in code)
    size_flag = _decode83(code[0])
    assert (size_flag % 9 + 1, size_flag // 9 + 1) == (4, 4)
    average = _decode83(code[2:6])
    assert (average >> 16, (average >> 8) & 255, average & 255) == (200, 30, 30)


def test_blurhash_component_bounds():
    with pytest.raises(ValueError):
        blurhash.encode_pixels([(0, 0, 0)], 1, 1, x_components=10)
    assert len(blurhash.encode_pixels([(1, 2, 3)] * 6, 3, 2, 1, 1)) == 6


def test_blurhash_matches_the_reference_implementation():
    reference = pytest.importorskip("blurhash")
    if not hasattr(reference, "encode") or reference is blurhash:
        pytest.skip("no reference blurhash encoder installed")
    pixels = [(x * 7 % 256, y * 11 % 256, (x * y) % 256) for y in range(20) for x in range(32)]
    image = Image.new("RGB", (32, 20))
    image.putdata(pixels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        expected = reference.encode(image.copy(), 4, 4)
    assert blurhash.encode_pixels(pixels, 32, 20) == expected
