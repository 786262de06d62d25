"""The rate limit of requests that make us send mail (confirmation resends, password
resets, address changes): ``mail_rate_limit`` per ``mail_rate_window`` seconds, counted per
client IP and per address (or nickname) asked about, in ``app.state.mail_limiter``.

Every request counts, whether the address is known or not, and the check comes before any
lookup, so a 429 says nothing about which addresses exist. Like the login limit it is
kept per process.
"""

from __future__ import annotations

from fastapi import Request

from pyleroma.api.ratelimit import RateLimiter, client_ip


def check_mail_rate(request: Request, address) -> None:
    """Raise 429 ``Throttled`` when the IP or the address has used up its allowance;
    otherwise count this request against both."""
    limiter: RateLimiter = request.app.state.mail_limiter
    keys = [f"ip:{client_ip(request)}"]
    if isinstance(address, str) and address.strip():
        keys.append(f"address:{address.strip().lstrip('@').lower()}")
    for key in keys:
        limiter.check_key(key)
    for key in keys:
        limiter.hit_key(key)
