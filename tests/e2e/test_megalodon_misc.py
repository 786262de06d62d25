"""megalodon's Pleroma driver against the routes of issue 13's "and the rest": featured tags,
identity proofs, instance activity, endorsements and bookmarks through its own methods, and
bookmark folders, scrobbles, quotes, several accounts, instance languages and the extended
description through the driver's HTTP client (megalodon has no methods for those)."""

from __future__ import annotations

from mastodon import Mastodon

from tests.e2e.clients import run_node_client
from tests.e2e.test_mastodon_py import SCOPES, sign_up


def test_megalodon_misc_routes(live_server):
    client_id, client_secret = Mastodon.create_app(
        "megalodon misc", api_base_url=live_server.url, scopes=SCOPES
    )
    alice = sign_up(live_server, client_id, client_secret, "alice")
    bob = sign_up(live_server, client_id, client_secret, "bob")

    out = run_node_client(
        "megalodon_misc.mjs", live_server.url, alice.access_token, bob.access_token
    )
    alice_id, bob_id = out["aliceId"], out["bobId"]

    featured = out["featured"]
    assert (featured["name"], featured["statuses_count"]) == ("cats", "2")
    assert out["featuredList"] == [featured] and out["accountFeatured"] == [featured]
    assert [t["name"] for t in out["suggested"]] == ["dogs"]
    assert out["featuredAfterDelete"] == []

    assert out["proofs"] == []
    assert len(out["activity"]) == 12
    assert int(out["activity"][0]["statuses"]) >= 2
    assert out["activity"][0]["registrations"] == "2"
    assert {"code": "en", "name": "English"} in out["languages"]
    assert set(out["extended"]) == {"updated_at", "content"}
    assert [a["id"] for a in out["several"]] == [bob_id, alice_id]

    assert out["pinned"]["endorsed"] is True and out["pinned"]["id"] == bob_id
    assert [a["id"] for a in out["endorsements"]] == [bob_id]
    assert out["unpinned"]["endorsed"] is False
    assert out["endorsed"]["endorsed"] is True and out["unendorsed"]["endorsed"] is False

    folder = out["folder"]
    assert (folder["name"], folder["emoji"], folder["emoji_url"]) == ("Later", "📌", None)
    assert out["filed"]["bookmarked"] is True and out["bookmarked"]["bookmarked"] is True
    assert len(out["bookmarks"]) == 2
    assert [s["id"] for s in out["folderBookmarks"]] == [out["filed"]["id"]]
    assert out["folders"] == [folder]
    assert out["renamed"] == {**folder, "name": "Read later"}
    assert out["folderDeleted"]["id"] == folder["id"]

    scrobble = out["scrobble"]
    assert (scrobble["title"], scrobble["artist"], scrobble["length"]) == (
        "Metropolis",
        "Jeff Mills",
        240000,
    )
    assert scrobble["externalLink"] == "https://example.org/metropolis"
    assert [s["id"] for s in out["scrobbles"]] == [scrobble["id"]]
    assert out["scrobbles"][0]["account"]["id"] == alice_id

    assert [s["id"] for s in out["quotes"]] == [out["quotingId"]]
    assert [s["id"] for s in out["mastodonQuotes"]] == [out["quotingId"]]
