"""Copies of a StayHub DuckDB database in other formats: SQLite (for Django) and Parquet (for the
partitioning lesson). Both are written beside their final place and moved in at the end."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import duckdb

from prodev.stayhub.data.schema import DDL, PRIMARY_KEYS, TABLES

_BATCH_ROWS = 50_000

# DuckDB spellings that SQLite reads differently.
_SQLITE_REWRITES = [
    ("TIMESTAMP", "DATETIME"),
    (
        "CHECK (end_date = start_date + nights)",
        "CHECK (end_date = date(start_date, '+' || nights || ' days'))",
    ),
]


def sqlite_ddl(table: str) -> str:
    """The CREATE TABLE statement for `table` in SQLite, with the same keys and checks."""
    ddl = DDL[table]
    for old, new in _SQLITE_REWRITES:
        ddl = ddl.replace(old, new)
    return ddl


def _open_read_only(duckdb_path: Path) -> duckdb.DuckDBPyConnection:
    path = Path(duckdb_path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no StayHub database at {path}: create one with `prodev data` first"
        )
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET enable_progress_bar = false")
    return con


def _sqlite_select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """SELECT that turns DuckDB values into what SQLite stores: ISO text for dates and times,
    exact decimal text for money, 0/1 for booleans."""
    columns = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
        "ORDER BY column_index",
        [table],
    ).fetchall()
    parts = []
    for name, data_type in columns:
        if data_type == "TIMESTAMP":
            parts.append(f"strftime({name}, '%Y-%m-%d %H:%M:%S') AS {name}")
        elif data_type == "DATE" or data_type.startswith("DECIMAL"):
            parts.append(f"CAST({name} AS VARCHAR) AS {name}")
        elif data_type == "BOOLEAN":
            parts.append(f"CAST({name} AS INTEGER) AS {name}")
        else:
            parts.append(name)
    return f"SELECT {', '.join(parts)} FROM {table} ORDER BY {PRIMARY_KEYS[table]}"


def export_sqlite(duckdb_path: Path, sqlite_path: Path) -> Path:
    """Copy every table of `duckdb_path` into a new SQLite file at `sqlite_path` (replacing it),
    with primary keys, foreign keys, UNIQUE and CHECK constraints declared; return its path."""
    target = Path(sqlite_path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.parent / f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    source = _open_read_only(Path(duckdb_path))
    try:
        lite = sqlite3.connect(temp)
        try:
            lite.execute("PRAGMA journal_mode = OFF")
            lite.execute("PRAGMA synchronous = OFF")
            for table in TABLES:
                lite.execute(sqlite_ddl(table))
                result = source.execute(_sqlite_select(source, table))
                marks = ", ".join("?" for _ in result.description)
                insert = f"INSERT INTO {table} VALUES ({marks})"
                while rows := result.fetchmany(_BATCH_ROWS):
                    lite.executemany(insert, rows)
            lite.commit()
            problems = lite.execute("PRAGMA foreign_key_check").fetchmany(5)
            if problems:
                raise RuntimeError(f"foreign keys broken in the SQLite copy: {problems}")
        finally:
            lite.close()
        os.replace(temp, target)
    finally:
        source.close()
        temp.unlink(missing_ok=True)
    return target


def parquet_layout() -> list[str]:
    """The entries an export folder holds: bookings/ (partitioned) and one file per other table."""
    return ["bookings" if table == "bookings" else f"{table}.parquet" for table in TABLES]


def export_parquet(duckdb_path: Path, out_dir: Path) -> Path:
    """Write every table of `duckdb_path` as Parquet in `out_dir`: bookings hive-partitioned as
    bookings/year=YYYY/month=M/*.parquet (by start_date), the others as <table>.parquet.
    Replaces an earlier export in `out_dir`, but never a folder holding anything else."""
    target = Path(out_dir).resolve()
    if target.exists():
        foreign = sorted({p.name for p in target.iterdir()} - set(parquet_layout()))
        if not target.is_dir() or foreign:
            raise FileExistsError(
                f"{target} exists and is not a StayHub Parquet export (it holds "
                f"{', '.join(foreign[:3]) or 'a file'}): choose another --out folder"
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.parent / f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    old = target.parent / f".{target.name}.{os.getpid()}.old"
    source = _open_read_only(Path(duckdb_path))
    try:
        temp.mkdir()
        for table in TABLES:
            key = PRIMARY_KEYS[table]
            if table == "bookings":
                source.execute(
                    f"COPY (SELECT *, year(start_date) AS year, month(start_date) AS month "
                    f"FROM bookings ORDER BY {key}) TO '{temp / 'bookings'}' "
                    f"(FORMAT parquet, PARTITION_BY (year, month))"
                )
            else:
                source.execute(
                    f"COPY (SELECT * FROM {table} ORDER BY {key}) "
                    f"TO '{temp / f'{table}.parquet'}' (FORMAT parquet)"
                )
        if target.exists():
            os.replace(target, old)
        os.replace(temp, target)
    finally:
        source.close()
        shutil.rmtree(temp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return target
