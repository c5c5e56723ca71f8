"""Observed calls of a student's Django ORM code (module 09), through JSON only.

A check asks `orm_call(student, "fn", dataset, *args)`. In the student's process the request
op (`orm_call` in prodev.probes.ops) points Django at a fresh private copy of that StayHub
dataset (so every call starts from the same data and may write freely), runs optional snapshot
queries, calls the function inside Django's `CaptureQueriesContext`, runs the snapshot queries
again, and answers with JSON: the result (or the exception the function raised), how many
queries it issued, their first lines, and the snapshots. The check then judges results, query
budgets and what a failure left behind.

That is the self-check. When grading, the notebook's count could be forged, so the call runs on
a PostgreSQL database and role of its own instead (`prodev.probes.orm_database`): the server
counts the role's statements and the grader takes the snapshots; only the result or the error
comes from the notebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    """Call the student's ORM function `name` on a fresh copy of `dataset` and observe it.

    When grading, the copy is a PostgreSQL database of the call's own and the server counts the
    queries (`prodev.probes.orm_database`); a student's self-check uses a SQLite copy in their
    own process, counted there.
    """
    if student.in_process:
        return _local_call(student, name, dataset, args, snapshot, kwargs)
    return _server_counted_call(student, name, dataset, args, snapshot, kwargs)


def _request(name: str, dataset: str | Path, args: Any, kwargs: Any, snapshot: Any) -> dict:
    return {
        "op": "orm_call",
        "name": name,
        "dataset": str(dataset),
        "args": list(args),
        "kwargs": kwargs,
        "snapshot": list(snapshot),
    }


def _ask(student: Any, request: dict) -> dict:
    reply = student.ask(request)
    if str(reply.get("error") or "").startswith("NotImplementedError"):
        from prodev.checking.student import (
            StudentError,  # here: prodev.checking.student imports this module
        )

        raise StudentError(
            "unanswered", "not answered yet: replace `raise NotImplementedError()` with your code"
        )
    return reply


def _local_call(student, name, dataset, args, snapshot, kwargs) -> OrmCall:
    return OrmCall(**_ask(student, _request(name, dataset, args, kwargs, snapshot)))


def _server_counted_call(student, name, dataset, args, snapshot, kwargs) -> OrmCall:
    from urllib.parse import urlsplit

    from prodev.probes import orm_database

    database = orm_database.create(dataset)
    try:
        where = urlsplit(student.expose(database.port))
        request = _request(name, dataset, args, kwargs, ())
        request["database"] = database.connection_settings(where.hostname, where.port)
        before = database.snapshot(list(snapshot))
        reply = _ask(student, request)
        after = database.snapshot(list(snapshot))
        statements = database.statements()
    finally:
        database.drop()
    # Only the value and the error come from the notebook; the rest the server observed.
    return OrmCall(
        value=reply.get("value"),
        error=reply.get("error"),
        queries=sum(n for _, n in statements),
        statements=sum(n for _, n in statements),
        sql=[q[:160] for q, _ in statements[:20]],
        before=before,
        after=after,
    )
