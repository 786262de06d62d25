"""Custom emoji packs: loading rules, GET /api/v1/custom_emojis, GET /api/v1/pleroma/emoji,
and the image files served at /emoji/<pack>/<file>."""

from __future__ import annotations

import shutil

import pytest

from pyleroma.main import create_app
from pyleroma.services.text.emoji import is_shortcode, load_packs, shortcodes_in
from tests.api.emoji_helpers import (
    BLOBCAT,
    BLOBFOX,
    LOADED,
    emoji_dir,
    install_packs,
    make_packs,
    png,
    write,
)
from tests.conftest import BASE_URL, make_test_settings


@pytest.fixture
async def packs(app):
    install_packs(app)
    return app.state.emoji


# --- loading ---------------------------------------------------------------------------------


async def test_packs_are_loaded_when_the_app_is_created(tmp_path):
    settings = make_test_settings(tmp_path / "data")
    make_packs(settings.emoji_directory)
    app = create_app(settings)
    try:
        assert [e.shortcode for e in app.state.emoji.all()] == LOADED
    finally:
        await app.state.engine.dispose()


def test_loading_rules_and_refused_entries(tmp_path):
    table = load_packs(make_packs(tmp_path / "emoji"), [".png", ".gif"])
    assert sorted(table) == LOADED
    blobcat, blobfox = table["blobcat"], table["blobfox"]
    # Two packs name blobcat: the pack sorting first keeps it.
    assert (blobcat.pack, blobcat.file, blobcat.mime) == ("blobs", "blobcat.png", "image/png")
    assert (blobfox.file, blobfox.mime, blobfox.tags) == (
        "sub/blobfox.gif",
        "image/gif",
        ("pack:blobs",),
    )
    assert blobcat.url_path == "/emoji/blobs/blobcat.png"
    # Folder packs: every .png/.gif, subfolders too, tagged Custom (no category).
    assert table["nested"].file == "sub/nested.png" and table["nested"].tags == ("Custom",)
    assert table["thinking"].category == ""
    # emoji.txt: explicit tags make the category; none means Custom.
    assert table["party"].tags == ("Fun", "Animated") and table["party"].category == "Fun,Animated"
    assert table["plain_one"].tags == ("Custom",)
    # Refused: bad shortcodes, files out of the pack (../, absolute, symlink, another
    # pack's file in emoji.txt), missing files, non-images, other extensions, broken packs.
    for refused in ("bad code", "escape", "absolute", "missing", "fake", "link", "thief"):
        assert refused not in table
    for refused in ("bad name!", "script", "notes", "x", "secret"):
        assert refused not in table


def test_missing_directory_and_pack_json_without_files(tmp_path):
    assert load_packs(tmp_path / "nowhere", [".png"]) == {}
    root = tmp_path / "emoji"
    write(root / "odd" / "pack.json", '{"pack": {}, "files": ["a.png"]}')
    write(root / "odd" / "a.png", png())
    write(root / ".hidden" / "h.png", png())
    assert load_packs(root, [".png"]) == {}


def test_extensions_setting_decides_folder_packs(tmp_path):
    root = tmp_path / "emoji"
    write(root / "p" / "a.png", png())
    write(root / "p" / "b.GIF", BLOBFOX)
    assert sorted(load_packs(root, [".png", ".gif"])) == ["a", "b"]
    assert sorted(load_packs(root, ["gif"])) == ["b"]


def test_shortcodes_in_text():
    assert shortcodes_in("hi :blobcat: and :a:b: :blobcat: :no pe: ::") == ["blobcat", "a", "b"]
    assert shortcodes_in(None) == [] and shortcodes_in("") == []
    assert is_shortcode("blob_cat-2") and not is_shortcode("blob cat")
    assert not is_shortcode("") and not is_shortcode(None) and not is_shortcode("ça")


async def test_reload_picks_up_added_and_removed_packs(app, client, packs):
    write(emoji_dir(app) / "late" / "latecomer.png", png())
    shutil.rmtree(emoji_dir(app) / "txtpack")
    assert "latecomer" not in [e.shortcode for e in packs.all()]
    assert app.state.emoji.reload() == len(LOADED) + 1 - 2
    codes = [e["shortcode"] for e in (await client.get("/api/v1/custom_emojis")).json()]
    assert "latecomer" in codes and "party" not in codes and "plain_one" not in codes


async def test_emoji_dir_setting(tmp_path):
    directory = tmp_path / "elsewhere"
    write(directory / "p" / "here.png", png())
    settings = make_test_settings(tmp_path / "data", emoji_dir=str(directory))
    assert settings.emoji_directory == directory
    app = create_app(settings)
    try:
        assert [e.shortcode for e in app.state.emoji.all()] == ["here"]
    finally:
        await app.state.engine.dispose()


