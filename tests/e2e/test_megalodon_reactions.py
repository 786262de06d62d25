"""megalodon's Pleroma driver reacts, lists reactions and takes them back."""

from __future__ import annotations

from mastodon import Mastodon

from tests.api.emoji_helpers import install_packs
from tests.e2e.clients import run_node_client
from tests.e2e.test_mastodon_py import SCOPES, sign_up

SNAIL, HEART = "\U0001f40c", "\u2764\ufe0f"


def _names(reactions: list[dict]) -> list[tuple]:
    return [(r["name"], r["count"], r["me"]) for r in reactions]


def test_megalodon_emoji_reactions(live_server):
    install_packs(live_server.server.config.app)
    client_id, client_secret = Mastodon.create_app(
        "megalodon reactions", api_base_url=live_server.url, scopes=SCOPES
    )
    alice = sign_up(live_server, client_id, client_secret, "alice")
    bob = sign_up(live_server, client_id, client_secret, "bob")

    out = run_node_client(
        "megalodon_reactions.mjs", live_server.url, alice.access_token, bob.access_token
    )
    post_id = out["post"]["id"]
    bob_id = bob.me()["id"]
    assert out["snail"]["id"] == post_id
    assert _names(out["snail"]["emoji_reactions"]) == [(SNAIL, 1, True)]
    # megalodon reads pleroma.emoji_reactions, account_ids as its ``accounts``.
    assert out["snail"]["emoji_reactions"][0]["accounts"] == [bob_id]
    assert _names(out["heart"]["emoji_reactions"]) == [(SNAIL, 1, False), (HEART, 1, True)]
    custom = out["custom"]["emoji_reactions"][2]
    blobcat = f"{live_server.url}/emoji/blobs/blobcat.png"
    assert (custom["name"], custom["url"], custom["static_url"]) == ("blobcat", blobcat, blobcat)
    listed = out["list"]
    assert _names(listed) == [(SNAIL, 1, False), (HEART, 1, True), ("blobcat", 1, False)]
    assert [[a["acct"] for a in r["accounts"]] for r in listed] == [["bob"], ["alice"], ["bob"]]
    assert out["one"]["status"] == 200
    assert _names(out["shown"]["emoji_reactions"]) == _names(listed)
    assert _names(out["deleted"]["emoji_reactions"]) == [(HEART, 1, False), ("blobcat", 1, True)]
