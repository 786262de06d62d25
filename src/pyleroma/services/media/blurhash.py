"""BlurHash (https://blurha.sh): a ~30-character placeholder clients paint while media loads.

A small pure-Python encoder (the algorithm of the reference C/TypeScript implementations), so
no native dependency is needed. It is meant for small images: media processing feeds it the
thumbnail shrunk to at most ``SAMPLE_SIZE`` pixels a side, which keeps it to a few
milliseconds while changing the hash imperceptibly (the hash only keeps the lowest
frequencies anyway).
"""

from __future__ import annotations

import math

from PIL import Image

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
SAMPLE_SIZE = 32
# Mastodon's choice: 4 x 4 components, a 36-character hash.
X_COMPONENTS = 4
Y_COMPONENTS = 4

# sRGB byte -> linear light, computed once.
_TO_LINEAR = [
    (v / 255) / 12.92 if v / 255 <= 0.04045 else ((v / 255 + 0.055) / 1.055) ** 2.4
    for v in range(256)
]


def _to_srgb(value: float) -> int:
    v = min(1.0, max(0.0, value))
    if v <= 0.0031308:
        return int(v * 12.92 * 255 + 0.5)
    return int((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5)


def _base83(value: int, length: int) -> str:
    return "".join(ALPHABET[(value // 83 ** (length - i)) % 83] for i in range(1, length + 1))


def _sign_pow(value: float, exponent: float) -> float:
    return math.copysign(abs(value) ** exponent, value)


def encode_pixels(
    pixels: list[tuple[int, int, int]],
    width: int,
    height: int,
    x_components: int = X_COMPONENTS,
    y_components: int = Y_COMPONENTS,
) -> str:
    """The hash of ``width`` x ``height`` RGB pixels given row by row."""
    if not (1 <= x_components <= 9 and 1 <= y_components <= 9):
        raise ValueError("blurhash components must be between 1 and 9")
    if width < 1 or height < 1 or len(pixels) != width * height:
        raise ValueError("pixel data does not match the size")
    linear = [(_TO_LINEAR[r], _TO_LINEAR[g], _TO_LINEAR[b]) for r, g, b in pixels]
    factors: list[tuple[float, float, float]] = []
    for j in range(y_components):
        cos_y = [math.cos(math.pi * j * y / height) for y in range(height)]
        for i in range(x_components):
            cos_x = [math.cos(math.pi * i * x / width) for x in range(width)]
            r = g = b = 0.0
            for y in range(height):
                row = y * width
                cy = cos_y[y]
                for x in range(width):
                    basis = cos_x[x] * cy
                    pr, pg, pb = linear[row + x]
                    r += basis * pr
                    g += basis * pg
                    b += basis * pb
            scale = (1 if i == 0 and j == 0 else 2) / (width * height)
            factors.append((r * scale, g * scale, b * scale))

    dc, ac = factors[0], factors[1:]
    parts = [_base83((x_components - 1) + (y_components - 1) * 9, 1)]
    if ac:
        actual_max = max(abs(c) for factor in ac for c in factor)
        quantised_max = int(max(0, min(82, math.floor(actual_max * 166 - 0.5))))
        max_value = (quantised_max + 1) / 166
        parts.append(_base83(quantised_max, 1))
    else:
        max_value = 1.0
        parts.append(_base83(0, 1))
    parts.append(_base83((_to_srgb(dc[0]) << 16) + (_to_srgb(dc[1]) << 8) + _to_srgb(dc[2]), 4))
    for factor in ac:
        r, g, b = (
            int(max(0, min(18, math.floor(_sign_pow(c / max_value, 0.5) * 9 + 9.5))))
            for c in factor
        )
        parts.append(_base83(r * 19 * 19 + g * 19 + b, 2))
    return "".join(parts)


def encode_image(image: Image.Image) -> str:
    """The hash of a Pillow image (shrunk to ``SAMPLE_SIZE`` first; transparency ignored)."""
    sample = image.convert("RGB")
    sample.thumbnail((SAMPLE_SIZE, SAMPLE_SIZE), Image.Resampling.BOX)
    raw = sample.tobytes()
    pixels = list(zip(raw[0::3], raw[1::3], raw[2::3], strict=True))
    return encode_pixels(pixels, sample.width, sample.height)
