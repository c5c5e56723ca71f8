"""Fixtures for the hidden checks of lab 04: the reference answers, run on any dataset."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from prodev.checking.student import QueryResult
from prodev.runtime.answers import run_sql, to_json


def run_reference(query: str, database: str | Path) -> QueryResult:
    """Run a reference query read-only and return it in the same JSON shape as a student's."""
    path = Path(database)
    return _cached_reference(query, str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _cached_reference(query: str, database: str, _mtime_ns: int) -> QueryResult:
    """The reference rows are the same for every submission of a batch: compute them once
    (per dataset file version) rather than once per check and per student."""
    connection = duckdb.connect(database, read_only=True)
    try:
        data = to_json(run_sql(query, connection))
    finally:
        connection.close()
    return QueryResult(data["columns"], data["rows"])


@pytest.fixture
def reference() -> Callable[[str, str | Path], QueryResult]:
    """`reference(SQL, dataset)`: the reference rows to compare the student's with."""
    return run_reference
