"""A job worker process for the runner tests: ``python -m tests.jobs.worker --url ...``.

Builds a JobRunner on the given database with the test job kinds registered, writes the
``--ready`` file once set up, and runs until SIGTERM (a clean stop) or SIGKILL (a crash).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

import tests.jobs.handlers  # noqa: F401  (registers the test job kinds)
from pyleroma.cache import entity_cache_for
from pyleroma.db.engine import make_engine, make_sessionmaker
from pyleroma.jobs import JobRunner
from pyleroma.settings import Settings


async def main(args: argparse.Namespace) -> None:
    settings = Settings(
        data_dir=Path(args.data_dir),
        database_url=args.url,
        job_poll_interval=args.poll,
        job_lease_seconds=args.lease,
        job_concurrency=args.concurrency,
    )
    engine = make_engine(args.url)
    # Like `pyleroma worker`: its commits reach the caches of the processes beside it.
    sessionmaker = make_sessionmaker(engine, entity_cache=entity_cache_for(settings))
    runner = JobRunner(sessionmaker, settings, args.worker_id, args.concurrency)
    Path(args.ready).write_text("ready\n")
    try:
        await runner.run_forever()
    finally:
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--ready", required=True)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--lease", type=int, default=2)
    parser.add_argument("--poll", type=float, default=0.1)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(main(parser.parse_args()))
