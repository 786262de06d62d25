"""The settings options every benchmark script takes, read the same way everywhere.

The scripts use the server's own settings (``PYLEROMA_*`` variables, a TOML file) so that they
find the same database as ``pyleroma serve``; ``--config``, ``--data-dir`` and
``--database-url`` override them on the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from pyleroma.settings import Settings, SettingsError, load_settings


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="pyleroma TOML settings (default: $PYLEROMA_CONFIG)")
    parser.add_argument("--data-dir", help="data dir (default: setting data_dir)")
    parser.add_argument("--database-url", help="database URL (default: SQLite in the data dir)")


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The settings with the command line's overrides; raises SettingsError when bad."""
    settings = load_settings(args.config)
    if args.data_dir:
        settings.data_dir = Path(args.data_dir)
    if args.database_url:
        settings.database_url = args.database_url
    return settings


def run_in_process(
    args: argparse.Namespace, profile: Callable[[argparse.Namespace, Settings], Awaitable[int]]
) -> int:
    """Run an in-process profiling script (``profile(args, settings)``) with the command
    line's settings and the server's logging quietened; 1 when the settings are bad."""
    try:
        settings = settings_from_args(args)
    except SettingsError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    settings.log_level = "warning"
    return asyncio.run(profile(args, settings))
