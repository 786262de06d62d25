"""Which strings are emoji one may react with, as Pleroma decides it.

Pleroma (``Pleroma.Emoji.unicode?``) accepts exactly the fully-qualified sequences of
Unicode's emoji-test.txt (the RGI emoji: one grapheme each, skin tones, ZWJ families and
flags included) plus the 26 regional indicator letters, and before checking it qualifies
what arrives without its variation selectors ("❤" becomes "❤️": Misskey sends its
legacy "love" that way). Anything else, letters, digits, "©" alone, several emoji, is not
a unicode reaction. The list comes from the ``emoji`` package (Unicode's data, updated
with each Unicode release), so nothing here guesses from character categories.

A custom emoji is written ``:shortcode:`` (Pleroma, Akkoma and Misskey all send it so);
its image URL must come with it (the activity's Emoji tag, or our own packs).
"""

from __future__ import annotations

import re

import emoji as emoji_data

_VS16 = "\ufe0f"
_FULLY_QUALIFIED = emoji_data.STATUS["fully_qualified"]
_REGIONAL_INDICATORS = frozenset(chr(c) for c in range(0x1F1E6, 0x1F200))
# The longest RGI sequence is a family of four with skin tones: well under this.
MAX_EMOJI_LENGTH = 32
SHORTCODE_RE = re.compile(r"[A-Za-z0-9_-]+")
_CUSTOM_RE = re.compile(r":([A-Za-z0-9_-]+):")


def _tables() -> tuple[frozenset[str], dict[str, str]]:
    qualified = {
        text for text, info in emoji_data.EMOJI_DATA.items() if info["status"] == _FULLY_QUALIFIED
    }
    qualified |= _REGIONAL_INDICATORS
    # Each qualified sequence under its form without variation selectors, so that any
    # partly or un-qualified spelling finds it (Pleroma's fully_qualify_emoji).
    by_bare = {}
    for text in sorted(qualified):
        by_bare.setdefault(text.replace(_VS16, ""), text)
    return frozenset(qualified), by_bare


_QUALIFIED, _BY_BARE = _tables()


def unicode_emoji(text: str | None) -> str | None:
    """The fully-qualified form of ``text`` when it is one unicode emoji, else None."""
    if not isinstance(text, str) or not text or len(text) > MAX_EMOJI_LENGTH:
        return None
    if text in _QUALIFIED:
        return text
    return _BY_BARE.get(text.replace(_VS16, ""))


def custom_shortcode(text: str | None) -> str | None:
    """The shortcode of a ``:shortcode:`` reaction, else None."""
    if not isinstance(text, str):
        return None
    found = _CUSTOM_RE.fullmatch(text)
    return found.group(1) if found else None
