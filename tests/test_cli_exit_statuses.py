"""Exit statuses of the ``pyleroma`` command: 1 for bad input, 2 for usage errors (click's
convention), as the README's CLI reference and ``--help`` say."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import cli, database_url, fresh  # noqa: F401  (fixtures)

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["user", "new", "carol"], "Missing argument 'EMAIL'"),
        (["user", "new", "--bogus", "carol", "carol@example.com"], "No such option '--bogus'"),
        (["usr", "list"], "No such command 'usr'"),
        (["serve", "--port", "x"], "Invalid value for '--port'"),
        (["announcement", "new", "hi", "--starts-at", "soon"], "Invalid value for '--starts-at'"),
    ],
)
def test_usage_errors_print_the_usage_and_exit_2(cli, args, message):  # noqa: F811
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert "Usage: " in result.stderr and message in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["user", "new", "carol", "not-an-email"], {}, "Email has invalid format"),
        (["user", "set", "nobody", "--admin"], {}, "no local user 'nobody'"),
        (["config"], {"PYLEROMA_REGISTRATIONS": "bogus"}, "registrations must be one of"),
    ],
)
def test_bad_input_prints_error_and_exits_1(cli, args, env, message):  # noqa: F811
    result = cli(*args, **env)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Usage: " not in result.stderr


def test_help_and_readme_state_the_same_exit_statuses(cli):  # noqa: F811
    """The README's CLI reference and ``--help`` say what the two tests above check."""
    readme = " ".join(README.read_text().split())
    assert "exits with status 1; a usage error" in readme
    assert "prints the usage and `Error: …` and exits with status 2" in readme
    helped = " ".join(cli.ok("--help").split())
    assert "1 when the command could not be done" in helped
    assert "2 for a usage error" in helped
