"""The expected side of a hidden check: the reference answer, run by the grader on the data the
check hands the student (a hidden dataset file, or planted rows built from a `duckdb_script`).

A hidden check keeps its reference (a SQL string, or a function taking a connection) in its own
file, never in the student's notebook, and compares the student's JSON answer with what these
helpers return: values in the same JSON shape, so that the comparison is like for like.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from prodev.checking.student import QueryResult

Data = str | Path | Mapping[str, Any]  # a dataset file, or a duckdb_script(...) argument


def _connect(data: Data) -> Any:
    """A read-only connection to a dataset file, or an in-memory one built by a planted script."""
    import duckdb

    if isinstance(data, Mapping):
        connection = duckdb.connect(":memory:")
        for statement in duckdb.extract_statements(str(data["setup"])):
            connection.execute(statement.query)
        return connection
    return duckdb.connect(str(data), read_only=True)


def reference_rows(query: str, data: Data) -> QueryResult:
    """The rows of the reference `query` on `data`, as `student.sql` returns a student's."""
    if isinstance(data, Mapping):
        return _rows(query, None, 0, str(data["setup"]))
    path = Path(data)
    return _rows(query, str(path), path.stat().st_mtime_ns, None)


@functools.lru_cache(maxsize=256)
def _rows(query: str, path: str | None, _mtime_ns: int, setup: str | None) -> QueryResult:
    """Cached: every submission of a batch is compared with the same reference rows, so they are
    computed once per dataset file version (or planted script), not once per check and student."""
    from prodev.runtime.answers import run_sql, to_json

    connection = _connect({"setup": setup} if setup is not None else path)
    try:
        data = to_json(run_sql(query, connection))
    finally:
        connection.close()
    return QueryResult(data["columns"], data["rows"])


def reference_call(function: Callable[..., Any], data: Data, *args: Any, **kwargs: Any) -> Any:
    """`function(connection, *args, **kwargs)` on `data`, as JSON (what `student.call` returns
    for a student's function given `duckdb_connection(...)` or `duckdb_script(...)`)."""
    from prodev.runtime.answers import to_json

    connection = _connect(data)
    try:
        return to_json(function(connection, *args, **kwargs))
    finally:
        connection.close()
