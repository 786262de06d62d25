"""megalodon (the JavaScript client library with Pleroma's entities) against a live server.

megalodon's Pleroma driver converts every entity field by field and throws on shapes it
does not expect, so this checks our JSON the way Pleroma-flavoured apps read it.
"""

from __future__ import annotations

from mastodon import Mastodon

from tests.e2e.clients import run_node_client
from tests.e2e.test_mastodon_py import SCOPES, sign_up


def test_megalodon_reads_accounts_and_relationships(live_server):
    client_id, client_secret = Mastodon.create_app(
        "megalodon check", api_base_url=live_server.url, scopes=SCOPES
    )
    alice = sign_up(live_server, client_id, client_secret, "alice")
    bob = sign_up(live_server, client_id, client_secret, "bob")
    out = run_node_client(
        "megalodon_accounts.mjs", live_server.url, alice.access_token, bob.access_token
    )
    me, bob_id = out["me"], out["bob"]["id"]
    assert me["username"] == "alice" and me["source"]["privacy"] == "public"
    assert out["updated"]["display_name"] == "Alice via megalodon"
    assert out["instance"]["uri"] == live_server.url.split("//")[1]
    assert out["bob"]["locked"] is True
    assert out["follow"]["requested"] is True
    assert [a["id"] for a in out["requests"]] == [me["id"]]
    assert out["accepted"]["followed_by"] is True
    assert out["relationships"][0]["following"] is True
    assert [a["id"] for a in out["following"]] == [bob_id]
    assert [a["id"] for a in out["search"]] == [bob_id]
    assert out["block"]["blocking"] is True and [a["id"] for a in out["blocks"]] == [bob_id]
    assert out["unblock"]["blocking"] is False
    assert out["mute"]["muting"] is True and out["mute"]["muting_notifications"] is False
    assert [a["id"] for a in out["mutes"]] == [bob_id]


def test_megalodon_detector_recognises_a_pleroma_server(live_server):
    """megalodon (and the apps built on it) use their Pleroma driver only for servers whose
    nodeinfo says ``pleroma``; its driver then reads the instance without complaint."""
    out = run_node_client("megalodon_detector.mjs", live_server.url)
    assert out["sns"] == "pleroma"
    assert out["instance"]["uri"] == live_server.url.split("//")[1]
    assert out["instance"]["version"].startswith("2.7.2 (compatible; Pleroma 2.7.2+pyleroma.")
