"""`pyleroma emoji reload|ls-packs`: packs listed as they load, and a reload that reaches a
running server's registry through the directory's change stamp."""

from __future__ import annotations

from pyleroma.services.text.emoji import STAMP_FILE, EmojiRegistry
from tests.api.emoji_helpers import make_packs, png, write
from tests.test_cli import cli, database_url, fresh  # noqa: F401  (fixtures)


def test_emoji_ls_packs_and_reload(cli, tmp_path):  # noqa: F811
    directory = tmp_path / "data" / "emoji"
    assert cli.ok("emoji", "ls-packs").strip() == f"No emoji packs in {directory}."
    make_packs(directory)
    # A running server's registry, loaded before the new files arrive.
    server = EmojiRegistry(directory, cli.settings.emoji_pack_extensions, "http://x")
    server.reload()
    assert cli.ok("emoji", "ls-packs").splitlines() == [
        "blobs\t2 emoji",
        "plain\t2 emoji",
        "txtpack\t2 emoji",
    ]
    write(directory / "late" / "latecomer.png", png())
    assert "latecomer" not in [e.shortcode for e in server.all()]

    out = cli.ok("emoji", "reload")
    assert out.startswith(f"Reloaded the emoji packs of {directory}: 7 emoji.")
    assert (directory / STAMP_FILE).is_file()
    assert "latecomer" in [e.shortcode for e in server.all()]  # at its next lookup
    assert "late\t1 emoji" in cli.ok("emoji", "ls-packs")


def test_emoji_reload_with_an_unwritable_directory(cli, tmp_path):  # noqa: F811
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    err = cli.fails("emoji", "reload", PYLEROMA_EMOJI_DIR=str(blocker / "emoji"))
    assert "Error: could not mark the emoji directory" in err
