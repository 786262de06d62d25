"""The load script's report: the machine it ran on, and the table it prints."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table


def command_line(module: str, argv: list[str] | None) -> str:
    """The command that made a report, as BENCHMARKS.md quotes it."""
    return " ".join([f"python -m {module}", *(argv or sys.argv[1:])])


def save_json(console: Console, report: dict, path: str | None) -> None:
    """Also keep ``report`` as JSON at ``path``, when one was asked for."""
    if path:
        Path(path).write_text(json.dumps(report, indent=2) + "\n")
        console.print(f"JSON report: {path}")


def machine() -> dict:
    info = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info


def fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f}" if isinstance(value, float) else str(value)


def print_report(console: Console, report: dict) -> None:
    table = Table(title=f"pyleroma load test ({report['database']}, {report['url']})")
    headers = ("scenario", "conc.", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms")
    for name in headers:
        table.add_column(name, justify="left" if name == "scenario" else "right")
    table.add_column("server CPU", justify="right")
    for row in report["results"]:
        if row.get("skipped"):
            table.add_row(row["title"], *["-"] * 7, f"skipped: {row['skipped']}")
            continue
        errors = str(row["errors"])
        if row["errors"]:
            codes = ", ".join(f"{code}x{n}" for code, n in sorted(row["error_statuses"].items()))
            errors = f"[red]{row['errors']} ({codes})[/red]"
        table.add_row(
            row["title"],
            str(row["concurrency"]),
            str(row["requests"]),
            errors,
            fmt(row["rps"]),
            fmt(row["p50_ms"]),
            fmt(row["p95_ms"]),
            fmt(row["p99_ms"]),
            "-" if row.get("server_cpu_pct") is None else f"{row['server_cpu_pct']:.0f}%",
        )
    console.print(table)
    rss = report.get("server_rss_mb", {})
    console.print(
        f"server RSS: before {fmt(rss.get('before'))} MB, after {fmt(rss.get('after'))} MB"
    )
    followers = report.get("author_followers")
    for row in report["results"]:
        if row["key"] == "post" and "fanout_drain_s" in row:
            console.print(
                f"fan-out after {row['requests']} posts at concurrency {row['concurrency']}: "
                f"job queue drained {fmt(row['fanout_drain_s'])} s after the last post"
            )
    fanout = report.get("fanout") or {}
    if "single_post_fanout_ms" in fanout:
        console.print(
            f"one post to {followers} followers, idle queue, POST sent to fan-out done: "
            f"{fmt(fanout['single_post_fanout_ms'])} ms (median of 5)"
        )
    if "error" in fanout:
        console.print(f"[yellow]fan-out probe: {fanout['error']}[/yellow]")
    missing = [r["title"] for r in report["results"] if "404" in r.get("error_statuses", {})]
    if missing:
        console.print(f"[yellow]404 (endpoint missing?): {', '.join(missing)}[/yellow]")
    failing = [
        r["title"]
        for r in report["results"]
        if any(code.startswith("5") for code in r.get("error_statuses", {}))
    ]
    if failing:
        where = report.get("server_log") or "the server's log"
        console.print(f"[red]server errors (5xx) in: {', '.join(failing)}; see {where}[/red]")
    unreachable = [
        r["title"]
        for r in report["results"]
        if any(not code.isdigit() for code in r.get("error_statuses", {}))
    ]
    if unreachable:
        console.print(
            f"[red]no HTTP answer (connection or timeout) in: {', '.join(unreachable)}[/red]"
        )
