"""Mastodon.py posts, replies, boosts, favourites and pages through home and notifications.

Issue 3's "done when", driven by a real client against a live server with the in-process job
runner (so fan-out really happens in the background, as in production).
"""

from __future__ import annotations

import io
import time

from mastodon import Mastodon
from PIL import Image

from tests.e2e.test_mastodon_py import SCOPES, sign_up


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (320, 200), (20, 120, 220))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def wait_for(predicate, timeout: float = 15.0):
    """Poll until the background job runner has done its part (fan-out is asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_client_posts_and_reads_timelines_and_notifications(live_server):
    client_id, client_secret = Mastodon.create_app(
        "e2e statuses", api_base_url=live_server.url, scopes=SCOPES
    )
    alice = sign_up(live_server, client_id, client_secret, "alice")
    bob = sign_up(live_server, client_id, client_secret, "bob")
    alice_id = alice.me()["id"]
    bob.account_follow(alice_id)

    media = alice.media_post(jpeg_with_exif(), mime_type="image/jpeg", description="blue")
    assert media["type"] == "image" and media["description"] == "blue"
    assert media["meta"]["original"]["width"] == 320 and media["blurhash"]
    post = alice.status_post("hello #pyleroma with a picture", media_ids=[media["id"]])
    assert [m["id"] for m in post["media_attachments"]] == [media["id"]]
    assert [t["name"] for t in post["tags"]] == ["pyleroma"]

    home = wait_for(lambda: bob.timeline_home())
    assert [s["id"] for s in home] == [post["id"]]

    reply = bob.status_reply(post, "nice picture")
    assert reply["in_reply_to_id"] == post["id"]
    assert [m["acct"] for m in reply["mentions"]] == ["alice"]
    bob.status_favourite(post["id"])
    boost = bob.status_reblog(post["id"])
    assert boost["reblog"]["id"] == post["id"] and boost["reblog"]["reblogged"] is True
    assert bob.status(post["id"])["favourited"] is True

    context = alice.status_context(post["id"])
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]

    def notification_types():
        return sorted(n["type"] for n in alice.notifications())

    assert wait_for(lambda: notification_types() == ["favourite", "follow", "mention", "reblog"])

    # Page by page: two posts per page through Link headers, as clients scroll.
    for n in range(5):
        alice.status_post(f"post number {n}")
    assert wait_for(lambda: len(bob.timeline_home(limit=40)) == 7)  # fan-out has finished
    first = bob.timeline_home(limit=2)
    seen = [s["id"] for s in first]
    page = first
    while page := bob.fetch_next(page):
        seen += [s["id"] for s in page]
    assert len(seen) == len(set(seen)) == 7  # 5 posts + picture post + bob's own reply
    notifications = alice.notifications(limit=2)
    paged = [n["id"] for n in notifications]
    while notifications := alice.fetch_next(notifications):
        paged += [n["id"] for n in notifications]
    assert len(paged) == 4

    gone = alice.status_delete(post["id"])
    assert gone["text"] == "hello #pyleroma with a picture"
    assert wait_for(lambda: post["id"] not in [s["id"] for s in bob.timeline_home()])
