"""Answer requests served from a namespace of student code.

This module runs on the *student's* side: inside the sandboxed worker during grading, and in the
student's own process for self-checks. The grader sends a request (a JSON object) and gets a JSON
object back; nothing but JSON ever crosses, so a student's object can never fake equality or
types. Both sides use this one implementation, so self-check and grading behave identically.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import traceback
import uuid
from collections.abc import Callable, Mapping
from typing import Any

# Largest JSON answer the grader accepts; bigger answers are refused with a clear message.
MAX_ANSWER_BYTES = 1_000_000
# How deep nested containers may go before conversion gives up (defends against cycles).
MAX_DEPTH = 50

# Arguments the grader passes as `{"__prodev__": KIND, ...}` are turned into live objects here,
# e.g. a read-only DuckDB connection to a dataset the grader mounted.
ArgumentDecoder = Callable[[Mapping[str, Any]], Any]
_DECODERS: dict[str, ArgumentDecoder] = {}
# Further request kinds (e.g. prodev.probes' observed calls): op name -> fn(namespace, request).
RequestOp = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]
_OPS: dict[str, RequestOp] = {}


class AnswerError(Exception):
    """An answer could not be produced; `kind` says why in one word, the message says what to do."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def register_decoder(kind: str, decoder: ArgumentDecoder) -> None:
    """Teach the worker to build a live argument of this kind from its JSON description."""
    _DECODERS[kind] = decoder


def register_op(name: str, op: RequestOp) -> None:
    """Teach the worker a further kind of request; `op` returns the JSON answer or raises."""
    _OPS[name] = op


def _open_duckdb(spec: Mapping[str, Any]) -> Any:
    import duckdb

    return duckdb.connect(str(spec["path"]), read_only=True)


def _open_sqlite(spec: Mapping[str, Any]) -> Any:
    import sqlite3

    return sqlite3.connect(f"file:{spec['path']}?mode=ro", uri=True)


register_decoder("duckdb", _open_duckdb)
register_decoder("sqlite", _open_sqlite)


def to_json(value: Any, depth: int = 0) -> Any:
    """Convert a student's value to plain JSON types, or raise AnswerError.

    Exact built-in types only: a subclass of int or str (which could override ``__eq__``) is
    converted through its base type, and anything unknown is refused rather than repr'd.
    """
    if depth > MAX_DEPTH:
        raise AnswerError("too_deep", "the answer is nested too deeply (or contains itself)")
    if value is None or type(value) is bool:
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [to_json(v, depth + 1) for v in value]
    if isinstance(value, set | frozenset):
        items = [to_json(v, depth + 1) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, Mapping):
        return {str(to_json(k, depth + 1)): to_json(v, depth + 1) for k, v in value.items()}
    if hasattr(value, "item") and callable(value.item) and type(value).__module__ == "numpy":
        return to_json(value.item(), depth + 1)  # numpy scalars
    if type(value).__name__ == "DataFrame" and hasattr(value, "to_dict"):
        return {
            "columns": [str(c) for c in value.columns],
            "rows": to_json(value.itertuples(index=False, name=None), depth + 1),
        }
    if isinstance(value, Rows):
        return {"columns": value.columns, "rows": to_json(value.rows, depth + 1)}
    raise AnswerError(
        "not_json",
        f"the answer is a {type(value).__name__}, which cannot be checked: "
        "return numbers, strings, lists, tuples or dicts",
    )


class Rows:
    """Columns and rows of a query result, before conversion to JSON."""

    def __init__(self, columns: list[str], rows: list[tuple]):
        self.columns = columns
        self.rows = rows


def run_sql(query: str, connection: Any, max_rows: int = 100_000) -> Rows:
    """Run one SQL statement on a DB-API connection and return its columns and rows."""
    cursor = connection.execute(query)
    if cursor.description is None:
        raise AnswerError("no_rows", "the query returned no result set: write a SELECT statement")
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchmany(max_rows + 1)
    if len(rows) > max_rows:
        raise AnswerError("too_many_rows", f"the query returned more than {max_rows} rows")
    return Rows(columns, [tuple(r) for r in rows])


