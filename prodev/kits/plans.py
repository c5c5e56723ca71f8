"""Measure what a query costs: plans, work done and timings, on SQLite and DuckDB.

Lesson 06 and the checks of lab 06 use the same measurements: SQLite's EXPLAIN QUERY PLAN lines,
the number of SQLite virtual-machine steps a query takes (a deterministic measure of work, unlike
time), DuckDB's profile (files and rows a scan read) and median timings of interleaved repeats.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodev.kits.timing import Timing, interleaved

# SQLite calls the progress handler every this many virtual-machine instructions.
STEP_GRAIN = 10


def sqlite_plan(con: sqlite3.Connection, query: str, params: Sequence[Any] = ()) -> list[str]:
    """The detail column of EXPLAIN QUERY PLAN, one line per plan node, in plan order."""
    return [row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {query}", tuple(params))]


def sqlite_steps(
    con: sqlite3.Connection, query: str, params: Sequence[Any] = (), max_seconds: float = 30.0
) -> int:
    """How many virtual-machine instructions SQLite runs to answer `query` (to STEP_GRAIN).

    A query still running after `max_seconds` is interrupted (sqlite3.OperationalError).
    """
    count = 0
    deadline = time.monotonic() + max_seconds

    def tick() -> int:
        nonlocal count
        count += 1
        return 1 if count % 1000 == 0 and time.monotonic() > deadline else 0

    con.set_progress_handler(tick, STEP_GRAIN)
    try:
        con.execute(query, tuple(params)).fetchall()
    finally:
        con.set_progress_handler(None, 0)
    return count * STEP_GRAIN


@dataclass(frozen=True)
class ScanProfile:
    """What DuckDB's scans read for one query (from EXPLAIN ANALYZE)."""

    files_read: int
    row_groups_scanned: int
    bytes_read: int


def duckdb_profile(con: Any, query: str, max_seconds: float = 30.0) -> ScanProfile:
    """Run `query` under EXPLAIN ANALYZE and add up what its table scans read."""
    timer = threading.Timer(max_seconds, con.interrupt)
    timer.start()
    try:
        text = con.execute(f"EXPLAIN (ANALYZE, FORMAT json) {query}").fetchall()[0][1]
    finally:
        timer.cancel()
    plan = json.loads(text)
    files = groups = 0
    stack = list(plan.get("operator", plan.get("children", [])))
    while stack:
        node = stack.pop()
        stack.extend(node.get("children", []))
        if node.get("type", node.get("operator_type")) != "TABLE_SCAN":
            continue
        extra = node.get("extra_info", {})
        files += int(extra.get("Total Files Read", 0) or 0)
        groups += int(node.get("row_groups_scanned", 0) or 0)
    return ScanProfile(files, groups, int(plan.get("io", {}).get("total_bytes_read", 0) or 0))


def median_seconds(run: Callable[[], Any], repeats: int = 5) -> float:
    """Median wall-clock seconds of `repeats` calls of `run` (after one warm-up call)."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def speedup(baseline: Callable[[], Any], candidate: Callable[[], Any], repeats: int = 5) -> float:
    """How many times faster `candidate` is than `baseline`: medians of interleaved repeats.

    Interleaving (baseline, candidate, baseline, ...) spreads any slow spell of a shared machine
    over both, and the median ignores the odd outlier.
    """
    baseline()
    candidate()
    base, cand = [], []
    for _ in range(repeats):
        for run, times in ((baseline, base), (candidate, cand)):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
    return statistics.median(base) / max(statistics.median(cand), 1e-9)


def interleaved_timings(runs: dict[str, Callable[[], Any]], repeats: int = 7) -> dict[str, Timing]:
    """Time each of `runs` `repeats` times, taking turns, after one warm-up each: the course's
    one timing helper (`prodev.kits.timing.interleaved`), under the name lesson 06 uses."""
    return interleaved(runs, runs=repeats)


def stayhub_sqlite(dataset: str | Path) -> Path:
    """A SQLite copy of a StayHub DuckDB file, made once beside it (`<name>.sqlite`)."""
    from prodev.stayhub.data import sqlite_copy

    return sqlite_copy(dataset)


def stayhub_parquet(dataset: str | Path) -> Path:
    """A Parquet copy of a StayHub DuckDB file (bookings hive-partitioned), made once beside it."""
    from prodev.stayhub.data import parquet_copy

    return parquet_copy(dataset)


def parquet_bookings(root: str | Path) -> str:
    """The read_parquet(...) expression for the hive-partitioned bookings under `root`."""
    glob = str(Path(root) / "bookings" / "**" / "*.parquet").replace("'", "''")
    return f"read_parquet('{glob}', hive_partitioning = true)"


def sqlite_memory_copy(path: str | Path) -> Callable[[sqlite3.Connection], None]:
    """A setup step for `prodev.kits.scratchdb.sqlite_scratch` that copies the file at `path` in."""

    def copy(con: sqlite3.Connection) -> None:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(con)
        finally:
            source.close()

    return copy


def index_names(con: sqlite3.Connection, tables: Iterable[str] | None = None) -> list[str]:
    """Names of the indexes a SQLite database declares (not those behind PRIMARY KEY/UNIQUE)."""
    rows = con.execute(
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall()
    wanted = {t.lower() for t in tables} if tables is not None else None
    return [name for name, table in rows if wanted is None or table.lower() in wanted]
