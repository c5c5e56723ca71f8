"""A real race on a student's ORM function (module 09), observed by the server.

`orm_race(student, "book_stay", dataset, calls, gates=("bookings", "payments"))` makes a database
and role for the race, as `orm_call` does. As the admin user, the check then holds an ACCESS
EXCLUSIVE lock on each `gates` table, tables every call touches, in the order calls touch them.
The notebook's request op (`orm_race` in prodev.probes.ops) runs one thread per call, each with
its own connection, released together by a barrier. Whatever a call does first, it ends up
waiting on the server: at the first gate, or behind a lock another call took.

When every call's session waits, the check lifts the first gate: the calls go on at once, as
concurrent requests do in production, until each waits again, at the next gate or behind a
lock another call holds. The check records who waits behind whom (`pg_blocking_pids`), lifts
the next gate, and so on. A lock the student's code took on the server shows as calls waiting
behind another call while that one is held at a gate; without one, every call waits only at the
gates. Calls that a notebook puts in order itself (one after another, or behind a lock in
Python) never wait on the server together.

The evidence is the server's: those waits, the rows written (snapshots by the admin user) and
the statements the role ran. From the notebook come only the calls' results or errors.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from prodev.runtime.answers import UNANSWERED

# How often the check looks at the waiting sessions, in seconds.
POLL = 0.01

# Every session of the race's role: whether it waits on a lock, on which kind, and whether a
# session of the same role holds that lock.
SESSIONS = """
SELECT a.wait_event_type = 'Lock', a.wait_event,
       EXISTS (SELECT 1 FROM unnest(pg_blocking_pids(a.pid)) AS b(pid)
               JOIN pg_stat_activity o ON o.pid = b.pid WHERE o.usename = a.usename)
FROM pg_stat_activity a
WHERE a.usename = %s AND a.datname = %s
"""


@dataclass(frozen=True)
class Waits:
    """The race's sessions waiting on locks when a gate was lifted."""

    waiting: int = 0
    behind_another: int = 0  # waiting for a lock that another of the calls holds
    events: dict[str, int] = field(default_factory=dict)  # pg_stat_activity.wait_event: count


@dataclass(frozen=True)
class RaceReport:
    """What a race did: each call's result or error, what the server saw, the snapshots."""

    outcomes: list[dict[str, Any]]  # per call: {"value": ...} or {"error": "ValueError: ..."}
    gates: list[Waits]  # per gate, in order: who waited when it was lifted
    queries: int  # statements the role ran (transaction control left out)
    before: list[Any]
    after: list[Any]

    @property
    def succeeded(self) -> list[Any]:
        return [o["value"] for o in self.outcomes if "error" not in o]

    def errors(self, kind: str) -> int:
        """How many calls raised `kind` (an exception class name)."""
        return sum(1 for o in self.outcomes if str(o.get("error", "")).startswith(kind + ":"))


class Gates:
    """Hold an ACCESS EXCLUSIVE lock on each of `tables` in the call's database; lift them one
    by one, each when `sessions` of the call's role wait on locks (or `patience` seconds after
    the previous one), recording who waited."""

    def __init__(
        self, database: Any, tables: Sequence[str], sessions: int, patience: float
    ) -> None:
        self.database = database
        self.tables = list(tables)
        self.sessions = sessions
        self.patience = patience
        self.observed: list[Waits] = []
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._held: list[psycopg.Connection] = []
        self._watcher: threading.Thread | None = None

    def __enter__(self) -> Gates:
        try:
            for table in self.tables:
                conn = psycopg.connect(self.database.url())
                self._held.append(conn)
                conn.execute(
                    sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(table))
                )
        except BaseException:
            self.lift_all()
            raise
        self._watcher = threading.Thread(target=self._watch, name="prodev-race-gates", daemon=True)
        self._watcher.start()
        return self

    def _watch(self) -> None:
        try:
            with psycopg.connect(self.database.admin_url, autocommit=True) as watch:
                for index in range(len(self.tables)):
                    # At the first gate the clock starts when the first call connects (a loaded
                    # machine may take a while to start the notebook's threads); later, at once.
                    self.observed.append(self._wait(watch, from_first_session=index == 0))
                    self._lift(index)
        finally:
            self.lift_all()

    def _wait(self, watch: psycopg.Connection, from_first_session: bool) -> Waits:
        """Poll until every call waits (or the patience or the race is over); what was seen."""
        now = time.monotonic()
        deadline = None if from_first_session else now + self.patience
        cap = now + 3 * self.patience  # in case no call ever connects
        waiting: list[tuple[Any, ...]] = []
        while not self._done.is_set():
            rows = watch.execute(SESSIONS, [self.database.role, self.database.name]).fetchall()
            waiting = [r for r in rows if r[0]]
            now = time.monotonic()
            if deadline is None and rows:
                deadline = now + self.patience
            if len(waiting) >= self.sessions or now >= min(deadline or cap, cap):
                break
            time.sleep(POLL)
        return Waits(
            waiting=len(waiting),
            behind_another=sum(1 for _, _, behind in waiting if behind),
            events=dict(Counter(str(event) for _, event, _ in waiting)),
        )

    def _lift(self, index: int) -> None:
        with self._lock:
            conn = self._held[index] if index < len(self._held) else None
            if conn is not None and not conn.closed:
                conn.commit()
                conn.close()

    def lift_all(self) -> None:
        """Let every waiting call go (each gate once)."""
        for index in range(len(self._held)):
            self._lift(index)

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._watcher is not None:
            self._watcher.join(timeout=self.patience * (len(self.tables) + 2) + 5)
        self.lift_all()


def orm_race(
    student: Any,
    name: str,
    dataset: str | Path,
    calls: Sequence[Sequence[Any]],
    gates: Sequence[str],
    snapshot: Sequence[str] = (),
    patience: float = 3.0,
) -> RaceReport:
    """Call the student's function `name` once per argument list in `calls`, all at once, on a
    fresh copy of `dataset`, held at each of `gates` (tables every call touches, in the order
    it touches them) until they all wait on the server. `patience`: seconds to wait for that,
    per gate (at the first, from when the first call connects), before lifting it anyway."""
    from prodev.probes import orm_database
    from prodev.probes.orm import ask, orm_request, refuse_blank

    refuse_blank(student, name)
    database = orm_database.create(dataset, writable=True)
    try:
        request = orm_request(student, "orm_race", name, database, [], {})
        request["calls"] = [list(args) for args in calls]
        before = database.snapshot(list(snapshot))
        with Gates(database, gates, len(calls), patience) as held:
            reply = ask(student, request)
        after = database.snapshot(list(snapshot))
        statements = database.statements()
    finally:
        database.drop()
    outcomes = _outcomes(reply, len(calls))
    observed = held.observed + [Waits()] * (len(gates) - len(held.observed))
    return RaceReport(
        outcomes=outcomes,
        gates=observed,
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
        raise StudentError("unanswered", UNANSWERED)
    return outcomes
