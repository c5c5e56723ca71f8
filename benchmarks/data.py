"""Time the StayHub dataset builds (and optionally the exports) and report file sizes.

    .venv/bin/python benchmarks/data.py [--seed N] [--sizes small,large] [--exports] [--threads T]

Builds into a temporary folder that is deleted afterwards, so it never touches data/. Prints wall
time and CPU time (all DuckDB threads): on a busy machine the wall time grows, the CPU time hardly.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from prodev.stayhub import data
from prodev.stayhub.data.summary import row_counts

BUDGET_S = {"small": 3.0, "large": 60.0}  # what the course promises on a 2-core machine


def folder_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def mib(n: int) -> str:
    return f"{n / 2**20:8.1f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--exports", action="store_true", help="also time SQLite and Parquet")
    parser.add_argument("--threads", type=int, help="cap DuckDB's threads (default: all cores)")
    args = parser.parse_args()
    over_budget = []
    print(f"cores: {os.cpu_count()}  load average: {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="stayhub-bench-") as tmp:
        for size in args.sizes.split(","):
            start, cpu_start = time.perf_counter(), time.process_time()
            path = data.build(args.seed, size, Path(tmp) / f"{size}.duckdb", threads=args.threads)
            seconds = time.perf_counter() - start
            cpu = time.process_time() - cpu_start
            counts = row_counts(path)
            verdict = "ok" if seconds <= BUDGET_S[size] else f"OVER {BUDGET_S[size]:.0f} s budget"
            if seconds > BUDGET_S[size]:
                over_budget.append(size)
            print(
                f"{size:6} build  {seconds:7.2f} s  (cpu {cpu:6.2f} s)  {mib(folder_bytes(path))}  "
                f"bookings={counts['bookings']:,}  rows={sum(counts.values()):,}  {verdict}",
                flush=True,
            )
            if args.exports:
                start = time.perf_counter()
                lite = data.export_sqlite(path, Path(tmp) / f"{size}.sqlite")
                print(
                    f"{size:6} sqlite {time.perf_counter() - start:7.2f} s  "
                    f"{mib(folder_bytes(lite))}",
                    flush=True,
                )
                start = time.perf_counter()
                parquet = data.export_parquet(path, Path(tmp) / f"{size}_parquet")
                print(
                    f"{size:6} parquet{time.perf_counter() - start:7.2f} s  "
                    f"{mib(folder_bytes(parquet))}",
                    flush=True,
                )
    return 1 if over_budget else 0


if __name__ == "__main__":
    raise SystemExit(main())
