"""`pyleroma serve` and `pyleroma worker`: the long-running processes.

``serve --workers N`` runs N web processes on one listening socket (uvicorn's supervisor binds
it once, starts the processes, and starts a new one if one dies). Every process runs the same
app on the same database: jobs are claimed atomically from the job table, so each runs once
whichever process takes it, and stream events reach the WebSockets of every process
(NOTIFY/LISTEN on PostgreSQL, local sockets beside the database file on SQLite:
streaming/hub.py). The processes read their settings as this one did: what the command line
decided (listen address, base URL) is handed to them through ``PYLEROMA_*`` variables.
"""

from __future__ import annotations

import os

import click
from sqlalchemy import func, select

from pyleroma import __version__
from pyleroma.cache import entity_cache_for
from pyleroma.cli import (
    LOG_LEVELS,
    WILDCARD_HOSTS,
    CliError,
    CliState,
    command_name,
    describe_database,
    echo_report,
    main,
    open_session,
    pass_state,
    run,
)
from pyleroma.db import migrate
from pyleroma.db.engine import make_engine, make_sessionmaker
from pyleroma.models import Account
from pyleroma.services.instance import config_runtime
from pyleroma.settings import Settings

APP_FACTORY = "pyleroma.main:create_app"


def apply_listen_address(settings: Settings, host: str | None, port: int | None) -> None:
    """Use --host/--port; derive base_url from them unless the admin configured one."""
    configured_base_url = settings.base_url != Settings.base_url
    settings.host = host or settings.host
    settings.port = port or settings.port
    if not configured_base_url:
        url_host = "127.0.0.1" if settings.host in WILDCARD_HOSTS else settings.host
        if ":" in url_host:
            url_host = f"[{url_host}]"
        settings.base_url = f"http://{url_host}:{settings.port}"


def worker_count(settings: Settings, asked: int | None) -> int:
    """--workers, else the ``workers`` setting; 0 means one per CPU core."""
    count = asked if asked is not None else settings.workers
    return count if count > 0 else max(1, os.cpu_count() or 1)


async def count_local_accounts(settings: Settings) -> int:
    async with open_session(settings) as session:
        return await session.scalar(
            select(func.count()).select_from(Account).where(Account.local.is_(True))
        )


def hand_over_settings(state: CliState, settings: Settings) -> None:
    """What the worker processes need to read the settings exactly as this process has
    them: the command line's address and base URL, the config file, the data dir (absolute,
    whatever their working directory) and the secret key, made here once so that the
    processes do not race to make it."""
    from pyleroma.main import ensure_secret_key

    os.environ["PYLEROMA_HOST"] = settings.host
    os.environ["PYLEROMA_PORT"] = str(settings.port)
    os.environ["PYLEROMA_BASE_URL"] = settings.base_url
    os.environ["PYLEROMA_DATA_DIR"] = str(settings.data_dir.resolve())
    if state.config_path:
        os.environ["PYLEROMA_CONFIG"] = os.path.abspath(state.config_path)
    ensure_secret_key(settings)


@main.command()
@click.option("--host", help="Address to listen on (default: setting `host`, 127.0.0.1).")
@click.option(
    "--port", type=click.IntRange(1, 65535), help="Port to listen on (default: setting `port`)."
)
@click.option(
    "--workers",
    type=click.IntRange(0, 256),
    help="Web processes (default: setting `workers`; 0 = one per CPU core).",
)
@pass_state
def serve(state: CliState, host: str | None, port: int | None, workers: int | None) -> None:
    """Migrate the database, then run the web server."""
    import uvicorn

    settings = state.settings()
    if settings.log_level not in LOG_LEVELS:
        raise CliError(f"bad configuration: log_level must be one of {', '.join(LOG_LEVELS)}")
    echo_report(settings, run(settings, lambda: migrate.upgrade(settings)))
    # ConfigDB: settings saved through the admin API (listen address, processes...) count
    # as if they were in the file; the command line's --host and --port still win.
    run(settings, lambda: config_runtime.apply_saved_at_start(settings))
    apply_listen_address(settings, host, port)
    if run(settings, lambda: count_local_accounts(settings)) == 0:
        click.echo(
            "No accounts yet. Create an admin with:\n"
            f"    {command_name()} user new NICKNAME EMAIL --admin"
        )
    if settings.host in WILDCARD_HOSTS and settings.base_url.startswith("http://127.0.0.1"):
        click.echo("Warning: listening on all addresses; set base_url to your public URL.")
    count = worker_count(settings, workers)
    processes = f", {count} processes" if count > 1 else ""
    click.echo(f"pyleroma {__version__} on http://{settings.host}:{settings.port}{processes}")
    click.echo(f"Base URL {settings.base_url}, database {describe_database(settings)}")
    options = {
        "host": settings.host,
        "port": settings.port,
        "loop": "uvloop",
        "http": "httptools",
        "log_level": settings.log_level,
        "ws_ping_interval": settings.streaming_ping_interval,
        "ws_ping_timeout": settings.streaming_ping_interval,
    }
    if count == 1:
        from pyleroma.main import create_app

        uvicorn.run(create_app(settings), **options)
        return
    hand_over_settings(state, settings)
    uvicorn.run(APP_FACTORY, factory=True, workers=count, **options)


@main.command()
@click.option(
    "--concurrency", type=click.IntRange(1, 1000), help="Jobs at once (default: job_concurrency)."
)
@click.option("--queue", "queues", multiple=True, help="Only run jobs of this queue (repeatable).")
@pass_state
def worker(state: CliState, concurrency: int | None, queues: tuple[str, ...]) -> None:
    """Run background jobs until SIGTERM or Ctrl-C (set jobs_in_process=false on servers)."""
    import logging

    from pyleroma.jobs.runner import JobRunner

    settings = state.settings()
    if settings.log_level not in LOG_LEVELS:
        raise CliError(f"bad configuration: log_level must be one of {', '.join(LOG_LEVELS)}")
    level = logging.DEBUG if settings.log_level == "trace" else settings.log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    async def work() -> None:
        from pyleroma.federation.http_client import close_sessions as close_federation_sessions
        from pyleroma.streaming.hub import StreamHub

        await migrate.ensure_migrated(settings)
        await config_runtime.apply_saved_at_start(settings)
        engine = make_engine(settings.effective_database_url)
        # Stream events of jobs (new posts' fan-out...) reach the web processes' sockets
        # through NOTIFY on PostgreSQL and through local sockets on SQLite (streaming/hub.py).
        hub = StreamHub(settings, dispatching=False)
        watcher = None
        try:
            cache = entity_cache_for(settings)
            sessionmaker = make_sessionmaker(engine, hub, cache)
            await hub.start(sessionmaker)
            # Settings saved through the admin API while this worker runs (ConfigDB).
            watcher = config_runtime.ConfigRuntime(settings, sessionmaker, cache)
            watcher.start_watching()
            runner = JobRunner(sessionmaker, settings, concurrency=concurrency, queues=queues)
            await runner.run_forever(
                ready=lambda: click.echo(
                    f"pyleroma worker {runner.worker_id}: {runner.concurrency} job(s) at once, "
                    f"queues: {', '.join(queues) or 'all'}; stop with SIGTERM or Ctrl-C"
                )
            )
        finally:
            if watcher is not None:
                await watcher.stop_watching()
            await hub.stop()
            await close_federation_sessions()
            await engine.dispose()

    run(settings, work)
    click.echo("Worker stopped.")
