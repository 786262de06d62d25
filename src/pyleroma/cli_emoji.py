"""`pyleroma emoji reload|ls-packs`: the custom emoji packs from the shell (Pleroma's
`mix pleroma.emoji` and the admin API's reload_emoji).

`reload` is for files put in the emoji directory by hand: it marks the directory changed,
so the running servers and workers reread the packs at their next lookup.
`ls-packs` lists the packs of this instance's emoji directory as they load now (Pleroma's
`ls-packs` lists a remote manifest's packs; the emoji pack API downloads from other
instances here).
"""

from __future__ import annotations

import click

from pyleroma.cli import CliState, main, pass_state, run
from pyleroma.services.emoji_packs.reload import loaded_packs, reload_emoji


@main.group()
def emoji() -> None:
    """Reload and list the custom emoji packs."""


@emoji.command("reload")
@pass_state
def emoji_reload(state: CliState) -> None:
    """Make every server process reread the emoji packs (after adding files by hand)."""
    settings = state.settings()
    count = run(settings, lambda: reload_emoji(settings))
    click.echo(
        f"Reloaded the emoji packs of {settings.emoji_directory}: {count} emoji. "
        "Running servers pick them up at their next request."
    )


@emoji.command("ls-packs")
@pass_state
def emoji_ls_packs(state: CliState) -> None:
    """List the emoji packs of the emoji directory, with how many emoji each holds."""
    settings = state.settings()
    packs = run(settings, lambda: loaded_packs(settings))
    if not packs:
        click.echo(f"No emoji packs in {settings.emoji_directory}.")
        return
    for name, count in packs.items():
        click.echo(f"{name}\t{count} emoji")
