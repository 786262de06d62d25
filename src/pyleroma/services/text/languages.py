"""Which ``language`` values a status may carry: ISO 639-1 codes, as Pleroma accepts.

Pleroma refuses a language that is not a two-letter ISO 639-1 code ("Invalid language").
We accept the same codes, optionally followed by a region or script subtag (``pt-BR``,
``zh-Hant``), which some Mastodon clients send; the stored value is the code as given,
with the primary code lower-cased.
"""

from __future__ import annotations

import re

_CODES = """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
    cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi
    ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks
    ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl
    nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl
    sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve
    vi vo wa wo xh yi yo za zh zu
"""
ISO_639_1 = frozenset(_CODES.split())
_TAG = re.compile(r"^(?P<code>[A-Za-z]{2})(?:[-_](?P<sub>[A-Za-z0-9]{2,8}))?$")


def normalize_language(value: str | None) -> str | None:
    """The language to store for ``value``, None for no language, or ValueError."""
    if value is None or not value.strip():
        return None
    match = _TAG.match(value.strip())
    if match is None or match["code"].lower() not in ISO_639_1:
        raise ValueError(value)
    code = match["code"].lower()
    return f"{code}-{match['sub']}" if match["sub"] else code
