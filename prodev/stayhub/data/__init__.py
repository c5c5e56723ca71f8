"""StayHub datasets: generated deterministically from a seed with DuckDB, no download.

`dataset_path()` is what lab setup cells and the grader call: when the file exists it returns at
once, without importing DuckDB. Everything heavier is imported on first use.
"""

from __future__ import annotations

from pathlib import Path

from prodev.stayhub.data.files import build, dataset_path, default_path

__all__ = [
    "build",
    "dataset_path",
    "default_path",
    "export_parquet",
    "export_sqlite",
    "parquet_copy",
    "sqlite_copy",
]


def export_sqlite(duckdb_path: Path, sqlite_path: Path) -> Path:
    """Copy every StayHub table into a SQLite file (keys and checks declared); return its path."""
    from prodev.stayhub.data.export import export_sqlite as _export_sqlite

    return _export_sqlite(duckdb_path, sqlite_path)


def export_parquet(duckdb_path: Path, out_dir: Path) -> Path:
    """Write the tables as Parquet, bookings hive-partitioned by year/month; return `out_dir`."""
    from prodev.stayhub.data.export import export_parquet as _export_parquet

    return _export_parquet(duckdb_path, out_dir)


def sqlite_copy(dataset: str | Path) -> Path:
    """The SQLite copy of a StayHub DuckDB file (`<name>.sqlite` beside it), rebuilt when the
    dataset is newer; the one writer of that path (lesson 06, lab 06 and the practice API)."""
    from prodev.stayhub.data.derived import derived_file

    dataset = Path(dataset)
    return derived_file(
        dataset.with_suffix(".sqlite"), lambda t: export_sqlite(dataset, t), sources=[dataset]
    )


def parquet_copy(dataset: str | Path) -> Path:
    """The Parquet copy of a StayHub DuckDB file (`<name>_parquet/`, bookings hive-partitioned)."""
    from prodev.stayhub.data.derived import derived_file

    dataset = Path(dataset)
    target = dataset.with_name(dataset.stem + "_parquet")
    return derived_file(target, lambda t: export_parquet(dataset, t), sources=[dataset])
