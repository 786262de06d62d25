"""`pyleroma user tag|untag NICKNAME TAG...`: a local user's tags (the TagPolicy's among
them), as the admin API's PUT/DELETE /users/tag set them."""

from __future__ import annotations

from tests.test_cli import cli, database_url, fresh  # noqa: F401  (fixtures)


def test_user_tag_and_untag(cli):  # noqa: F811
    cli.ok("user", "new", "alice", "alice@example.com")
    out = cli.ok("user", "tag", "alice", "mrf_tag:media-strip", "x", "x")
    assert out.strip() == "Tags of alice: mrf_tag:media-strip, x"
    cli.ok("user", "tag", "@alice", "x", "y")
    assert cli.account("alice").tags == ["mrf_tag:media-strip", "x", "y"]
    out = cli.ok("user", "untag", "alice", "x", "absent")
    assert out.strip() == "Tags of alice: mrf_tag:media-strip, y"
    cli.ok("user", "untag", "alice", "mrf_tag:media-strip", "y")
    assert cli.account("alice").tags == []
    assert "(none)" in cli.ok("user", "untag", "alice", "y")


def test_user_tag_errors(cli):  # noqa: F811
    cli.ok("user", "new", "alice", "alice@example.com")
    assert "no local user 'nobody'" in cli.fails("user", "tag", "nobody", "x")
    assert "a tag cannot be blank" in cli.fails("user", "tag", "alice", " ")
    result = cli("user", "tag", "alice")
    assert result.exit_code == 2 and "Missing argument 'TAGS...'" in result.stderr
    assert cli.account("alice").tags == []
