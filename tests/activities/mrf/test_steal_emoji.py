"""StealEmojiPolicy: custom emoji of posts from chosen hosts are downloaded, from a real
HTTP server on loopback, into the local "stolen" pack; the post itself passes unchanged."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from pyleroma.activities.mrf import MrfContext, filter_activity, policies_for
from pyleroma.activities.mrf.steal_emoji import (
    MAX_PER_ACTIVITY,
    ShortcodePattern,
    StealEmojiPolicy,
)
from pyleroma.activities.normalize import normalize_activity
from pyleroma.federation.http_client import close_sessions
from pyleroma.models import Status
from pyleroma.settings import SettingsError
from tests.activities.mrf.stateful_helpers import note, receive, remote
from tests.federation.remote_server import RemoteServer
from tests.media_samples import png_bytes, still_gif

AUTHOR = "https://emoji.example/users/artist"
BLOBFOX = png_bytes((16, 16), color=(250, 120, 0, 255))
GIF = still_gif((12, 12))
HUGE = png_bytes((96, 96), noise=True)
LIMIT = 4_000


@pytest.fixture
async def emoji_server():
    server = await RemoteServer("127.0.0.2").start()
    server.raw("/emoji/blobfox.png", BLOBFOX, "image/png")
    server.raw("/emoji/party.gif", GIF, "image/gif")
    server.raw("/emoji/no_extension", BLOBFOX, "application/octet-stream")
    server.raw("/emoji/huge.png", HUGE, "image/png")
    server.raw("/emoji/page.png", b"<html><body>not an image</body></html>", "image/png")
    server.status("/emoji/gone.png", 404)
    yield server
    await server.stop()
    await close_sessions()


@pytest.fixture
def settings(app):
    settings = app.state.settings
    settings.mrf_policies = ["StealEmojiPolicy"]
    settings.mrf_steal_emoji_hosts = ["emoji.example"]
    settings.mrf_steal_emoji_size_limit = LIMIT
    return settings


def pack_dir(settings):
    return settings.emoji_directory / "stolen"


def pack_files(settings) -> dict[str, str]:
    path = pack_dir(settings) / "pack.json"
    return json.loads(path.read_text())["files"] if path.exists() else {}


def emoji_tag(server, shortcode: str, path: str) -> dict:
    return {
        "type": "Emoji",
        "name": f":{shortcode}:",
        "icon": {"type": "Image", "mediaType": "image/png", "url": f"{server.base}{path}"},
    }


async def steal(settings, raw: dict) -> dict:
    return await filter_activity(MrfContext(settings), normalize_activity(raw))


def test_shortcode_patterns_are_pleromas():
    assert ShortcodePattern("fox").matches("fox") is True
    assert ShortcodePattern("fox").matches("blobfox") is False  # a string is the whole name
    assert ShortcodePattern("fox").matches("Fox") is False
    assert ShortcodePattern("/fox/").matches("blobfox_happy") is True
    assert ShortcodePattern("/^fox/").matches("blobfox") is False
    assert ShortcodePattern("/FOX/i").matches("blobfox") is True
    assert ShortcodePattern("/").matches("/") is True  # too short to be a regex


async def test_emoji_are_downloaded_into_the_stolen_pack(app, settings, emoji_server):
    raw = note(
        AUTHOR,
        content="<p>:blobfox: :party:</p>",
        tags=[
            emoji_tag(emoji_server, "blobfox", "/emoji/blobfox.png"),
            emoji_tag(emoji_server, "party", "/emoji/party.gif"),
            emoji_tag(emoji_server, "plain", "/emoji/no_extension"),
        ],
    )
    expected = normalize_activity(raw)
    taken = await steal(settings, raw)
    assert taken == expected  # the activity passes unchanged
    files = pack_files(settings)
    assert sorted(files) == ["blobfox", "party", "plain"]
    # Named after the shortcode, a random part, and the type the bytes are (not the URL).
    assert files["blobfox"].startswith("blobfox-") and files["blobfox"].endswith(".png")
    assert files["party"].startswith("party-") and files["party"].endswith(".gif")
    assert files["plain"].startswith("plain-") and files["plain"].endswith(".png")
    assert (pack_dir(settings) / files["blobfox"]).read_bytes() == BLOBFOX
    assert (pack_dir(settings) / files["party"]).read_bytes() == GIF
    assert (pack_dir(settings) / files["plain"]).read_bytes() == BLOBFOX
    metadata = json.loads((pack_dir(settings) / "pack.json").read_text())["pack"]
    assert metadata["share-files"] is False and metadata["can-download"] is False
    assert metadata["homepage"] == settings.base_url
    # The registry was reloaded: local users can use them now.
    emoji = app.state.emoji.get("blobfox")
    assert (emoji.pack, emoji.file, emoji.mime) == ("stolen", files["blobfox"], "image/png")
    assert emoji.tags == ("pack:stolen",)
    assert app.state.emoji.get("party").mime == "image/gif"
    leftovers = sorted(p.name for p in pack_dir(settings).iterdir())
    assert leftovers == sorted([".pack.lock", "pack.json", *files.values()])


async def test_oversized_non_image_failing_and_rejected_emoji_are_skipped(
    app, settings, emoji_server, caplog
):
    settings.mrf_steal_emoji_rejected_shortcodes = ["blobfox", "/^nsfw_/"]
    raw = note(
        AUTHOR,
        tags=[
            emoji_tag(emoji_server, "huge", "/emoji/huge.png"),
            emoji_tag(emoji_server, "page", "/emoji/page.png"),
            emoji_tag(emoji_server, "gone", "/emoji/gone.png"),
            emoji_tag(emoji_server, "blobfox", "/emoji/blobfox.png"),
            emoji_tag(emoji_server, "nsfw_fox", "/emoji/blobfox.png"),
            emoji_tag(emoji_server, "kept", "/emoji/blobfox.png"),
        ],
    )
    assert len(HUGE) > LIMIT
    with caplog.at_level(logging.WARNING, logger="pyleroma.mrf.steal_emoji"):
        taken = await steal(settings, raw)
    assert taken == normalize_activity(raw)
    assert list(pack_files(settings)) == ["kept"]
    assert (pack_dir(settings) / pack_files(settings)["kept"]).read_bytes() == BLOBFOX
    # Rejected shortcodes are not even asked for; the others were, and were logged.
    assert sorted(s.path_qs for s in emoji_server.seen) == [
        "/emoji/blobfox.png",
        "/emoji/gone.png",
        "/emoji/huge.png",
        "/emoji/page.png",
    ]
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith(":huge: not downloaded") for m in _stripped(messages))
    assert any(m.startswith(":page:") and "is not an image" in m for m in _stripped(messages))
    assert any(m.startswith(":gone: not downloaded") for m in _stripped(messages))
    for code in ("huge", "page", "gone", "blobfox", "nsfw_fox"):
        assert app.state.emoji.get(code) is None


def _stripped(messages):
    return [m.removeprefix("StealEmojiPolicy: ") for m in messages]


async def test_installed_shortcodes_are_never_overwritten(app, settings, emoji_server):
    blobs = settings.emoji_directory / "blobs"
    blobs.mkdir(parents=True)
    (blobs / "blobfox.png").write_bytes(GIF)  # another image under the same name
    app.state.emoji.reload()
    raw = note(AUTHOR, tags=[emoji_tag(emoji_server, "blobfox", "/emoji/blobfox.png")])
    await steal(settings, raw)
    assert emoji_server.seen == []
    assert not pack_dir(settings).exists()
    assert app.state.emoji.get("blobfox").pack == "blobs"
    assert (blobs / "blobfox.png").read_bytes() == GIF
    # Stolen once, not again: the second post's emoji is already installed.
    first = note(AUTHOR, tags=[emoji_tag(emoji_server, "party", "/emoji/party.gif")])
    await steal(settings, first)
    stored = pack_files(settings)["party"]
    await steal(settings, note(AUTHOR, tags=[emoji_tag(emoji_server, "party", "/emoji/huge.png")]))
    assert pack_files(settings) == {"party": stored}
    assert [s.path_qs for s in emoji_server.seen] == ["/emoji/party.gif"]


async def test_only_posts_from_listed_hosts(app, settings, emoji_server):
    other = note(
        "https://elsewhere.example/users/x",
        tags=[emoji_tag(emoji_server, "blobfox", "/emoji/blobfox.png")],
    )
    await steal(settings, other)
    # Our own host is never stolen from, even when listed.
    settings.mrf_steal_emoji_hosts = ["emoji.example", "pyleroma.test"]
    ours = note(
        "http://pyleroma.test/users/alice",
        tags=[emoji_tag(emoji_server, "blobfox", "/emoji/blobfox.png")],
    )
    await steal(settings, ours)
    react = {
        "id": f"{AUTHOR}/react/1",
        "type": "EmojiReact",
        "actor": AUTHOR,
        "object": "http://pyleroma.test/objects/1",
        "content": ":blobfox:",
        "tag": [emoji_tag(emoji_server, "blobfox", "/emoji/blobfox.png")],
    }
    await steal(settings, react)  # reactions are not posts
    assert emoji_server.seen == []
    assert pack_files(settings) == {}


async def test_a_post_asks_for_a_bounded_number_of_emoji(app, settings, emoji_server):
    tags = [emoji_tag(emoji_server, f"e{n}", "/emoji/blobfox.png") for n in range(25)]
    await steal(settings, note(AUTHOR, tags=tags))
    assert len(emoji_server.seen) == MAX_PER_ACTIVITY
    assert sorted(pack_files(settings)) == sorted(f"e{n}" for n in range(MAX_PER_ACTIVITY))


async def test_an_old_files_only_stolen_directory_keeps_its_emoji(app, settings, emoji_server):
    old = pack_dir(settings)
    old.mkdir(parents=True)
    (old / "oldfox.png").write_bytes(BLOBFOX)
    app.state.emoji.reload()
    assert app.state.emoji.get("oldfox").tags == ("Custom",)
    await steal(settings, note(AUTHOR, tags=[emoji_tag(emoji_server, "new", "/emoji/party.gif")]))
    files = pack_files(settings)
    assert files["oldfox"] == "oldfox.png"
    assert sorted(files) == ["new", "oldfox"]
    assert app.state.emoji.get("oldfox").pack == "stolen"
    assert app.state.emoji.get("new").pack == "stolen"


async def test_an_unwritable_pack_is_logged_and_the_post_passes(
    app, settings, emoji_server, caplog
):
    settings.emoji_directory.mkdir(parents=True, exist_ok=True)
    pack_dir(settings).write_text("a file where the pack directory should be")
    raw = note(AUTHOR, tags=[emoji_tag(emoji_server, "blobfox", "/emoji/blobfox.png")])
    with caplog.at_level(logging.WARNING, logger="pyleroma.mrf.steal_emoji"):
        assert await steal(settings, raw) == normalize_activity(raw)
    assert any(":blobfox:" in r.getMessage() for r in caplog.records)
    assert app.state.emoji.get("blobfox") is None


def test_describe_and_a_bad_size_limit(settings):
    (policy,) = policies_for(settings)
    assert isinstance(policy, StealEmojiPolicy)
    assert policy.describe() == {}
    assert policy.size_limit == LIMIT
    settings.mrf_steal_emoji_size_limit = 0
    with pytest.raises(SettingsError, match="mrf_steal_emoji_size_limit"):
        policies_for(settings)


async def test_receive_stores_the_post_and_the_emoji_becomes_usable(
    app, settings, factory, db, client, emoji_server
):
    artist = await remote(db, "artist", "emoji.example")
    raw = note(
        artist,
        content="<p>hi :blobfox:</p>",
        tags=[
            emoji_tag(emoji_server, "blobfox", "/emoji/blobfox.png"),
            emoji_tag(emoji_server, "huge", "/emoji/huge.png"),
        ],
    )
    await receive(app, artist, raw)
    async with db() as session:
        status = (await session.execute(select(Status))).scalar_one()
    assert status.uri == raw["object"]["id"]
    # The post keeps the remote emoji it came with, stolen or not.
    assert status.emojis == {
        "blobfox": f"{emoji_server.base}/emoji/blobfox.png",
        "huge": f"{emoji_server.base}/emoji/huge.png",
    }
    files = pack_files(settings)
    assert list(files) == ["blobfox"]
    served = await client.get(f"/emoji/stolen/{files['blobfox']}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content == BLOBFOX
    listed = (await client.get("/api/v1/custom_emojis")).json()
    assert [(e["shortcode"], e["category"]) for e in listed] == [("blobfox", "pack:stolen")]
    assert listed[0]["url"] == f"{settings.base_url}/emoji/stolen/{files['blobfox']}"
    alice = await factory.account("alice")
    mine = await factory.status(alice, "look :blobfox:")
    assert mine.emojis == {"blobfox": f"{settings.base_url}/emoji/stolen/{files['blobfox']}"}
