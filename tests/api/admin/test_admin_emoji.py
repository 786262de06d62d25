"""Admin API: POST /reload_emoji makes files put in the emoji directory by hand show in
/api/v1/custom_emojis, in this process and (through the directory's change stamp) in any
other that shares the directory."""

from __future__ import annotations

import shutil

import pytest

from pyleroma.services.text.emoji import STAMP_FILE, EmojiRegistry
from tests.api.admin.helpers import PREFIXES, admin, log_messages
from tests.api.emoji_helpers import LOADED, emoji_dir, install_packs, png, write


async def _shortcodes(client) -> list[str]:
    response = await client.get("/api/v1/custom_emojis")
    assert response.status_code == 200
    return [e["shortcode"] for e in response.json()]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_reload_emoji_picks_up_files_added_by_hand(app, client, factory, prefix):
    boss = await admin(factory)
    install_packs(app)
    directory = emoji_dir(app)
    # Another process sharing the directory, loaded now.
    other = EmojiRegistry(directory, app.state.settings.emoji_pack_extensions, "http://x")
    other.reload()
    write(directory / "late" / "latecomer.png", png())
    shutil.rmtree(directory / "txtpack")
    assert await _shortcodes(client) == LOADED  # nothing told the server yet

    response = await client.post(f"{prefix}/reload_emoji", headers=boss.headers)
    assert (response.status_code, response.json()) == (200, "ok")
    assert await _shortcodes(client) == ["blobcat", "blobfox", "latecomer", "nested", "thinking"]
    assert "latecomer" in [e.shortcode for e in other.all()]
    assert (directory / STAMP_FILE).is_file()
    served = await client.get("/emoji/late/latecomer.png")
    assert served.status_code == 200 and served.content == png()
    # Pleroma logs no reload; pyleroma does (tests/api/admin/test_moderation_log_more.py).
    assert await log_messages(client, boss) == ["@boss reloaded emoji"]


async def test_reload_emoji_without_an_emoji_directory(app, client, factory):
    boss = await admin(factory)
    assert not emoji_dir(app).exists()
    response = await client.post("/api/v1/pleroma/admin/reload_emoji", headers=boss.headers)
    assert (response.status_code, response.json()) == (200, "ok")
    assert await _shortcodes(client) == []


async def test_an_unwritable_emoji_directory_is_a_clear_error(app, client, factory, tmp_path):
    boss = await admin(factory)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    app.state.settings.emoji_dir = str(blocker / "emoji")
    try:
        response = await client.post("/api/pleroma/admin/reload_emoji", headers=boss.headers)
    finally:
        app.state.settings.emoji_dir = ""
    assert response.status_code == 503
    assert "could not mark the emoji directory" in response.json()["error"]
