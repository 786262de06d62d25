"""federation/net_guard.py: outgoing requests reach only public addresses unless
allow_private_fetch says otherwise; checked on a real loopback server."""

from __future__ import annotations

import pytest
from aiohttp import web

from pyleroma.federation.net_guard import (
    BlockedDestination,
    address_allowed,
    check_url,
    guarded_session,
)


async def _here(_request: web.Request) -> web.Response:
    return web.Response(text="here")


@pytest.fixture
async def loopback_server():
    app = web.Application()
    app.router.add_get("/", _here)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield runner.addresses[0][1]
    await runner.cleanup()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:10.0.0.1",
        "not an address",
    ],
)
def test_non_public_addresses_are_refused(address):
    assert address_allowed(address) is False
    assert address_allowed(address, allow_private=True) is True


@pytest.mark.parametrize("address", ["8.8.8.8", "2001:4860:4860::8888", "::ffff:1.1.1.1"])
def test_public_addresses_are_allowed(address):
    assert address_allowed(address) is True


@pytest.mark.parametrize(
    "url",
    ["https://10.0.0.1/x", "http://[::1]:80/", "https://localhost/", "ftp://example.com/", "x"],
)
def test_check_url_refuses(url):
    with pytest.raises(BlockedDestination):
        check_url(url)


def test_check_url_passes_names_and_private_when_allowed():
    assert check_url("https://push.example:8443/a").hostname == "push.example"
    assert check_url("http://127.0.0.1:1/", allow_private=True).port == 1


async def test_resolver_refuses_names_of_loopback_addresses(loopback_server):
    """``localhost`` is resolved for real and refused for what it resolves to."""
    async with guarded_session(allow_private=False, timeout=5) as http:
        with pytest.raises(BlockedDestination, match="non-public"):
            await http.get(f"http://localhost:{loopback_server}/")
    async with (
        guarded_session(allow_private=True, timeout=5) as http,
        http.get(f"http://localhost:{loopback_server}/") as response,
    ):
        assert response.status == 200 and await response.text() == "here"
