"""Packs on disk, zip archives and users for the emoji pack API tests
(test_emoji_packs.py, test_emoji_pack_files.py, test_emoji_pack_remote.py)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from tests.api.emoji_helpers import gif, png, write

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
BLOBCAT = png((250, 200, 0, 255))
BLOBFOX = gif()
PRIVATE = png((10, 20, 30, 255))
THINKING = png((0, 200, 0, 255))
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
BLOBS_META = {
    "description": "Blobs",
    "license": "Apache 2.0",
    "homepage": "https://blobs.example",
    "share-files": True,
}


def pack_json(root: Path, name: str) -> dict:
    return json.loads((root / name / "pack.json").read_text())


def make_packs(root: Path) -> Path:
    """``blobs`` (shared: blobcat, blobfox in sub/), ``private`` (not shared), ``plain``
    (a folder without pack.json) and ``txt`` (emoji.txt) under the emoji directory."""
    blobs = root / "blobs"
    write(blobs / "blobcat.png", BLOBCAT)
    write(blobs / "sub" / "blobfox.gif", BLOBFOX)
    write(
        blobs / "pack.json",
        json.dumps(
            {
                "files": {"blobcat": "blobcat.png", "blobfox": "sub/blobfox.gif"},
                "pack": BLOBS_META,
                "files_count": 2,
            }
        ),
    )
    private = root / "private"
    write(private / "private.png", PRIVATE)
    write(
        private / "pack.json",
        json.dumps({"files": {"secretcat": "private.png"}, "pack": {"share-files": False}}),
    )
    write(root / "plain" / "thinking.png", THINKING)
    write(root / "plain" / "notes.txt", "not an emoji")
    write(root / "txt" / "one.png", png((9, 9, 9, 255)))
    write(root / "txt" / "emoji.txt", "party_one, one.png, Fun\ntwin, /emoji/txt/one.png\n")
    return root


def install(app) -> Path:
    root = app.state.settings.emoji_directory
    make_packs(root)
    app.state.emoji.reload()
    return root


def zip_of(entries: dict[str, bytes], *, compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compress) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


async def shortcodes(client) -> list[str]:
    return [e["shortcode"] for e in (await client.get("/api/v1/custom_emojis")).json()]


async def admin_and_user(factory):
    """An admin (with admin scopes), a user, and a demoted admin whose token still has
    the admin scopes."""
    admin = await factory.user("boss", is_admin=True)
    user = await factory.user("user")
    demoted = await factory.user(
        "demoted", scopes=["read", "write", "follow", "push", "admin"], is_admin=False
    )
    return admin, user, demoted
