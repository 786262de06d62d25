"""benchmarks.web_pages (issue 15) on tiny sizes: it writes the data it says, requests every
page it times, and its figures stand for that work (the script compares each page's posts
with the client API's and raises otherwise; these tests check what it reports)."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest
from rich.console import Console

TINY = [
    "--accounts",
    "40",
    "--statuses",
    "800",
    "--remote-accounts",
    "30",
    "--follows",
    "5",
    "--thread-size",
    "8",
    "--requests",
    "3",
    "--warmup",
    "1",
    "--cold",
    "2",
]


def _args(tmp_path: Path, pg_database, *extra: str):
    from benchmarks.web_pages import parse_args

    url = ["--database-url", pg_database] if pg_database else []
    return parse_args(
        ["--data-dir", str(tmp_path / "bench"), "--argon2-time-cost", "1"]
        + ["--argon2-memory-cost", "1024", *url, *extra]
    )


async def _run(args):
    from benchmarks.web_pages import run

    return await run(args, Console(file=io.StringIO()))


async def _empty(pg_database) -> None:
    from tests.conftest import _empty_pg

    if pg_database:
        await _empty_pg(pg_database)


async def test_web_pages_benchmark_requests_every_page_it_reports(tmp_path, pg_database):
    from benchmarks.web_pages import PAGE_KEYS, PINS, table

    await _empty(pg_database)
    result = await _run(_args(tmp_path, pg_database, *TINY))

    assert result["engine"] == ("postgresql" if pg_database else "sqlite")
    assert {"load_1min_before", "load_1min_after", "first_requests_ms", "peak_rss_mb"} <= set(
        result
    )
    seeded = result["seeded"]
    assert seeded["local_accounts"] == 40 and seeded["statuses"] == 800
    assert seeded["remote_accounts"] == 30 and seeded["remote_domains"] == 1
    assert seeded["pins"] == PINS and seeded["profile_posts"] >= 20
    # The generator's manifest stays in the data dir (benchmarks/profile_request.py reads it).
    assert (tmp_path / "bench" / "benchmark.json").exists()

    pages = result["pages"]
    assert list(pages) == list(PAGE_KEYS)
    assert pages["not_found"]["rows"] == 0 and pages["not_found"]["statements_per_req"] == 1
    assert pages["landing"]["rows"] == pages["tag"]["rows"] == 20
    assert pages["profile"]["rows"] >= 20 + 1  # the pins, then the posts left of a page of 20
    assert pages["notice"]["rows"] >= 2  # a reply and the post it answers at least
    assert pages["notice_thread"]["rows"] > pages["notice"]["rows"]
    for key, figures in pages.items():
        assert 0 < figures["p50_ms"] <= figures["p99_ms"], key
        assert figures["req_per_s"] > 0 and figures["cpu_ms_per_req"] > 0, key
        assert figures["page_kb"] > 0 and figures["cold_ms"] > 0, key
        low, high = figures["statements_min_max"]
        assert 1 <= low <= figures["statements_per_req"] <= high, key
        assert figures["sql_ms_per_req"] >= 0, key
        # An emptied entity cache never costs fewer statements than a filled one.
        assert figures["cold_statements"] >= high, key
        if not pg_database:
            assert figures["db_cpu_ms_per_req"] is None, key
    header = table(result).splitlines()[0]
    assert ("PG CPU" in header) == (pages["landing"]["db_cpu_ms_per_req"] is not None)


async def test_web_pages_benchmark_runs_the_pages_asked_and_wants_an_empty_database(
    tmp_path, pg_database
):
    from benchmarks.web_pages import BenchmarkError, only_arg, parse_args, table

    await _empty(pg_database)
    pstats = tmp_path / "tag.pstats"
    args = _args(tmp_path, pg_database, *TINY, "--only", "tag,landing", "--pstats", str(pstats))
    result = await _run(args)
    assert list(result["pages"]) == ["landing", "tag"]
    assert table(result).count("\n") == 3  # the head, the rule, two pages
    # One dump per page when several are profiled.
    assert (tmp_path / "tag.landing.pstats").exists() and (tmp_path / "tag.tag.pstats").exists()
    assert result["profiled"]
    with pytest.raises(BenchmarkError, match="accounts: give an empty one"):
        await _run(args)  # the same database again
    with pytest.raises(argparse.ArgumentTypeError):
        only_arg("landing,everything")
    with pytest.raises(BenchmarkError, match="--follows"):
        await _run(_args(tmp_path / "other", None, "--accounts", "40", "--follows", "500"))
    defaults = parse_args([])
    assert (defaults.accounts, defaults.statuses, defaults.remote_accounts) == (2000, 20000, 10000)
    assert (defaults.requests, defaults.warmup, defaults.thread_size) == (200, 10, 150)
