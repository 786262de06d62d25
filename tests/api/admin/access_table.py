"""The route table the access test walks: every admin route, with what it needs to succeed.

Each area of the admin API lists its routes in a module named ``access_<area>.py`` in this
package, as ``ROUTES: list[Route]``; test_admin_access.py finds them all, so a new route is
walked as soon as its area lists it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Route:
    """``path`` and ``body`` may hold ``{name}`` placeholders filled from what ``setup``
    returns (called as ``setup(factory, app)`` before each walk, after the accounts
    ``target`` (a plain local account), ``plain``, ``boss`` (the admin), ``unscoped`` and
    ``modr`` exist). ``moderator``: Pleroma's default moderator privileges allow it.
    ``ok``: the statuses an admin's call may answer. ``files``: multipart uploads."""

    method: str
    path: str
    body: dict | None = None
    moderator: bool = False
    setup: Callable[..., Awaitable[dict]] | None = None
    ok: tuple[int, ...] = (200,)
    query: dict | None = None
    files: dict | None = field(default=None, hash=False)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def fill(value, context: dict):
    """``value`` with ``{name}`` placeholders in every string filled from ``context``."""
    if isinstance(value, str):
        return value.format(**context) if context else value
    if isinstance(value, dict):
        return {k: fill(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, context) for v in value]
    return value
