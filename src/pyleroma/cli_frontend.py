"""`pyleroma frontend install NAME [--ref REF] [--file ZIP | --url URL] [--build-dir DIR]`
and `pyleroma frontend list`: front end builds from the shell (Pleroma's
`mix pleroma.frontend install`), with the installer the admin API uses
(services/instance/frontends.py).

A known front end needs only its name (its ref and build URL are known); any other needs
``--ref`` and ``--file`` or ``--url``. The build goes to
``data_dir/frontends/NAME/REF/``, replacing what was there. No database is needed.
"""

from __future__ import annotations

import click

from pyleroma.cli import CliError, CliState, main, pass_state, run
from pyleroma.federation.http_client import close_sessions
from pyleroma.services.instance import frontends


@main.group()
def frontend() -> None:
    """Install front end builds (Pleroma-FE, Admin-FE, ...) and list them."""


@frontend.command("install")
@click.argument("name")
@click.option("--ref", help="The version, the folder it goes in (default: the known one's).")
@click.option("--file", "file_path", help="A zip archive of the build on this machine.")
@click.option("--url", "build_url", help="Where to download the zip archive (${ref}: the ref).")
@click.option("--build-url", "build_url_alias", hidden=True)
@click.option("--build-dir", help="The archive's folder holding the build (default: dist).")
@pass_state
def frontend_install(
    state: CliState,
    name: str,
    ref: str | None,
    file_path: str | None,
    build_url: str | None,
    build_url_alias: str | None,
    build_dir: str | None,
) -> None:
    """Install the front end NAME from a zip archive (a file or a URL)."""
    build_url = build_url or build_url_alias
    if file_path and build_url:
        raise CliError("give --file or --url, not both")
    settings = state.settings()

    async def work():
        request = frontends.check_install(
            name, ref=ref, file=file_path, build_url=build_url, build_dir=build_dir
        )
        try:
            return request, await frontends.install(settings, request)
        finally:
            await close_sessions()

    request, path = run(settings, work)
    click.echo(f"Frontend {request.name} ({request.ref}) installed to {path}")


@frontend.command("list")
@pass_state
def frontend_list(state: CliState) -> None:
    """List the known and the installed front ends: name, installed refs, default ref."""
    settings = state.settings()
    for entry in frontends.list_frontends(settings):
        refs = ", ".join(entry["installed_refs"]) or "-"
        click.echo(f"{entry['name']}\t{refs}\t{entry['ref'] or '-'}")
