"""prodev data [--seed N] [--size small|large] [--out PATH] [--format duckdb|sqlite|parquet]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from prodev.course.paths import PUBLIC_SEED


def add_parser(sub) -> None:
    p = sub.add_parser(
        "data",
        help="generate the StayHub dataset for a seed and print its path",
        description="Generate the StayHub dataset (DuckDB, deterministic for a seed) and print "
        "its path. Without --out the DuckDB file goes to data/stayhub_<size>_seed<N>.duckdb "
        "and is reused if it already exists.",
    )
    p.add_argument("--seed", type=int, default=PUBLIC_SEED, help=f"default {PUBLIC_SEED}")
    p.add_argument("--size", choices=["small", "large"], default="small", help="default small")
    p.add_argument("--out", type=Path, help="where to write (a file, or a folder for parquet)")
    p.add_argument(
        "--format",
        choices=["duckdb", "sqlite", "parquet"],
        default="duckdb",
        help="duckdb (default); sqlite for Django; parquet: hive-partitioned bookings",
    )
    p.add_argument("--force", action="store_true", help="rebuild even if the file exists")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from prodev.stayhub import data

    try:
        if args.format == "duckdb":
            if args.out is not None or args.force:
                path = data.build(args.seed, args.size, args.out)
            else:
                path = data.dataset_path(args.seed, args.size)
        else:
            source = (
                data.build(args.seed, args.size)
                if args.force
                else data.dataset_path(args.seed, args.size)
            )
            stem = source.with_suffix("")
            if args.format == "sqlite":
                path = data.export_sqlite(source, args.out or stem.with_suffix(".sqlite"))
            else:
                path = data.export_parquet(source, args.out or Path(f"{stem}_parquet"))
    except (ValueError, OSError) as error:
        print(f"prodev data: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0
