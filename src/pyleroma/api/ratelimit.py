"""An in-process sliding-window rate limiter keyed by client IP.

Pleroma limits authentication attempts to 15 per 60 s per IP. Only failures count (a
successful login does not use up the allowance). With several server processes each keeps its
own window, so the effective limit is per process; that is stated in the README.
"""

from __future__ import annotations

import time
from collections import deque

from starlette.requests import Request

from pyleroma.errors import RateLimited


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class RateLimiter:
    def __init__(self, limit: int, window: float):
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            self._hits.pop(key, None)
            hits = self._hits.setdefault(key, deque())
        return hits

    def check(self, request: Request) -> None:
        """Raise 429 when the client has used up its allowance in the current window."""
        self.check_key(client_ip(request))

    def hit(self, request: Request) -> None:
        self.hit_key(client_ip(request))

    def check_key(self, key: str) -> None:
        """``check`` for any key (an email address, a nickname), not only the client IP."""
        now = time.monotonic()
        hits = self._recent(key, now)
        if len(hits) >= self.limit:
            retry = max(1, int(hits[0] + self.window - now) + 1)
            raise RateLimited("Throttled", retry_after=retry)

    def hit_key(self, key: str) -> None:
        now = time.monotonic()
        self._recent(key, now).append(now)
        if len(self._hits) > 100_000:  # bound memory under a spray of addresses
            self._hits.clear()
