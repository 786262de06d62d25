"""Cross-site request forgery: what the ``_pleroma_key`` session cookie may authenticate.

A browser attaches the cookie to requests that another site makes it send. ``SameSite=Lax``
already keeps it off cross-site POSTs, but not off requests from a sibling subdomain (the
same "site"), and not in every browser. So an unsafe request (POST, PUT, PATCH, DELETE)
that only the cookie authenticates must also show that it comes from the instance's own
origin (``base_url``), by what browsers say of every request they send:

- ``Sec-Fetch-Site``, when present, must be ``same-origin`` (or ``none``: typed or
  bookmarked by the user, which no other site can cause);
- ``Origin``, when present, must be our origin exactly. Checked too, not only the first:
  ``same-origin`` is relative to the host name the browser used, and another name for this
  server (an old domain, a bare IP) is not the instance's origin.
- Neither header: accepted. Browsers send ``Origin`` with every cross-origin POST, PUT,
  PATCH and DELETE (fetch and forms alike), and ``Sec-Fetch-Site`` with every request, so a
  request with neither is not a browser's cross-site request: it is a non-browser client
  (curl, a script), which does not carry our cookie by accident; whoever gave it the
  cookie meant it to act as the user.

Bearer tokens and HTTP Basic are never sent by a browser on its own, so they need none of
this. The OAuth login form adds a token bound to the session (``form_token``): the
one-click "Authorize as @x" is a POST the cookie alone would otherwise authenticate.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from fastapi import Request

from pyleroma.errors import Forbidden

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SAME_ORIGIN_FETCH_SITES = ("same-origin", "none")
DEFAULT_PORTS = {"http": 80, "https": 443}
FORM_TOKEN_FIELD = "_csrf_token"


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL or an ``Origin`` value; None when it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not scheme or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS.get(scheme, 0)


def cross_site_reason(request: Request, base_url: str) -> str | None:
    """Why ``request`` is not known to come from ``base_url``'s origin, or None if it is
    (or if a browser would have said otherwise: see the module docstring)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.strip().lower() not in SAME_ORIGIN_FETCH_SITES:
        return f"the browser says it was sent from another site ({fetch_site.strip()})"
    origin = request.headers.get("origin")
    if origin is not None and origin.strip() == "null" and fetch_site is not None:
        # Our pages' referrer policy (no-referrer) makes browsers send "Origin: null" with
        # the page's own form posts; Sec-Fetch-Site (same-origin or none, checked above)
        # then says where the post came from, as when no Origin is sent.
        origin = None
    if origin is not None and _origin(origin) != _origin(base_url):
        return f"it was sent from {origin.strip() or 'an unknown origin'}"
    return None


def check_cookie_request(request: Request, base_url: str) -> None:
    """Refuse (403) an unsafe request authenticated by the session cookie that is not known
    to come from the instance's own origin."""
    if request.method.upper() not in UNSAFE_METHODS:
        return
    reason = cross_site_reason(request, base_url)
    if reason is not None:
        raise Forbidden(
            f"Cross-site request refused: {reason}, and the session cookie only "
            f"authenticates requests made from {base_url}"
        )


def form_token(secret_key: str, session_secret: str) -> str:
    """The token the login form carries for the session whose cookie is ``session_secret``:
    only a page this server rendered for that browser can know it."""
    message = b"oauth-authorize-form:" + session_secret.encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def form_token_matches(secret_key: str, session_secret: str, sent) -> bool:
    if not isinstance(sent, str) or not sent:
        return False
    return hmac.compare_digest(form_token(secret_key, session_secret), sent)
