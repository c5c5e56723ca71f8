"""What a student's answer may be when it crosses to the grader: plain JSON, or a clear error.

This module runs on the *student's* side (inside the sandboxed worker during grading, and in the
student's own process for self-checks) and imports nothing of the course: probes and the request
dispatcher (`prodev.runtime.serve`) build on it. Nothing but JSON ever crosses, so a student's
object can never fake equality or types.
"""

from __future__ import annotations

import datetime as dt
import decimal
import dis
import json
import math
import uuid
from collections.abc import Mapping
from typing import Any

from prodev.errors import UserError

# Largest JSON answer the grader accepts; bigger answers are refused with a clear message.
MAX_ANSWER_BYTES = 1_000_000
# How deep nested containers may go before conversion gives up (defends against cycles).
MAX_DEPTH = 50


class AnswerError(UserError):
    """An answer could not be produced; `kind` says why in one word, the message says what to do."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


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
        return _finite(float(value))
    if isinstance(value, str):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return _finite(float(value))
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


def _finite(number: float) -> float:
    """`number` if it is an ordinary number: NaN compares unequal to everything (so it slips
    through tolerance checks written as `not abs(a - b) > tol`) and JSON has no Infinity."""
    if math.isfinite(number):
        return number
    raise AnswerError(
        "not_finite",
        f"the answer contains {number!r}, which is not a number a check can compare: "
        "return a real value (or None where there is no value)",
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


def lookup(namespace: Mapping[str, Any], name: str) -> Any:
    if name not in namespace:
        raise AnswerError(
            "missing",
            f"`{name}` is not defined: run the cell where you define it, and keep its name",
        )
    return namespace[name]


# What a check says of an answer that is still the release's blank.
UNANSWERED = "not answered yet: replace `raise NotImplementedError()` with your code"

# What a function compiles to when its whole body is `raise NotImplementedError()` (with or
# without the call's parentheses, a docstring, `async`, or a `yield` after the raise).
# Nothing in it can return, store, branch or catch.
_STUB_OPS = {"RESUME", "NOP", "PUSH_NULL", "LOAD_GLOBAL", "PRECALL", "CALL", "RAISE_VARARGS",
             "RETURN_GENERATOR", "POP_TOP"}  # fmt: skip


def is_stub(value: Any) -> bool:
    """True for a function that does nothing but raise NotImplementedError: a release's blank
    answer. Anything else, a wrapped or decorated function included, is not a stub."""
    code = getattr(value, "__code__", None)
    if code is None or code.co_names != ("NotImplementedError",):
        return False
    ops = {i.opname for i in dis.get_instructions(code)}
    return "RAISE_VARARGS" in ops and ops <= _STUB_OPS
