"""The ways reaching another server can fail, as the federation code reports them.

Domain-neutral on purpose: no HTTP status of ours is implied. A client API service that
resolves a remote account decides what a failure means to its caller (usually "not
found"); a job decides whether to retry; the inbox decides whether to refuse. None of these
is a ``pyleroma.errors.DomainError``, so one never escapes to a client as a 500 by being
mapped wrongly: each caller catches ``FederationError`` where it reaches out.
"""

from __future__ import annotations


class FederationError(Exception):
    """Something another server sent (or did not send) cannot be used; ``reason`` says what."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class FetchError(FederationError):
    """A GET of a remote document failed: refused by the SSRF guard, on our own host, no
    answer in time, an error status, the wrong content type, too big, not JSON, or a
    document whose id or host does not match where it was fetched from.

    ``gone`` is True when the server answered 404 or 410: the thing no longer exists there
    (callers holding a copy may delete it). ``status`` is the HTTP status when one came.
    ``blocked`` is True when the host is an instance this one blocks (no retry helps).
    """

    def __init__(
        self,
        reason: str,
        *,
        url: str | None = None,
        gone: bool = False,
        status=None,
        blocked: bool = False,
    ):
        super().__init__(reason)
        self.url = url
        self.gone = gone
        self.status = status
        self.blocked = blocked


class InvalidActor(FederationError):
    """A fetched (or received) actor cannot be stored: not an actor, no usable username, an
    id on our own host, or a key that belongs to someone else."""
