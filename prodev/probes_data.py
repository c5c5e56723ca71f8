"""Observed calls of a student's Django ORM code (module 09), through JSON only.

A check asks `orm_call(student, "fn", dataset, *args)`. In the student's process the request
op points Django at a fresh private copy of that StayHub dataset (so every call starts from the
same data and may write freely), runs optional snapshot queries, calls the function inside
Django's `CaptureQueriesContext`, runs the snapshot queries again, and answers with JSON: the
result (or the exception the function raised), how many queries it issued, their first lines,
and the snapshots. The check then judges results, query budgets and what a failure left behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodev import answers

# How many of the executed SQL statements come back (each cut to SQL_PREVIEW characters).
SQL_SHOWN = 20
SQL_PREVIEW = 160
# Transaction control is not a query that reads or writes data: it is not counted.
_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def _snapshot(queries: Sequence[str]) -> list[Any]:
    from django.db import connection

    out = []
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute(query)
            out.append(answers.to_json([list(r) for r in cursor.fetchall()]))
    return out


def _op_orm_call(namespace: Mapping[str, Any], request: Mapping[str, Any]) -> Any:
    """Student side: run one function against a fresh copy of a dataset and observe it."""
    from prodev import orm

    fn = namespace.get(request["name"])
    if fn is None:
        raise answers.AnswerError(
            "missing", f"`{request['name']}` is not defined: run the cell where you define it"
        )
    if not callable(fn):
        raise answers.AnswerError("not_callable", f"`{request['name']}` should be a function")
    orm.activate(orm.working_copy(request["dataset"]))
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    snapshot = list(request.get("snapshot", []))
    before = _snapshot(snapshot)
    reset_queries()
    value: Any = None
    error: str | None = None
    with CaptureQueriesContext(connection) as captured:
        try:
            value = answers.to_json(fn(*request.get("args", []), **request.get("kwargs", {})))
        except answers.AnswerError:
            raise
        except Exception as exc:  # the student's code raised: that is an observation here
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    if connection.in_atomic_block:
        raise answers.AnswerError(
            "open_transaction",
            "the function returned inside an open transaction: use `with transaction.atomic():`",
        )
    after = _snapshot(snapshot)
    statements = [q["sql"] for q in captured.captured_queries]
    data = [s for s in statements if not s.lstrip().upper().startswith(_CONTROL)]
    return {
        "value": value,
        "error": error,
        "queries": len(data),
        "statements": len(statements),
        "sql": [s[:SQL_PREVIEW] for s in data[:SQL_SHOWN]],
        "before": before,
        "after": after,
    }


answers.register_op("orm_call", _op_orm_call)


# ---------------------------------------------------------------------------------------------
# Grader side
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrmCall:
    """What one observed call did: its JSON result or error, its queries, the snapshots."""

    value: Any
    error: str | None
    queries: int  # statements that read or write data (BEGIN, COMMIT, SAVEPOINT... excluded)
    statements: int  # every statement, transaction control included
    sql: list[str]
    before: list[Any]
    after: list[Any]

    def result(self) -> Any:
        """The value, or fail with the student's exception written for them."""
        assert self.error is None, f"the function raised {self.error}"
        return self.value

    def within_budget(self, budget: int, what: str) -> None:
        """Fail unless the call issued at most `budget` queries."""
        shown = "; ".join(s.split(" FROM ")[0][:60] for s in self.sql[:3])
        assert self.queries <= budget, (
            f"{what} issued {self.queries} queries; the budget is {budget} (first: {shown}...): "
            "look for a query inside a loop"
        )


def orm_call(
    student: Any,
    name: str,
    dataset: str | Path,
    *args: Any,
    snapshot: Sequence[str] = (),
    **kwargs: Any,
) -> OrmCall:
    """Call the student's ORM function `name` on a fresh copy of `dataset` and observe it."""
    reply = student._ask(
        {
            "op": "orm_call",
            "name": name,
            "dataset": str(dataset),
            "args": list(args),
            "kwargs": kwargs,
            "snapshot": list(snapshot),
        }
    )
    if str(reply.get("error") or "").startswith("NotImplementedError"):
        from prodev.student import StudentError  # here: prodev.student imports this module

        raise StudentError(
            "unanswered", "not answered yet: replace `raise NotImplementedError()` with your code"
        )
    return OrmCall(**reply)
