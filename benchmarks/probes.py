"""What a probe call costs now that every call crosses from the sandbox to the grader.

    .venv/bin/python benchmarks/probes.py [--calls 2000] [--sandbox bwrap|none]
    .venv/bin/python benchmarks/probes.py --grade 10 [--tree /path/to/another/checkout]

Starts one grading slot (a warm worker in bubblewrap, as `prodev grade` does), runs a notebook
that defines a few functions using probes, and times, median of 5 runs each:
- calls per second of the cheapest probe call (a clock reading), through the sandbox and in
  this process (the self-check path), and the round trip per call;
- pulling items from a source one at a time and 500 at a time;
- lab 01's `booking_stats` over 50,000 rows with memory measured from outside.
Counts of the work done are printed beside each time.

With `--grade N`, grades N copies of lab 01's reference notebook with `prodev grade --jobs 2
--sandbox bwrap` in a scratch course and prints the time per submission; `--tree` runs the same
with another checkout's code and virtualenv (say, one from before probes crossed the boundary),
so the two figures come from one machine, one after the other.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.config import Limits  # noqa: E402
from autograder.isolation.sandbox import (  # noqa: E402
    SERVICES_DIR_INSIDE,
    LocalProcess,
    SandboxPlan,
    bwrap_command,
    unsandboxed_command,
)
from autograder.isolation.session import RemoteStudent, WorkerSlot  # noqa: E402
from prodev import probes  # noqa: E402
from prodev.checking.student import InProcessStudent, Student  # noqa: E402

CELLS = [
    """
def read_clock(clock, n):
    return sum(clock() for _ in range(n))

def count_items(items):
    return sum(1 for _ in items)

def booking_stats(rows):
    stats = {}
    for status, nights, total_price in rows:
        entry = stats.setdefault(status, {"bookings": 0, "nights": 0, "revenue": 0.0})
        entry["bookings"] += 1
        entry["nights"] += nights
        entry["revenue"] += float(total_price)
    return stats

def stored_stats(rows):
    return booking_stats(list(rows))
"""
]
LIMITS = Limits(timeout=60, request_timeout=120)


def median_seconds(work: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(student: Student, label: str, calls: int) -> None:
    clock = median_seconds(lambda: probes.probe_call(student, "read_clock", probes.clock(), calls))
    print(f"{label}: {calls:,} clock readings in {clock * 1000:.0f} ms: "
          f"{calls / clock:,.0f} calls/s, {clock / calls * 1e6:.0f} µs per call")  # fmt: skip
    for chunk in (1, 500):
        n = calls if chunk == 1 else 50_000
        spec = probes.source(bookings=n, seed=1, chunk=chunk)
        took = median_seconds(lambda spec=spec: probes.probe_call(student, "count_items", spec))
        print(f"{label}: {n:,} items pulled {chunk} per call ({-(-n // chunk):,} calls) in "
              f"{took * 1000:.0f} ms: {n / took:,.0f} items/s")  # fmt: skip
    spec = probes.source(bookings=50_000, seed=7, chunk=500)
    got = probes.probe_call(student, "booking_stats", spec, measure_memory=True)
    took = median_seconds(
        lambda: probes.probe_call(student, "booking_stats", spec, measure_memory=True)
    )
    stored = probes.probe_call(student, "stored_stats", spec, measure_memory=True)
    print(f"{label}: booking_stats over 50,000 rows (100 calls, memory measured) in "
          f"{took * 1000:.0f} ms; memory grew {got['memory_growth'] / 1e6:.2f} MB, and "
          f"{stored['memory_growth'] / 1e6:.2f} MB when the rows are stored")  # fmt: skip


def grade_lab01(tree: Path, copies: int) -> None:
    """Seconds per submission of `prodev grade` on `copies` lab 01 reference notebooks."""
    lab = "lab01_generators"
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        shutil.copytree(tree / "solutions" / lab, root / "solutions" / lab)
        shutil.copytree(tree / "autograder" / "checks" / lab, root / "autograder" / "checks" / lab)
        for i in range(copies):
            folder = root / "submitted" / f"student{i:02d}" / lab
            shutil.copytree(tree / "labs" / lab, folder)
            shutil.copy(tree / "solutions" / lab / f"{lab}.ipynb", folder / f"{lab}.ipynb")
        started = time.perf_counter()
        done = subprocess.run(
            [
                str(tree / ".venv" / "bin" / "python"),
                "-m",
                "prodev",
                "grade",
                lab,
                "--root",
                str(root),
                "--jobs",
                "2",
                "--sandbox",
                "bwrap",
            ],  # fmt: skip
            cwd=tree,
            env={**os.environ, "PRODEV_DATA_DIR": str(ROOT / "data")},  # datasets made once
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
        scores = [
            json.loads(p.read_text())["score"] for p in (root / "results" / lab).glob("*.json")
        ]
    if done.returncode != 0:
        print(done.stderr[-2000:])
    print(f"{tree}: lab 01, {copies} reference submissions graded in {wall:.1f} s "
          f"({wall / copies:.2f} s each, --jobs 2); scores {sorted(set(scores))}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--sandbox", choices=("bwrap", "none"), default="bwrap")
    parser.add_argument("--grade", type=int, default=0, metavar="N")
    parser.add_argument("--tree", type=Path, action="append")
    args = parser.parse_args()
    if args.grade:
        for tree in args.tree or [ROOT]:
            grade_lab01(tree.resolve(), args.grade)
        return 0
    services = Path(tempfile.mkdtemp())
    os.chmod(services, 0o755)
    data = Path(tempfile.mkdtemp())
    plan = SandboxPlan.for_this_python([data])
    if args.sandbox == "bwrap":
        argv = bwrap_command(plan, 0, LIMITS, services)
        slot = WorkerSlot(lambda: LocalProcess(argv, LIMITS), LIMITS, services, SERVICES_DIR_INSIDE)
    else:
        scratch = Path(tempfile.mkdtemp())
        argv = unsandboxed_command(plan, scratch)
        env = dict(plan.environment, HOME=str(scratch), TMPDIR=str(scratch))
        slot = WorkerSlot(lambda: LocalProcess(argv, LIMITS, env), LIMITS, services, services, True)
    try:
        slot.run(CELLS)
        measure(RemoteStudent(slot), f"through the sandbox ({args.sandbox})", args.calls)
    finally:
        slot.stop()
    namespace: dict = {}
    exec(CELLS[0], namespace)  # noqa: S102 (the benchmark's own functions)
    measure(InProcessStudent(namespace), "in process (self-check)", args.calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
