"""A real race on a student's ORM function (module 09), observed by the server.

`orm_race(student, "book_stay", dataset, calls, gate="bookings")` makes a database and role
for the race, as `orm_call` does, and then, as the admin user, holds an ACCESS EXCLUSIVE lock on
the `gate` table, a table every call must read or write. The notebook's request op (`orm_race`
in prodev.probes.ops) runs one thread per call, each with its own connection, released together
by a barrier. Whatever a call does first, it ends up waiting on the server: on the gate, or on a
lock another call took. When every call's session waits (or after `patience` seconds), the check
records what each one waits for and lifts the gate: the calls then run truly at once, as
concurrent requests do in production, and only locks the student's code took put them in order.

The evidence is the server's: how many of the role's sessions waited, and on what kind of lock
(`relation` is the gate; `transactionid` or `tuple` is a row another call locked first), the
rows written (snapshots by the admin user), and the statements run. From the notebook come only
the calls' results or errors. A notebook that runs the calls one after another, or behind a
lock of its own, shows up as sessions that never waited together.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

# How often the check looks at the waiting sessions, in seconds.
POLL = 0.01


@dataclass(frozen=True)
class RaceReport:
    """What a race did: each call's result or error, what the server saw, the snapshots."""

    outcomes: list[dict[str, Any]]  # per call: {"value": ...} or {"error": "ValueError: ..."}
    waiting: int  # the role's sessions waiting on a lock when the gate was lifted
    waits: dict[str, int]  # what they waited on (pg_stat_activity.wait_event) and how many
    queries: int  # statements the role ran (transaction control left out)
    before: list[Any]
    after: list[Any]

    @property
    def succeeded(self) -> list[Any]:
        return [o["value"] for o in self.outcomes if "error" not in o]

    def errors(self, kind: str) -> int:
        """How many calls raised `kind` (an exception class name)."""
        return sum(1 for o in self.outcomes if str(o.get("error", "")).startswith(kind + ":"))

    @property
    def row_locks(self) -> int:
        """Sessions that waited for a row (or advisory) lock another call held."""
        return sum(n for event, n in self.waits.items() if event != "relation")


class Gate:
    """Holds an ACCESS EXCLUSIVE lock on `table` of the call's database until `sessions` of the
    call's role wait on locks (or `patience` runs out), then lifts it and records what they
    waited on."""

    def __init__(self, database: Any, table: str, sessions: int, patience: float) -> None:
        self.database = database
        self.table = table
        self.sessions = sessions
        self.patience = patience
        self.waits: Counter[str] = Counter()
        self._done = threading.Event()
        self._lifted = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self._watcher: threading.Thread | None = None

    def __enter__(self) -> Gate:
        self._conn = psycopg.connect(self.database.url())
        self._conn.execute(
            sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(self.table))
        )
        self._watcher = threading.Thread(target=self._watch, name="prodev-race-gate", daemon=True)
        self._watcher.start()
        return self

    def _watch(self) -> None:
        deadline = time.monotonic() + self.patience
        try:
            with psycopg.connect(self.database.admin_url, autocommit=True) as watch:
                while not self._done.is_set():
                    rows = watch.execute(
                        "SELECT wait_event FROM pg_stat_activity "
                        "WHERE usename = %s AND datname = %s AND wait_event_type = 'Lock'",
                        [self.database.role, self.database.name],
                    ).fetchall()
                    if len(rows) >= self.sessions or time.monotonic() >= deadline:
                        self.waits = Counter(str(r[0]) for r in rows)
                        break
                    time.sleep(POLL)
        finally:
            self.lift()

    def lift(self) -> None:
        """Commit the gate's transaction (once), letting every waiting call go."""
        with self._lifted:
            if self._conn is not None and not self._conn.closed:
                self._conn.commit()
                self._conn.close()

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._watcher is not None:
            self._watcher.join(timeout=self.patience + 5)
        self.lift()


def orm_race(
    student: Any,
    name: str,
    dataset: str | Path,
    calls: Sequence[Sequence[Any]],
    gate: str,
    snapshot: Sequence[str] = (),
    patience: float = 3.0,
) -> RaceReport:
    """Call the student's function `name` once per argument list in `calls`, all at once, on a
    fresh copy of `dataset`, with `gate` (a table every call touches) closed until they all
    wait on the server. `patience`: seconds to wait for that before lifting the gate anyway."""
    from prodev.probes import orm_database
    from prodev.probes.orm import ask, orm_request

    database = orm_database.create(dataset, writable=True)
    try:
        request = orm_request(student, "orm_race", name, database, [], {})
        request["calls"] = [list(args) for args in calls]
        before = database.snapshot(list(snapshot))
        with Gate(database, gate, len(calls), patience) as held:
            reply = ask(student, request)
        after = database.snapshot(list(snapshot))
        statements = database.statements()
    finally:
        database.drop()
    outcomes = _outcomes(reply, len(calls))
    return RaceReport(
        outcomes=outcomes,
        waiting=sum(held.waits.values()),
        waits=dict(held.waits),
        queries=sum(n for _, n in statements),
        before=before,
        after=after,
    )


def _outcomes(reply: Any, count: int) -> list[dict[str, Any]]:
    """One {"value"} or {"error"} per call, from the notebook's reply (whatever it holds)."""
    from prodev.checking.student import StudentError

    given = reply.get("outcomes") if isinstance(reply, dict) else None
    given = given if isinstance(given, list) else []
    outcomes = []
    for i in range(count):
        found = given[i] if i < len(given) and isinstance(given[i], dict) else {}
        if "error" in found:
            outcomes.append({"error": str(found["error"])})
        elif "value" in found:
            outcomes.append({"value": found["value"]})
        else:
            outcomes.append({"error": "no result"})
    if outcomes and all(o.get("error", "").startswith("NotImplementedError") for o in outcomes):
        raise StudentError(
            "unanswered", "not answered yet: replace `raise NotImplementedError()` with your code"
        )
    return outcomes
