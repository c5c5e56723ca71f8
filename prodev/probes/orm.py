"""Observed calls of a student's Django ORM code (module 09), through JSON only.

A check asks `orm_call(student, "fn", dataset, *args)`. The check makes a PostgreSQL role and a
database for the call (`prodev.probes.orm_database`): a fresh copy of that StayHub dataset, so
every call starts from the same data and may write freely, or, for `writes=False`, the shared
copy that may only be read. In the student's process the request op (`orm_call` in
prodev.probes.ops) points Django at that database, calls the function and answers with its JSON
result or the exception it raised. Everything else is observed by the server and the check: the
statements the role ran (`pg_stat_statements`) and snapshots taken before and after by the
admin user. A self-check does the same on the student's own server, so what a student sees is
what grading sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodev.runtime.answers import UNANSWERED

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class OrmCall:
    """What one observed call did: its JSON result or error, its queries, the snapshots."""

    value: Any
    error: str | None
    queries: int  # statements that read or write data (BEGIN, COMMIT, SAVEPOINT... excluded)
    sql: list[str]
    before: list[Any]
    after: list[Any]
    # The Python types of the value (a tuple, a Decimal), which JSON does not keep.
    types: Any = None

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
    writes: bool = True,
    prepare: Sequence[str] = (),
    **kwargs: Any,
) -> OrmCall:
    """Call the student's ORM function `name` on a copy of `dataset` and observe it from the
    server. `writes=False`: the function only reads, so it runs on the shared read-only copy
    (cheaper; a write fails with "permission denied"). `prepare`: SQL the admin runs on the
    call's own copy first, to plant rows the dataset lacks (the snapshots see them)."""
    from prodev.probes import orm_database

    refuse_blank(student, name)
    database = orm_database.create(dataset, writable=writes or bool(prepare))
    try:
        database.change(list(prepare))
        request = orm_request(student, "orm_call", name, database, args, kwargs)
        before = database.snapshot(list(snapshot))
        reply = ask(student, request)
        after = database.snapshot(list(snapshot))
        statements = database.statements()
    finally:
        database.drop()
    # Only the value and the error come from the notebook; the rest the server observed.
    return OrmCall(
        value=reply.get("value"),
        error=reply.get("error"),
        queries=sum(n for _, n in statements),
        sql=[q[:160] for q, _ in statements[:20]],
        before=before,
        after=after,
        types=reply.get("types"),
    )


def orm_request(student: Any, op: str, name: str, database: Any, args: Any, kwargs: Any) -> dict:
    """The request for `op`, with the connection settings at which the notebook reaches the
    call's database (forwarded into the sandbox when grading)."""
    return {
        "op": op,
        "name": name,
        "args": list(args),
        "kwargs": dict(kwargs),
        "database": database.connection_settings(*_address(student, database)),
    }


def _address(student: Any, database: Any) -> tuple[str, int]:
    if student.in_process:
        return database.host, database.port
    if database.host not in LOOPBACK:
        # The sandbox reaches grader-side services through 127.0.0.1 only.
        raise AssertionError(
            f"the grader's PostgreSQL is at {database.host}, but grading needs it on 127.0.0.1 "
            "(run a proxy to the managed server beside the grader: see docs/deployment.md)"
        )
    from urllib.parse import urlsplit

    where = urlsplit(student.expose(database.port))
    return str(where.hostname), int(where.port or database.port)


def refuse_blank(student: Any, name: str) -> None:
    """Fail as not answered, before a database is made for the call, if `name` is still the
    release's blank function (most of a blank notebook's calls: a clone each saved)."""
    if student.is_stub(name):
        from prodev.checking.student import StudentError  # imports this module

        raise StudentError("unanswered", UNANSWERED)


def ask(student: Any, request: dict) -> dict:
    """The notebook's reply, with a blank answer reported as such."""
    reply = student.ask(request)
    if str(reply.get("error") or "").startswith("NotImplementedError"):
        from prodev.checking.student import StudentError  # imports this module

        raise StudentError("unanswered", UNANSWERED)
    return reply
