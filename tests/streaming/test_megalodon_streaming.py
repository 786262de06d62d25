"""megalodon (the JavaScript client library Pleroma-flavoured apps use) on our WebSocket
streams: it finds the endpoint through ``urls.streaming_api``, connects with
``access_token``, and parses every event with its Pleroma entity converters, which throw
on shapes they do not expect."""

from __future__ import annotations

from mastodon import Mastodon

from tests.e2e.clients import run_node_client
from tests.e2e.conftest import live_server  # noqa: F401  (the fixture)
from tests.e2e.test_mastodon_py import SCOPES, sign_up


def test_megalodon_streams_updates_notifications_edits_conversations_deletes(
    live_server,  # noqa: F811
):
    client_id, client_secret = Mastodon.create_app(
        "megalodon streaming", api_base_url=live_server.url, scopes=SCOPES
    )
    alice = sign_up(live_server, client_id, client_secret, "alice")
    bob = sign_up(live_server, client_id, client_secret, "bob")
    out = run_node_client(
        "megalodon_streaming.mjs", live_server.url, alice.access_token, bob.access_token
    )
    assert out["errors"] == []
    posted = out["posted_id"]
    for key in ("user_update", "local_update", "tag_update"):
        assert out[key]["id"] == posted
        assert out[key]["account"]["username"] == "bob"
    assert out["tag_update"]["tags"][0]["name"] == "megalodon"
    assert out["notification"]["type"] == "favourite"
    assert out["notification"]["account"]["username"] == "bob"
    assert out["status_update"]["id"] == posted
    assert "hello again" in out["status_update"]["content"]
    conversation = out["conversation"]
    assert [a["username"] for a in conversation["accounts"]] == ["bob"]
    assert conversation["unread"] is True
    assert "just us" in conversation["last_status"]["content"]
    assert str(out["delete"]) == posted
