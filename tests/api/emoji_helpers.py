"""Real emoji packs on disk for the custom emoji tests: PNG and GIF files made with Pillow,
packs with pack.json, with emoji.txt and with neither, and the hostile entries each kind of
pack may hold."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image


def png(color=(220, 40, 40, 255), size=(16, 16)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, color).save(out, "PNG")
    return out.getvalue()


def gif(size=(16, 16)) -> bytes:
    frames = [Image.new("P", size, i) for i in (1, 2)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data)
    else:
        path.write_bytes(data)
    return path


BLOBCAT = png((250, 200, 0, 255))
BLOBFOX = gif()
HTML = b"<html><script>alert(1)</script></html>"


def make_packs(root: Path) -> Path:
    """The packs most tests use, under ``root`` (the emoji directory):

    - ``blobs`` (pack.json): blobcat (PNG), blobfox (GIF in a subfolder), and refused entries:
      a bad shortcode, ``../`` out of the pack, an absolute path, a missing file, an HTML file
      named .png, a symlink pointing out of the pack;
    - ``plain`` (no pack.json): thinking.png, sub/nested.png, a second blobcat.png (blobs sorts
      first and keeps the name), ``bad name!.png``, script.png (HTML), notes.txt;
    - ``txtpack`` (emoji.txt): party with tags, one without, one pointing into another pack;
    - ``broken`` (pack.json is not JSON): nothing;
    - a stray ``secret.png`` at the top, in no pack.
    """
    write(root / "secret.png", png((0, 0, 0, 255)))
    blobs = root / "blobs"
    write(blobs / "blobcat.png", BLOBCAT)
    write(blobs / "sub" / "blobfox.gif", BLOBFOX)
    write(blobs / "fake.png", HTML)
    (blobs / "link.png").symlink_to(root / "secret.png")
    pack = {
        "files": {
            "blobcat": "blobcat.png",
            "blobfox": "sub/blobfox.gif",
            "bad code": "blobcat.png",
            "escape": "../secret.png",
            "absolute": str(root / "secret.png"),
            "missing": "nope.png",
            "fake": "fake.png",
            "link": "link.png",
        },
        "pack": {"description": "Blobs", "license": "Apache 2.0", "share-files": True},
    }
    write(blobs / "pack.json", json.dumps(pack))
    plain = root / "plain"
    write(plain / "thinking.png", png((0, 200, 0, 255)))
    write(plain / "sub" / "nested.png", png((0, 0, 200, 255)))
    write(plain / "blobcat.png", png((1, 2, 3, 255)))
    write(plain / "bad name!.png", png())
    write(plain / "script.png", HTML)
    write(plain / "notes.txt", "not an emoji")
    txt = root / "txtpack"
    write(txt / "party.gif", gif())
    write(txt / "one.png", png((9, 9, 9, 255)))
    write(
        txt / "emoji.txt",
        "party, /emoji/txtpack/party.gif, Fun, Animated\n"
        "plain_one, one.png\n"
        "thief, /emoji/blobs/blobcat.png\n"
        "\n",
    )
    write(root / "broken" / "pack.json", "{not json")
    write(root / "broken" / "x.png", png())
    return root


LOADED = ["blobcat", "blobfox", "nested", "party", "plain_one", "thinking"]


def emoji_dir(app) -> Path:
    return app.state.settings.emoji_directory


def install_packs(app) -> None:
    """Write the standard packs into the app's emoji directory and reload the registry."""
    make_packs(emoji_dir(app))
    app.state.emoji.reload()
