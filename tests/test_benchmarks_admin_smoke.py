"""benchmarks.admin_api (issue 14) on tiny sizes: it writes the data it says, reads every
route it times, and its figures stand for that work (the script checks each answer itself
and raises otherwise; these tests check what it reports)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

TINY = [
    "--accounts",
    "40",
    "--statuses",
    "120",
    "--rich",
    "9",
    "--reports",
    "12",
    "--log-entries",
    "14",
    "--chats",
    "4",
    "--page-size",
    "5",
    "--requests",
    "3",
    "--warmup",
    "1",
    "--cold",
    "2",
]
LISTS = (
    "users",
    "reports",
    "statuses",
    "user_statuses",
    "instance_statuses",
    "moderation_log",
    "mastodon_accounts",
    "mastodon_reports",
)


def _args(tmp_path: Path, pg_database, *extra: str):
    from benchmarks.admin_api import parse_args

    url = ["--database-url", pg_database] if pg_database else []
    return parse_args(
        ["--data-dir", str(tmp_path / "bench"), "--argon2-time-cost", "1"]
        + ["--argon2-memory-cost", "1024", *url, *extra]
    )


async def _empty(pg_database) -> None:
    from tests.conftest import _empty_pg

    if pg_database:
        await _empty_pg(pg_database)


async def test_admin_api_benchmark_reads_every_route_it_reports(tmp_path, pg_database):
    from benchmarks.admin_api import ROUTE_KEYS, run

    await _empty(pg_database)
    result = await run(_args(tmp_path, pg_database, *TINY))

    assert result["engine"] == ("postgresql" if pg_database else "sqlite")
    assert {"load_1min_before", "load_1min_after", "router_warmup_ms", "peak_rss_mb"} <= set(result)
    seeded = result["seeded"]
    # 40 accounts and the admin; the statuses asked for and the reblogs of the rich ones.
    assert seeded["accounts"] == seeded["listed_accounts"] == 41
    assert seeded["statuses"] == 120 + seeded["rich_reblogs"] and seeded["rich_reblogs"] >= 1
    assert seeded["reports"] == seeded["stored_reports"] == 12
    assert seeded["report_notes"] == 6 + 4  # the admin's on every other, the moderator's
    # The entries written, and the one POST /config may add (``config_update``).
    assert seeded["log_entries"] in (14, 15) and seeded["chats"] == 4
    assert seeded["prolific_readable"] >= 5 and seeded["host_readable"] >= 5

    routes = result["routes"]
    assert list(routes) == list(ROUTE_KEYS)
    for key in LISTS:
        assert routes[key]["rows"] == 5, key
    assert routes["user_chats"]["rows"] == 4
    assert routes["config"]["rows"] > 10 and routes["config_descriptions"]["rows"] > 10
    for key, figures in routes.items():
        assert 0 < figures["p50_ms"] <= figures["p99_ms"], key
        assert figures["req_per_s"] > 0 and figures["cpu_ms_per_req"] > 0, key
        assert figures["rss_mb"] > 0 and figures["cold_ms"] > 0, key
        low, high = figures["statements_min_max"]
        assert low <= figures["statements_per_req"] <= high, key
        # An emptied entity cache never costs fewer statements than a filled one.
        assert figures["cold_statements"] >= high, key
    for key in LISTS:
        assert routes[key]["statements_per_req"] >= 1, key
    # The ConfigDB read is the one saved by the script (checked in the script as well).
    assert routes["config"]["statements_per_req"] >= 1


async def test_admin_api_benchmark_runs_the_routes_asked_and_wants_an_empty_database(
    tmp_path, pg_database
):
    from benchmarks.account_data import BenchmarkError
    from benchmarks.admin_api import only_arg, parse_args, run, table

    await _empty(pg_database)
    args = _args(tmp_path, pg_database, *TINY, "--only", "stats,users")
    result = await run(args)
    assert list(result["routes"]) == ["users", "stats"]
    assert table(result).count("\n") == 3  # the head, the rule, two routes
    with pytest.raises(BenchmarkError, match="accounts: give an empty one"):
        await run(args)  # the same database again
    with pytest.raises(argparse.ArgumentTypeError):
        only_arg("users,everything")
    with pytest.raises(BenchmarkError, match="--chats"):
        await run(_args(tmp_path / "other", None, "--accounts", "8", "--chats", "20"))
    defaults = parse_args([])
    assert (defaults.accounts, defaults.statuses, defaults.reports) == (2000, 20000, 500)
    assert (defaults.log_entries, defaults.page_size, defaults.requests) == (2000, 50, 200)
