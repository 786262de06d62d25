"""The one stylesheet of every page the server renders, and the Content-Security-Policy
that lets exactly it apply.

The style travels inside the page (no second request for a page that is often the only one
a visitor loads), and the policy names it by its SHA-256 rather than allowing inline style
in general: an attacker who got markup into a page still could not style it, and no script
runs on these pages at all (``script-src`` is never granted).
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

STYLE = (Path(__file__).parent / "templates" / "style.css").read_text(encoding="utf-8")
STYLE_SOURCE = "'sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode() + "'"
STYLE_TAG = f"<style>{STYLE}</style>"


def content_security_policy(*, images: str = "'self'", framing: str = "'none'") -> str:
    """The policy of a server-rendered page: nothing but our style, ``images`` (and media)
    from where the page shows them, forms posting back to us, framed only by ``framing``."""
    return (
        f"default-src 'none'; style-src {STYLE_SOURCE}; img-src {images} data:; "
        f"media-src {images}; form-action 'self'; base-uri 'none'; "
        f"frame-ancestors {framing}"
    )
