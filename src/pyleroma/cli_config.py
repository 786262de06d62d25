"""`pyleroma config [migrate-to-db | migrate-from-db | dump]`: the settings kept in the
database (ConfigDB, docs/api/admin_config.md) from the shell, as Pleroma's
`mix pleroma.config` tasks.

`pyleroma config` alone prints the effective settings of the file and the environment.
`migrate-to-db` saves what the file and the environment set (every setting that differs
from the built-in default, among those the database can hold) into the database, merged
into what is saved there; `migrate-from-db` writes what the database holds as TOML (to
stdout or a file), `--delete` then empties the table; `dump` prints each saved entry.
Those three need ``configurable_from_database`` on, as Pleroma's tasks do. A running server
applies rows saved here at its next start (or GET /api/pleroma/admin/restart).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from pyleroma.cli import CliError, CliState, describe_database, main, open_session, pass_state
from pyleroma.cli import run as run_work
from pyleroma.cli import show_config as show_effective
from pyleroma.services.instance import config_db
from pyleroma.services.instance.config_fields import ConfigError, KeySpec
from pyleroma.services.instance.config_map import KEYS, find_key
from pyleroma.services.instance.config_values import (
    atom_name,
    is_keyword,
    keyword,
    keyword_pairs,
    merge,
)
from pyleroma.settings import Settings

OFF = (
    "ConfigDB is off: set configurable_from_database = true in the config file "
    "(or PYLEROMA_CONFIGURABLE_FROM_DATABASE=true) first"
)


@main.group("config", invoke_without_command=True)
@click.pass_context
def config(ctx: click.Context) -> None:
    """Show the effective settings, or move them to and from the database (ConfigDB)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(show_effective)


def _settings(state: CliState) -> Settings:
    settings = state.settings()
    if not settings.configurable_from_database:
        raise CliError(OFF)
    return settings


def _changed(spec: KeySpec, settings: Settings, defaults: Settings):
    """The key's value with only what ``settings`` sets differently from the defaults, or
    None when it sets nothing there."""
    value, default = spec.read(settings), spec.read(defaults)
    if spec.whole is not None:
        return None if value == default else value
    differing = [
        (key, item)
        for (key, item), (_, was) in zip(keyword_pairs(value), keyword_pairs(default), strict=True)
        if item != was
    ]
    return keyword(differing) if differing else None


@config.command("migrate-to-db")
@pass_state
def migrate_to_db(state: CliState) -> None:
    """Save the settings of the file and the environment in the database."""
    settings = _settings(state)
    defaults = Settings()
    found = {}
    for spec in KEYS:
        value = _changed(spec, settings, defaults)
        if value is not None:
            found[(spec.group, spec.key)] = value

    async def work():
        async with open_session(settings) as session:
            saved = await config_db.saved_values(session)
            for name, value in found.items():
                saved[name] = merge(saved[name], value) if name in saved else value
            try:
                config_db.overlay(settings, saved)
            except ConfigError as exc:
                raise CliError(f"not saved: {exc.message}") from exc
            await config_db.replace_all(session, saved)
            await session.commit()

    click.echo(f"Saving settings in the database {describe_database(settings)}")
    run_work(settings, work)
    for (group, key), value in found.items():
        names = ", ".join(k for k, _ in keyword_pairs(value)) if is_keyword(value) else key
        click.echo(f"  {group}, {key}: {names}")
    click.echo(
        f"Saved {len(found)} keys. They now apply over the file and the environment "
        "(a running server: at its next start, or GET /api/pleroma/admin/restart)."
    )


def _touched(spec: KeySpec, value) -> list[str]:
    """The settings attributes a saved value sets, in the key's order."""
    if spec.whole is not None or not is_keyword(value):
        children = list(spec.all_children())
    else:
        given = {atom_name(k) for k, _ in keyword_pairs(value)}
        children = []
        for child in spec.children:
            if atom_name(child.key) in given:
                stack = [child]
                while stack:
                    item = stack.pop(0)
                    children.append(item)
                    stack.extend(item.children)
    attrs = []
    for child in children:
        attrs += [a for a in child.attrs if a not in attrs]
    return attrs


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


@config.command("migrate-from-db")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the TOML here.")
@click.option("--delete", is_flag=True, help="Then delete the settings from the database.")
@pass_state
def migrate_from_db(state: CliState, output: str | None, delete: bool) -> None:
    """Print (or write) the settings saved in the database as TOML for the config file."""
    settings = _settings(state)

    async def work():
        async with open_session(settings) as session:
            saved = await config_db.saved_values(session)
            if delete:
                await config_db.replace_all(session, {})
                await session.commit()
            return saved

    if output and Path(output).exists():
        raise CliError(f"{output} exists; give a new file (it is never overwritten)")
    saved = run_work(settings, work)
    effective = config_db.overlay(settings, saved, strict=False)
    lines = ["# Settings that were saved in the database (pyleroma config migrate-from-db)"]
    for (group, key), value in saved.items():
        spec = find_key(group, key)
        if spec is None:
            click.echo(f"Skipped {group}, {key}: not a setting of this server", err=True)
            continue
        lines.append(f"# {group}, {key}")
        lines += [f"{a} = {_toml(getattr(effective, a))}" for a in _touched(spec, value)]
    text = "\n".join(lines) + "\n"
    if output:
        Path(output).write_text(text)
        click.echo(f"Wrote {len(saved)} database entries to {output}")
    else:
        click.echo(text, nl=False)
    if delete:
        click.echo(f"Deleted {len(saved)} entries from the database", err=bool(not output))


@config.command("dump")
@pass_state
def dump(state: CliState) -> None:
    """Print every setting saved in the database, as the admin API stores it."""
    settings = _settings(state)

    async def work():
        async with open_session(settings) as session:
            return await config_db.saved_values(session)

    saved = run_work(settings, work)
    if not saved:
        click.echo("No settings are saved in the database.")
        return
    for (group, key), value in saved.items():
        click.echo(f"{group}, {key} = {json.dumps(value, ensure_ascii=False)}")
