"""Access-table rows for api/admin/relays.py (admins only, as Pleroma)."""

from __future__ import annotations

from pyleroma.services.instance.relays import follow_relay
from tests.api.admin.access_table import Route
from tests.federation.relay_peer import RelayPeer

# Nothing listens there: an admin's follow gets past access and is refused as unreachable.
UNREACHABLE = "http://127.0.0.1:9/actor"


async def followed_relay(factory, app) -> dict:
    """A LitePub relay followed through the service, its loopback peer gone again (leaving
    a relay never needs it)."""
    peer = await RelayPeer().start()
    try:
        async with app.state.sessionmaker() as session:
            await follow_relay(session, app.state.settings, peer.actor_id)
    finally:
        await peer.stop()
    return {"url": peer.actor_id}


ROUTES = [
    Route("GET", "/relay"),
    Route("POST", "/relay", {"relay_url": UNREACHABLE}, ok=(422,)),
    Route("DELETE", "/relay", {"relay_url": "{url}"}, setup=followed_relay),
]
