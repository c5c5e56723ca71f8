"""Fingerprints and headline numbers of a StayHub database, to compare builds and check shape."""

from __future__ import annotations

from pathlib import Path

import duckdb

from prodev.stayhub.data.schema import PRIMARY_KEYS, TABLES


def table_checksums(path: Path) -> dict[str, str]:
    """An md5 of every table's full contents (rows in primary-key order), by table name:
    two databases with equal checksums hold the same rows."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            table: con.execute(
                f"SELECT md5(coalesce(string_agg(CAST(t AS VARCHAR), chr(10) "
                f"ORDER BY {PRIMARY_KEYS[table]}), '')) FROM {table} t"
            ).fetchall()[0][0]
            for table in TABLES
        }
    finally:
        con.close()


def row_counts(path: Path) -> dict[str, int]:
    """Number of rows in each StayHub table, by table name."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            table: con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] for table in TABLES
        }
    finally:
        con.close()
