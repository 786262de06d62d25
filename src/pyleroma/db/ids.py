"""64-bit time-sortable ids (snowflakes), rendered to clients as strings.

Layout: milliseconds since 2020-01-01 in the high 42 bits, a per-process counter in the low
21 bits. Ids created later compare greater, so max_id/min_id pagination is a plain integer
comparison on an indexed column, and an id can be made for any timestamp (``id_floor``) to
page by time.
"""

from __future__ import annotations

import secrets
import threading
import time

EPOCH_MS = 1_577_836_800_000  # 2020-01-01T00:00:00Z
SEQUENCE_BITS = 21
_SEQUENCE_MASK = (1 << SEQUENCE_BITS) - 1

_lock = threading.Lock()
_last_ms = 0
_sequence = secrets.randbelow(1 << 16)


def new_id(at_ms: int | None = None) -> int:
    """Return a new id, strictly greater than any this process returned before."""
    global _last_ms, _sequence
    with _lock:
        now = int(time.time() * 1000) if at_ms is None else at_ms
        if now > _last_ms:
            _last_ms = now
            # A random start per millisecond keeps two processes from colliding in practice.
            _sequence = secrets.randbelow(1 << 16)
        else:
            _sequence = (_sequence + 1) & _SEQUENCE_MASK
            if _sequence == 0:
                _last_ms += 1
        return ((_last_ms - EPOCH_MS) << SEQUENCE_BITS) | _sequence


def id_floor(at_ms: int) -> int:
    """The smallest id that could have been created at ``at_ms``."""
    return (at_ms - EPOCH_MS) << SEQUENCE_BITS


def id_to_ms(ident: int) -> int:
    return (ident >> SEQUENCE_BITS) + EPOCH_MS


# Integers above 2**53 do not survive a JavaScript number. Pleroma-FE parses notification
# ids with parseInt (Pleroma's are small sequential numbers) and sends back the nearest
# double: ours, about 4.6e17, come back up to 32 away from the real id.
JS_SAFE_INTEGER = 1 << 53


def js_number_range(value: int) -> tuple[int, int] | None:
    """The ids a JavaScript number written as ``value`` may have been parsed from: those the
    same double stands for (``value`` is its shortest decimal, "458363245254715260", not its
    exact one); None below 2**53, where every integer is exact."""
    if value < JS_SAFE_INTEGER:
        return None
    center = int(float(value))
    half_gap = 1 << (center.bit_length() - 54)
    return center - half_gap, center + half_gap


def is_ascii_digits(value: str) -> bool:
    """A non-empty string of the digits 0-9 only.

    ``str.isdigit()`` alone also accepts ``²``, ``①`` or ``١``, which ``int()`` then refuses
    or reads as a number: client input is checked with this instead.
    """
    return value.isascii() and value.isdigit()


def parse_id(value) -> int | None:
    """Parse a client-supplied id; None when it is not a valid id (callers answer 404/422).

    An id is a non-negative 64-bit integer, or a string of ASCII digits for one.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value < (1 << 63) else None
    if isinstance(value, str) and is_ascii_digits(value) and len(value) <= 19:
        number = int(value)
        return number if number < (1 << 63) else None
    return None
