"""Real worker processes on one database: two share the queue without running a job twice,
and a worker killed mid-job (kill -9) leaves the job to a new worker, whose effect is there
exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from pyleroma.jobs import enqueue
from pyleroma.models.job import Job
from tests.jobs.handlers import effect_counts
from tests.jobs.runner_helpers import add_job, file_exists, get_job, wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]


def _database_url(app) -> str:
    return app.state.settings.effective_database_url


def spawn_worker(app, tmp_path, worker_id, *, concurrency=4, lease=2) -> subprocess.Popen:
    """A real worker process on the test database (see tests/jobs/worker.py)."""
    log = open(tmp_path / f"{worker_id}.log", "ab")  # noqa: SIM115  (closed with the process)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.jobs.worker",
            "--url",
            _database_url(app),
            "--worker-id",
            worker_id,
            "--data-dir",
            str(tmp_path / f"{worker_id}-data"),
            "--ready",
            str(tmp_path / f"{worker_id}.ready"),
            "--concurrency",
            str(concurrency),
            "--lease",
            str(lease),
            "--poll",
            "0.1",
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return process


def stop_worker(process: subprocess.Popen, tmp_path, worker_id) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    output = (tmp_path / f"{worker_id}.log").read_text(errors="replace")
    assert process.returncode == 0, f"worker {worker_id} exited {process.returncode}:\n{output}"


async def wait_ready(tmp_path, process, worker_id) -> None:
    async def ready():
        if process.poll() is not None:
            output = (tmp_path / f"{worker_id}.log").read_text(errors="replace")
            raise AssertionError(f"worker {worker_id} died:\n{output}")
        return (tmp_path / f"{worker_id}.ready").exists()

    await wait_for(ready)


async def test_two_worker_processes_share_the_queue_without_running_a_job_twice(app, db, tmp_path):
    run_log = tmp_path / "runs.log"
    workers = {name: spawn_worker(app, tmp_path, name) for name in ("p1", "p2")}
    try:
        for name, process in workers.items():
            await wait_ready(tmp_path, process, name)
        async with db() as session:
            ids = [
                await enqueue(
                    session,
                    "test.effect",
                    {"key": f"k{n}", "sleep": 0.02, "run_log": str(run_log)},
                )
                for n in range(80)
            ]
            await session.commit()

        async def all_done():
            async with db() as session:
                count = await session.scalar(
                    select(func.count()).select_from(Job).where(Job.state == "completed")
                )
            return count == len(ids)

        await wait_for(all_done, timeout=60)
    finally:
        for name, process in workers.items():
            stop_worker(process, tmp_path, name)
    lines = [line.split() for line in run_log.read_text().splitlines()]
    runs = Counter(int(job_id) for job_id, _, _ in lines)
    assert sorted(runs) == sorted(ids) and set(runs.values()) == {1}
    assert {worker for _, worker, _ in lines} == {"p1", "p2"}
    assert await effect_counts(db) == {f"k{n}": 1 for n in range(80)}


async def test_worker_killed_mid_job_then_restarted_runs_the_job_once(app, db, tmp_path):
    started, gate, run_log = tmp_path / "started", tmp_path / "gate", tmp_path / "runs.log"
    args = {"key": "crash", "started": str(started), "gate": str(gate), "run_log": str(run_log)}
    job_id = await add_job(db, "test.block", args)

    first = spawn_worker(app, tmp_path, "first", concurrency=1)
    try:
        await wait_for(lambda: file_exists(started))
        job = await get_job(db, job_id)
        assert job.state == "running" and job.locked_by == "first"
        assert await effect_counts(db) == {}  # written, not committed
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL
    assert (await get_job(db, job_id)).state == "running"  # the dead worker's lease

    gate.touch()
    second = spawn_worker(app, tmp_path, "second", concurrency=1)
    try:

        async def done():
            return (await get_job(db, job_id)).state == "completed"

        await wait_for(done, timeout=60)
    finally:
        stop_worker(second, tmp_path, "second")

    job = await get_job(db, job_id)
    assert job.state == "completed" and job.locked_by == "second" and job.attempt == 2
    assert await effect_counts(db) == {"crash": 1}
    assert [line.split()[1:] for line in run_log.read_text().splitlines()] == [
        ["first", "1"],
        ["second", "2"],
    ]
