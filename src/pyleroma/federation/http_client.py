"""One aiohttp session per event loop for talking to other servers.

Deliveries and fetches share it so connections to a host are reused (TLS handshakes are
the expensive part) and capped per host (``federation_connections_per_host``): a slow or
dead server holds at most that many connections while deliveries to healthy ones go on.
Every connection passes the SSRF guard (net_guard.GuardedResolver). The process's owner
(the app's lifespan, the worker) closes the sessions with ``close_sessions`` at shutdown.
"""

from __future__ import annotations

import asyncio

import aiohttp

from pyleroma.federation.net_guard import GuardedResolver
from pyleroma.settings import Settings

_sessions: dict[tuple[int, bool], aiohttp.ClientSession] = {}


def federation_session(settings: Settings) -> aiohttp.ClientSession:
    key = (id(asyncio.get_running_loop()), settings.allow_private_fetch)
    session = _sessions.get(key)
    if session is None or session.closed:
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(settings.allow_private_fetch),
            use_dns_cache=False,
            limit=0,
            limit_per_host=settings.federation_connections_per_host,
        )
        session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=settings.federation_timeout_seconds),
            trust_env=False,
            auto_decompress=True,
        )
        _sessions[key] = session
    return session


async def close_sessions() -> None:
    """Close this event loop's sessions (others belong to loops that are gone or running)."""
    loop_id = id(asyncio.get_running_loop())
    for key in [key for key in _sessions if key[0] == loop_id]:
        await _sessions.pop(key).close()
