"""The ways a request can fail, as the core knows them: no HTTP here.

Services, jobs, the activity pipeline and the CLI raise these; ``api/errors.py`` gives each
kind its HTTP status (and Pleroma's ``{"error": "..."}`` body), the streaming endpoint its
WebSocket answer and the CLI its exit message. The message is what a client or an operator
is shown, so it never carries secrets or internals.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with a message for whoever asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(DomainError):
    """The request is malformed or contradicts itself."""


class Unauthorized(DomainError):
    """No valid credentials came with the request."""


class Forbidden(DomainError):
    """The credentials are valid but do not allow this."""


class NotFound(DomainError):
    """What was asked for does not exist, or the asker may not know that it does."""

    def __init__(self, message: str = "Record not found"):
        super().__init__(message)


class Conflict(DomainError):
    """The request clashes with the current state (a name already taken, ...)."""


class Unprocessable(DomainError):
    """The request is well-formed but a value in it is not acceptable."""


class TooLarge(DomainError):
    """An upload or body is over a configured size."""


class UnsupportedMedia(DomainError):
    """An upload is of a type the instance does not take."""


class RateLimited(DomainError):
    """Too many attempts; ``retry_after`` seconds until the next is allowed (if known)."""

    def __init__(self, message: str = "Throttled", retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """The server cannot take this now (its database refused a write); try again later."""
