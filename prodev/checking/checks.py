"""What check authors write with: the `@check` marker and result comparisons.

A check is a pytest test function in `checks/test_qN.py` (public, released with the lab) or in
`autograder/checks/<lab>/` (hidden). It is decorated with `@check("q2", points=1)`, takes the
`student` fixture (and dataset fixtures), and fails with a message written for the student.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest

from prodev.checking.student import QueryResult

MARKER = "prodev_check"


def check(question: str, points: float = 1):
    """Mark a test as a graded check of `question` worth `points`."""
    if points <= 0:
        raise ValueError(f"a check must be worth a positive number of points, got {points}")
    return getattr(pytest.mark, MARKER)(question=question, points=points)


def _canonical(value: Any, digits: int) -> Any:
    """A hashable, comparable form of a JSON value: floats rounded, lists as tuples."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        value = round(value, digits)
        return int(value) if value.is_integer() else value
    if isinstance(value, list):
        return tuple(_canonical(v, digits) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _canonical(v, digits)) for k, v in value.items()))
    return value


def fingerprint(rows: Sequence[Sequence[Any]], ordered: bool = False, digits: int = 2) -> str:
    """A short hash of a result set that public checks compare without revealing the answer."""
    canon = [_canonical(list(r), digits) for r in rows]
    if not ordered:
        canon.sort(key=repr)
    return hashlib.sha256(json.dumps(canon).encode()).hexdigest()[:16]


def rows_problem(
    actual: QueryResult,
    expected: Sequence[Sequence[Any]],
    *,
    columns: Sequence[str] | None = None,
    ordered: bool = False,
    digits: int = 2,
    counts: bool = True,
) -> str | None:
    """Say what is wrong with `actual` compared with `expected` rows, or None if they match.

    The message names counts and columns, never expected values. Numbers compare after rounding
    to `digits` decimals; order matters only if `ordered`. Hidden checks pass `counts=False`: how
    many rows the hidden data should give is itself an expected value.
    """
    if columns is not None:
        got = [c.lower() for c in actual.columns]
        want = [c.lower() for c in columns]
        if got != want:
            return f"expected the columns {list(columns)}, got {actual.columns}"
    elif expected and len(actual.columns) != len(expected[0]):
        return f"expected {len(expected[0])} columns, got {len(actual.columns)}"
    if len(actual.rows) != len(expected):
        if not counts:
            return "the number of rows differs from the expected result"
        return f"expected {len(expected)} rows, got {len(actual.rows)}"
    got_rows = [_canonical(list(r), digits) for r in actual.rows]
    want_rows = [_canonical(list(r), digits) for r in expected]
    if ordered:
        for i, (g, w) in enumerate(zip(got_rows, want_rows, strict=True)):
            if g != w:
                if Counter(got_rows) == Counter(want_rows):
                    return f"the right rows, in the wrong order (first difference at row {i + 1})"
                return f"row {i + 1} is not what was expected"
        return None
    missing = Counter(want_rows) - Counter(got_rows)
    if missing:
        if not counts:
            return "some rows differ from the expected result"
        n = sum(missing.values())
        return f"{n} of {len(expected)} rows differ from the expected result"
    return None


def assert_rows(actual: QueryResult, expected: Sequence[Sequence[Any]], hint: str = "", **kw):
    """Fail with `rows_problem`'s message (plus a hint) unless the rows match."""
    problem = rows_problem(actual, expected, **kw)
    assert problem is None, f"{problem}{': ' + hint if hint else ''}"