# --- the lists -------------------------------------------------------------------------------


async def test_custom_emojis_is_public_with_mastodon_shape(client, packs, factory):
    response = await client.get("/api/v1/custom_emojis")
    assert response.status_code == 200
    data = response.json()
    assert [e["shortcode"] for e in data] == LOADED
    assert data[0] == {
        "shortcode": "blobcat",
        "url": f"{BASE_URL}/emoji/blobs/blobcat.png",
        "static_url": f"{BASE_URL}/emoji/blobs/blobcat.png",
        "visible_in_picker": True,
        "tags": ["pack:blobs"],
        "category": "pack:blobs",
    }
    party = next(e for e in data if e["shortcode"] == "party")
    assert (
        party["url"] == f"{BASE_URL}/emoji/txtpack/party.gif"
        and party["category"] == "Fun,Animated"
    )
    user = await factory.user()
    with_token = await client.get("/api/v1/custom_emojis", headers=user.headers)
    assert with_token.status_code == 200 and with_token.json() == data


async def test_custom_emojis_without_packs_is_empty(client):
    response = await client.get("/api/v1/custom_emojis")
    assert response.status_code == 200 and response.json() == []
    assert (await client.get("/api/v1/pleroma/emoji")).json() == {}


@pytest.mark.parametrize("prefix", ["/api/v1/pleroma", "/api/pleroma"])
async def test_pleroma_emoji_index(client, packs, prefix):
    response = await client.get(f"{prefix}/emoji")
    assert response.status_code == 200
    data = response.json()
    assert list(data) == LOADED
    assert data["blobcat"] == {"image_url": "/emoji/blobs/blobcat.png", "tags": ["pack:blobs"]}
    assert data["thinking"] == {"image_url": "/emoji/plain/thinking.png", "tags": ["Custom"]}
    assert data["nested"]["image_url"] == "/emoji/plain/sub/nested.png"


async def test_pack_names_with_spaces_are_quoted_and_served(app, client):
    write(emoji_dir(app) / "with spaces" / "x y.png", png())
    # "x y" is not a shortcode: a folder pack names emoji after files, so it is refused.
    assert app.state.emoji.reload() == 0
    write(emoji_dir(app) / "with spaces" / "pack.json", '{"files": {"spaced": "x y.png"}}')
    app.state.emoji.reload()
    entry = (await client.get("/api/v1/custom_emojis")).json()[0]
    assert entry["url"] == f"{BASE_URL}/emoji/with%20spaces/x%20y.png"
    response = await client.get(entry["url"])
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"


# --- the files -------------------------------------------------------------------------------


async def test_emoji_files_are_served_with_their_type_and_nosniff(client, packs):
    response = await client.get("/emoji/blobs/blobcat.png")
    assert response.status_code == 200
    assert response.content == BLOBCAT
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    gif = await client.get("/emoji/blobs/sub/blobfox.gif")
    assert gif.status_code == 200 and gif.content == BLOBFOX
    assert gif.headers["content-type"] == "image/gif"
    head = await client.head("/emoji/plain/thinking.png")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == "image/png"


@pytest.mark.parametrize(
    "path",
    [
        "/emoji/blobs/pack.json",
        "/emoji/blobs/fake.png",
        "/emoji/blobs/link.png",
        "/emoji/plain/script.png",
        "/emoji/plain/notes.txt",
        "/emoji/plain/blobcat.png",
        "/emoji/txtpack/emoji.txt",
        "/emoji/broken/x.png",
        "/emoji/secret.png",
        "/emoji/blobs/..%2Fsecret.png",
        # Encoded dots reach the app as literal ../ segments.
        "/emoji/blobs/%2e%2e/secret.png",
        "/emoji/blobs/%2e%2e/%2e%2e/data/emoji/secret.png",
        "/emoji/%2e%2e/emoji/secret.png",
        "/emoji/blobs/sub/..%2F..%2Fsecret.png",
        "/emoji/blobs/%2Fetc%2Fpasswd",
        "/emoji/nope/blobcat.png",
    ],
)
async def test_only_registered_emoji_files_are_served(client, packs, path):
    response = await client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}


async def test_a_file_removed_after_loading_is_a_404(app, client, packs):
    (emoji_dir(app) / "plain" / "thinking.png").unlink()
    assert (await client.get("/emoji/plain/thinking.png")).status_code == 404


async def test_other_methods_are_refused(client, packs):
    response = await client.post("/emoji/blobs/blobcat.png")
    assert response.status_code == 405
