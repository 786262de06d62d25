"""Outgoing requests to URLs that someone else chose must not reach our own network.

A push endpoint (and, later, any remote object we fetch) is a URL a user or a remote server
gave us. Without a guard, ``https://10.0.0.5/admin`` or a name resolving to 127.0.0.1 would
make the server attack its own neighbourhood (SSRF). The guard refuses every destination
that is not a public unicast address: loopback, private ranges, link-local (cloud metadata
services live there), carrier-grade NAT, multicast, reserved and unspecified addresses.

It checks twice, because either check alone can be bypassed: ``check_url`` refuses an
address written literally in the URL (aiohttp connects to those without resolving), and
``guarded_session``'s resolver refuses a name that resolves to a private address at the
moment of connecting, so a name cannot be switched to a private address between a check
and the request (DNS rebinding). Redirects must not be followed (``allow_redirects=False``):
the guard sees only the first URL's host literal.

``allow_private`` (the ``allow_private_fetch`` setting) lifts the guard for tests and
federation on loopback.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver


class BlockedDestination(Exception):  # noqa: N818  (a refusal, named for what it refuses)
    """The URL leads to an address the server must not contact; the text names the host."""


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def address_allowed(address: str, allow_private: bool = False) -> bool:
    """Whether ``address`` (an IP address, as text) is a public unicast address."""
    if allow_private:
        return True
    ip = _ip(address)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def is_loopback_host(host: str) -> bool:
    """``localhost`` (and its subdomains) or a literal loopback address."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    ip = _ip(name)
    return ip is not None and ip.is_loopback


def check_url(url: str, allow_private: bool = False) -> SplitResult:
    """The parts of an http(s) URL that may be requested; ``BlockedDestination`` if not.

    Names are not resolved here (``guarded_session`` checks them when connecting); an
    address written in the URL is checked now.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError as exc:
        raise BlockedDestination("malformed URL") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise BlockedDestination("not an http(s) URL")
    if _ip(host) is not None and not address_allowed(host, allow_private):
        raise BlockedDestination(f"{host} is not a public address")
    if not allow_private and is_loopback_host(host):
        raise BlockedDestination(f"{host} is not a public address")
    return parts


class GuardedResolver(AbstractResolver):
    """aiohttp resolver refusing names that resolve to any non-public address.

    Every address a name resolves to must be public: a name listing one public and one
    private address would otherwise let the connection fall through to the private one.
    """

    def __init__(self, allow_private: bool = False):
        self.allow_private = allow_private
        self._resolver = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._resolver.resolve(host, port, family)
        if not self.allow_private:
            for result in results:
                if not address_allowed(result["host"]):
                    raise BlockedDestination(f"{host} resolves to a non-public address")
        return results

    async def close(self) -> None:
        await self._resolver.close()


def guarded_session(allow_private: bool = False, timeout: float = 10.0) -> aiohttp.ClientSession:
    """A client session whose connections pass the guard, with a deadline per request.

    Environment proxies are ignored (``trust_env`` off): a proxy would connect on our
    behalf where the guard cannot see.
    """
    connector = aiohttp.TCPConnector(
        resolver=GuardedResolver(allow_private), use_dns_cache=False, limit=20
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=timeout),
        trust_env=False,
    )
