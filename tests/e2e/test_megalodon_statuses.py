"""megalodon's Pleroma driver reads statuses, media, polls, timelines and notifications."""

from __future__ import annotations

import io

from mastodon import Mastodon
from PIL import Image

from tests.e2e.clients import run_node_client
from tests.e2e.test_mastodon_py import SCOPES, sign_up


def test_megalodon_reads_statuses_timelines_and_notifications(live_server, tmp_path):
    client_id, client_secret = Mastodon.create_app(
        "megalodon statuses", api_base_url=live_server.url, scopes=SCOPES
    )
    alice = sign_up(live_server, client_id, client_secret, "alice")
    bob = sign_up(live_server, client_id, client_secret, "bob")
    png = tmp_path / "square.png"
    buffer = io.BytesIO()
    Image.new("RGB", (48, 48), (200, 60, 60)).save(buffer, "PNG")
    png.write_bytes(buffer.getvalue())

    out = run_node_client(
        "megalodon_statuses.mjs",
        live_server.url,
        alice.access_token,
        bob.access_token,
        str(png),
    )
    post = out["post"]
    assert out["media"]["type"] == "image" and out["media"]["description"] == "a square"
    assert [m["id"] for m in post["media_attachments"]] == [out["media"]["id"]]
    assert [t["name"] for t in post["tags"]] == ["megalodon"]
    assert out["vote"]["voted"] is True and out["vote"]["own_votes"] == [1]
    assert [o["votes_count"] for o in out["vote"]["options"]] == [0, 1]
    assert out["reply"]["in_reply_to_id"] == post["id"]
    assert out["favourite"]["favourited"] is True
    assert out["reblog"]["reblog"]["id"] == post["id"]
    assert [s["id"] for s in out["context"]["descendants"]] == [out["reply"]["id"]]
    home_ids = [s["id"] for s in out["home"]]
    # Bob's boost is not repeated: the original is already in his home (Mastodon's rule).
    assert home_ids == [out["reply"]["id"], out["poll"]["id"], post["id"]]
    assert {s["id"] for s in out["local"]} == {post["id"], out["poll"]["id"], out["reply"]["id"]}
    assert [s["id"] for s in out["tag"]] == [post["id"]]
    assert sorted(n["type"] for n in out["notifications"]) == [
        "favourite",
        "follow",
        "mention",
        "reblog",
    ]
