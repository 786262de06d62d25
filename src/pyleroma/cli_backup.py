"""`pyleroma user backup NICKNAME`: an account's backup built now, in this process
(services/accounts/backups.py), with a progress bar of the items written; prints the
archive's path and its download link.

The backup is the one the API makes (it shows in the user's list, downloads from the same
link and expires the same way), but as the admin's it skips the one-per-backup_limit_days
limit, as Pleroma's admin-made backups do, and the user is not mailed.
"""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pyleroma.cache import entity_cache_for
from pyleroma.cli import CliError, CliState, local_user, pass_state, run, user
from pyleroma.db import migrate
from pyleroma.db.engine import make_engine, make_sessionmaker
from pyleroma.services.accounts import backups
from pyleroma.services.accounts.backup_archive import count_items


@user.command("backup")
@click.argument("nickname")
@pass_state
def user_backup(state: CliState, nickname: str) -> None:
    """Write a backup archive of a local user's account now (Pleroma's export: profile,
    posts with their media, favourites, bookmarks, followers, follows) and print its path."""
    settings = state.settings()

    async def work():
        await migrate.ensure_migrated(settings)
        engine = make_engine(settings.effective_database_url)
        sessionmaker = make_sessionmaker(engine, entity_cache=entity_cache_for(settings))
        try:
            async with sessionmaker() as session:
                account = await local_user(session, nickname)
                backup = await backups.create_backup(
                    session, settings, account, check_limit=False, build_job=False
                )
                await session.commit()
                total = await count_items(session, account.id)
            progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            with progress:
                task = progress.add_task(f"Backing up {account.nickname}", total=total)
                try:
                    built = await backups.build_backup(
                        sessionmaker,
                        settings,
                        backup.id,
                        notify=False,
                        on_progress=lambda count: progress.update(task, completed=count),
                    )
                except Exception as exc:
                    await backups.mark_unfinished(sessionmaker, backup.id, final=True)
                    raise CliError(f"the backup failed: {exc}") from exc
                if built is None:
                    raise CliError(f"{nickname} was deleted during the backup")
                done = built.processed_number
                progress.update(task, completed=done, total=done)
            return built
        finally:
            await engine.dispose()

    built = run(settings, work)
    click.echo(str(backups.archive_path(settings, built.file_name)))
    click.echo(
        f"{built.processed_number} items, {built.file_size} bytes; "
        f"download: {backups.download_url(settings, built)}"
    )
