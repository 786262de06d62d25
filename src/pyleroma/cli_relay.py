"""`pyleroma relay list|follow URL|unfollow URL`: the relays the instance follows, from the
shell, as the admin API's `/relay` does (Pleroma's `mix pleroma.relay`).

`follow` fetches the relay, sends the Follow and returns: the relay's Accept arrives later
at the running server, and `list` shows the follow as pending until then. The Follow is a
delivery job, so a server (or `pyleroma worker`) must be running to send it.
"""

from __future__ import annotations

import click

from pyleroma.cli import CliState, main, open_session, pass_state, run
from pyleroma.federation.http_client import close_sessions
from pyleroma.services.instance.relays import (
    RelayInfo,
    follow_relay,
    list_relays,
    unfollow_relay,
)

KIND_NAMES = {"litepub": "LitePub (follows the relay's actor)", "mastodon": "Mastodon (inbox)"}


@main.group()
def relay() -> None:
    """Follow and unfollow relays (they pass public posts between instances)."""


def _with_federation(settings, work):
    """Run ``work`` (a coroutine function taking a session) with the federation HTTP
    session closed before the loop ends."""

    async def go():
        try:
            async with open_session(settings) as session:
                return await work(session)
        finally:
            await close_sessions()

    return run(settings, go)


@relay.command("follow")
@click.argument("url")
@pass_state
def relay_follow(state: CliState, url: str) -> None:
    """Follow the relay at URL: its actor (LitePub relays, e.g. https://relay.example/actor)
    or its inbox (Mastodon-style relays, e.g. https://relay.example/inbox)."""
    settings = state.settings()
    info: RelayInfo = _with_federation(settings, lambda s: follow_relay(s, settings, url))
    click.echo(
        f"Sent a follow request to the relay {info.actor_id} ({KIND_NAMES[info.kind]}); "
        "it is followed once the relay accepts."
    )


@relay.command("unfollow")
@click.argument("url")
@pass_state
def relay_unfollow(state: CliState, url: str) -> None:
    """Stop following the relay that URL names (as followed, its actor or its inbox)."""
    settings = state.settings()
    info: RelayInfo = _with_federation(settings, lambda s: unfollow_relay(s, settings, url))
    click.echo(f"Unfollowed the relay {info.actor_id}.")


@relay.command("list")
@pass_state
def relay_list(state: CliState) -> None:
    """List the relays followed: URL, state (pending until the relay accepts), protocol."""
    settings = state.settings()
    relays = _with_federation(settings, lambda s: list_relays(s, settings))
    if not relays:
        click.echo("No relays followed.")
        return
    for info in relays:
        click.echo(f"{info.url}\t{info.state}\t{info.kind}")