def _lookup(namespace: Mapping[str, Any], name: str) -> Any:
    if name not in namespace:
        raise AnswerError(
            "missing",
            f"`{name}` is not defined: run the cell where you define it, and keep its name",
        )
    return namespace[name]


def _decode(arg: Any) -> Any:
    if isinstance(arg, dict) and "__prodev__" in arg:
        return _DECODERS[arg["__prodev__"]](arg)
    if isinstance(arg, list):
        return [_decode(a) for a in arg]
    return arg


def _close_all(args: list[Any]) -> None:
    for a in args:
        close = getattr(a, "close", None)
        if callable(close) and type(a).__module__.split(".")[0] in ("duckdb", "sqlite3"):
            close()


def _settle(result: Any) -> Any:
    """The value of a student's result: a coroutine (from an `async def`) is run to completion in
    a fresh event loop; anything else passes through."""
    import inspect

    if not inspect.iscoroutine(result):
        return result
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(result)
    # A loop already runs in this thread (a Jupyter kernel, during a self-check): use another.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="prodev-answer") as pool:
        return pool.submit(asyncio.run, result).result()


def _handle(namespace: Mapping[str, Any], request: Mapping[str, Any]) -> Any:
    op = request.get("op")
    if op == "value":
        return to_json(_lookup(namespace, request["name"]))
    if op == "has":
        return request["name"] in namespace
    if op == "call":
        fn = _lookup(namespace, request["name"])
        if not callable(fn):
            raise AnswerError("not_callable", f"`{request['name']}` should be a function")
        args = [_decode(a) for a in request.get("args", [])]
        kwargs = {k: _decode(v) for k, v in request.get("kwargs", {}).items()}
        try:
            return to_json(_settle(fn(*args, **kwargs)))
        finally:
            _close_all(args + list(kwargs.values()))
    if op == "sql":
        query = _lookup(namespace, request["name"])
        if not isinstance(query, str) or not query.strip() or "NotImplementedError" in query:
            if isinstance(query, str):
                raise AnswerError(
                    "unanswered", f"`{request['name']}` holds no query yet: write your SELECT there"
                )
            raise AnswerError(
                "not_sql",
                f"`{request['name']}` should be a string holding a SQL query, "
                f"not a {type(query).__name__}",
            )
        connection = _decode(request["database"])
        try:
            return to_json(run_sql(query, connection))
        finally:
            connection.close()
    if op in _OPS:
        return _OPS[op](namespace, request)
    raise AnswerError("bad_request", f"unknown request {op!r}")


def _describe_exception(exc: BaseException) -> str:
    """One line naming the student's exception and where in their code it was raised."""
    if type(exc) is NotImplementedError:
        return "not answered yet: replace `raise NotImplementedError()` with your code"
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if f.filename.startswith("<")]  # notebook cells, not library code
    where = f" (line {own[-1].lineno} of your code)" if own else ""
    text = str(exc).splitlines()[0][:300] if str(exc) else ""
    return f"{type(exc).__name__}: {text}{where}" if text else f"{type(exc).__name__}{where}"


def serve(namespace: Mapping[str, Any], request: Mapping[str, Any]) -> str:
    """Answer one request; always returns a JSON text, never raises for student errors."""
    try:
        payload = {"ok": True, "value": _handle(namespace, request)}
    except AnswerError as exc:
        payload = {"ok": False, "kind": exc.kind, "message": str(exc)}
    except Exception as exc:  # the student's code raised: report it, keep serving
        payload = {"ok": False, "kind": "exception", "message": _describe_exception(exc)}
    try:
        text = json.dumps(payload, allow_nan=True)
    except (TypeError, ValueError) as exc:
        text = json.dumps({"ok": False, "kind": "not_json", "message": str(exc)})
    if len(text) > MAX_ANSWER_BYTES:
        text = json.dumps(
            {
                "ok": False,
                "kind": "too_large",
                "message": f"the answer is {len(text):,} bytes of JSON; the limit is "
                f"{MAX_ANSWER_BYTES:,}",
            }
        )
    return text


# Probe decoders and ops register themselves on import, so every worker and self-check has them.
from prodev import probes, probes_data, probes_testing  # noqa: E402, F401
