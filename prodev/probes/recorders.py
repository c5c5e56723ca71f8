"""Probes on the grader's side: the recorders that hold a probe's data and record its use.

A check describes probes (`probes.source(...)`, `probes.database(...)`...); for each request
`Recorders.build` turns every description into a recorder here, in the grader, and sends the
student's process only a stub naming it (`{"__prodev__": "stub", "kind": ..., "id": ...}`). Every
call the student's code makes on a stub crosses to the grader as a callback, is recorded here and
is answered from here, so the data cannot be had without being observed, and what a check reads
(items pulled, pages fetched, closes, sleeps, log records) was never computed by student code.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import random
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from prodev.probes.stubs import CANCELLED, EXCEPTIONS, INTERRUPT, ProbeLimitError
from prodev.runtime import answers

# An endless source stops a runaway answer (one that reads everything) after this many items.
DEFAULT_READ_LIMIT = 100_000
# A pager stops a runaway answer after this many page requests.
DEFAULT_CALL_LIMIT = 1_000
# The most callbacks one request may make: an answer that loops on a probe stops here.
MAX_CALLBACKS = 20_000
# The most items a source hands out in one callback.
MAX_CHUNK = 2_000
# The largest reply to one callback (JSON bytes): a fetch that returns more is refused.
MAX_REPLY_BYTES = 1_000_000
# How long one statement may run on a probe database before it is interrupted.
STATEMENT_SECONDS = 10.0

# The statements a student's code may run on a probe database besides the check's own.
_TRANSACTION_CONTROL = re.compile(
    r"(begin|start|commit|end|rollback|abort)(\s+(transaction|work))?\s*;?", re.IGNORECASE
)


def booking_rows(n: int, seed: int) -> Iterator[tuple[str, int, float]]:
    """`n` synthetic (status, nights, total_price) rows, generated one at a time."""
    rng = random.Random(seed)
    statuses = ("confirmed", "confirmed", "confirmed", "cancelled", "pending", "completed")
    for _ in range(n):
        nights = rng.randint(1, 14)
        yield rng.choice(statuses), nights, round(nights * rng.uniform(40, 400), 2)


@functools.lru_cache(maxsize=4)
def _booking_rows_as_json(n: int, seed: int) -> tuple[list[Any], ...]:
    # Every submission of a batch is sent the same rows: generate them once per grading process.
    return tuple(list(row) for row in booking_rows(n, seed))


_PLAIN = (str, int, float, bool, type(None))


def _json(value: Any) -> Any:
    """`value` as JSON, or a short description when it is not JSON."""
    if type(value) in _PLAIN:
        return value
    if type(value) in (tuple, list) and all(type(v) in _PLAIN for v in value):
        return list(value)  # a row of plain values: the common case, kept fast
    try:
        return answers.to_json(value)
    except answers.AnswerError:
        return f"<{type(value).__name__}, not JSON>"


class Recorder:
    """One probe: `methods` names what the student's stub may call."""

    methods: tuple[str, ...] = ()

    def report(self) -> dict[str, Any] | None:
        return None

    def dispose(self) -> None:
        """Release what the recorder holds (a database connection)."""


class Source(Recorder):
    """Items handed out on request: given items, generated booking rows, or endless integers."""

    methods = ("next",)

    def __init__(self, spec: Mapping[str, Any]):
        self.limit = int(spec.get("limit") or DEFAULT_READ_LIMIT)
        if spec.get("bookings") is not None:
            rows = _booking_rows_as_json(int(spec["bookings"]), int(spec["seed"]))
            self._items: Iterator[Any] = iter(rows)
            self.limit = max(self.limit, int(spec["bookings"]) + 1)
        elif spec.get("items") is not None:
            self._items = iter(list(spec["items"]))
        else:
            self._items = itertools.count(int(spec.get("start", 0)))
        self.pulled = 0
        self.exhausted = False

    def next(self, count: int = 1) -> list[Any]:
        """Up to `count` next items; an empty list once the source is exhausted."""
        count = max(1, min(int(count), MAX_CHUNK))
        items = []
        for _ in range(count):
            if self.pulled >= self.limit:
                if items:
                    break
                raise ProbeLimitError(
                    f"read more than {self.limit:,} items from the source: is the whole source "
                    "being read (list(), len(), sorted()) instead of only what is needed?"
                )
            try:
                item = next(self._items)
            except StopIteration:
                self.exhausted = True
                break
            self.pulled += 1
            items.append(_json(item))
        return items

    def report(self) -> dict[str, Any]:
        return {"pulled": self.pulled, "exhausted": self.exhausted}


class Pager(Recorder):
    """`fetch_page(offset, limit)` over the integers 0..total-1 (endless if total is None)."""

    methods = ("page",)

    def __init__(self, spec: Mapping[str, Any]):
        total = spec.get("total")
        self.total = None if total is None else int(total)
        self.call_limit = int(spec.get("limit") or DEFAULT_CALL_LIMIT)
        self.calls: list[list[int]] = []

    def page(self, offset: Any = None, limit: Any = None) -> list[int]:
        if len(self.calls) >= self.call_limit:
            raise ProbeLimitError(
                f"requested more than {self.call_limit:,} pages: does the loop stop when a page "
                "comes back short?"
            )
        if type(offset) is not int or type(limit) is not int or offset < 0 or limit < 1:
            raise ValueError(
                f"fetch_page(offset, limit) needs integers >= 0 and >= 1, got "
                f"({offset!r}, {limit!r})"
            )
        self.calls.append([offset, limit])
        end = offset + limit if self.total is None else min(offset + limit, self.total)
        return list(range(offset, max(offset, end)))

    def report(self) -> dict[str, Any]:
        return {"calls": self.calls}


_PROBE_SETTINGS = ("enable_external_access = false", "threads = 1", "memory_limit = '256MB'")


def _lock_down(con: Any) -> None:
    """No file or extension access, one thread, 256 MB; then no setting can be changed."""
    for setting in (*_PROBE_SETTINGS, "lock_configuration = true"):
        con.execute(f"SET {setting}")


_shared: Any = None
_shared_lock = threading.Lock()
_CATALOG_NUMBERS = itertools.count(1)


def _shared_cursor() -> Any:
    """A new connection to the grading process's one DuckDB instance for probe databases built
    from tables: each probe gets a catalog of its own in it (a new instance costs ~17 ms)."""
    global _shared
    with _shared_lock:  # one connection object is not safe to share between threads
        if _shared is None:
            import duckdb

            _shared = duckdb.connect()  # private in-memory, never the module's default
            _lock_down(_shared)
        return _shared.cursor()


def _private_instance(path: str) -> Any:
    """A DuckDB instance of its own with a dataset file attached read-only as `data` (one file
    cannot be attached twice in one instance, and two probes may read the same one)."""
    import duckdb

    con = duckdb.connect()
    quoted = path.replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS data (READ_ONLY)")
    _lock_down(con)
    return con


class Database(Recorder):
    """A real DuckDB connection held by the grader, recording what is run and fetched.

    It runs only the statements the check itself wrote (passed to the student's code as
    arguments, or run by the check's `with` body or target) and transaction control, with file
    and extension access switched off: student-written SQL never runs in the grader."""

    methods = (
        "execute",
        "fetchone",
        "fetchmany",
        "fetchall",
        "description",
        "begin",
        "commit",
        "rollback",
        "close",
        "cursor",
    )

    def __init__(
        self,
        spec: Mapping[str, Any],
        allowed: set[str],
        add_probe: Callable[[str, Recorder], None] | None = None,
    ):
        self.probe_id = str(spec.get("id", "db"))
        self._add_probe = add_probe
        self.cursors: list[Cursor] = []
        if spec.get("path"):
            self._con = _private_instance(str(spec["path"]))
            self._catalog = "data"
        else:
            self._catalog = f"probe{next(_CATALOG_NUMBERS)}"
            self._con = _shared_cursor()
            self._con.execute(f"ATTACH ':memory:' AS {self._catalog}")
        self._private = bool(spec.get("path"))
        try:
            self._con.execute(f"USE {self._catalog}")
            for name, table in (spec.get("tables") or {}).items():
                columns = ", ".join(f'"{c}" {t}' for c, t in table["columns"])
                self._con.execute(f'CREATE TABLE "{name}" ({columns})')
                if table.get("rows"):
                    marks = ", ".join("?" for _ in table["columns"])
                    self._con.executemany(f'INSERT INTO "{name}" VALUES ({marks})', table["rows"])
        except BaseException:
            self.dispose()  # a shared instance keeps a catalog until it is detached
            raise
        self._allowed = {_normal(s) for s in allowed}
        self._snapshot = list(spec.get("snapshot") or [])
        self._result: Any = None
        self.executed: list[str] = []
        self.stats: dict[str, Any] = {"fetchmany": [], "fetchone": 0, "fetchall": 0}
        self.stats["rows_fetched"] = 0
        self.transactions = {"begin": 0, "commit": 0, "rollback": 0}
        self.closed = False

    def _run(self, action: Callable[[], Any]) -> Any:
        timer = threading.Timer(STATEMENT_SECONDS, self._con.interrupt)
        timer.start()
        try:
            return action()
        finally:
            timer.cancel()

    def execute(self, query: Any = None, parameters: Any = None) -> None:
        text = _normal(str(query))
        if text not in self._allowed and not _TRANSACTION_CONTROL.fullmatch(text):
            raise PermissionError(
                "this connection runs only the query it was given and transaction control "
                "(BEGIN, COMMIT, ROLLBACK)"
            )
        self.executed.append(text)
        if parameters is None:
            self._result = self._run(lambda: self._con.execute(str(query)))
        else:
            self._result = self._run(lambda: self._con.execute(str(query), parameters))

    def _last(self) -> Any:
        if self._result is None:
            raise RuntimeError("no query has been executed on this connection yet")
        return self._result

    def description(self) -> Any:
        return [[d[0], str(d[1])] for d in self._last().description or []]

    def fetchone(self) -> Any:
        self.stats["fetchone"] += 1
        row = self._last().fetchone()
        self.stats["rows_fetched"] += row is not None
        return _json(row)

    def fetchmany(self, size: Any = 1) -> list[Any]:
        if type(size) is not int or size < 1:
            raise ValueError(f"fetchmany(size) needs an integer >= 1, got {size!r}")
        self.stats["fetchmany"].append(size)
        rows = self._last().fetchmany(size)
        self.stats["rows_fetched"] += len(rows)
        return _json(rows)

    def fetchall(self) -> list[Any]:
        self.stats["fetchall"] += 1
        rows = self._last().fetchall()
        self.stats["rows_fetched"] += len(rows)
        return _json(rows)

    def begin(self) -> None:
        self.transactions["begin"] += 1
        self._con.begin()

    def commit(self) -> None:
        self.transactions["commit"] += 1
        self._con.commit()

    def rollback(self) -> None:
        self.transactions["rollback"] += 1
        self._con.rollback()

    def close(self) -> None:
        self.closed = True

    def cursor(self) -> str:
        """Open a cursor (a second connection to the same database, with its own result and
        transaction), recorded as a probe of its own; returns its id for the student's stub."""
        if self._add_probe is None:
            raise RuntimeError("this connection cannot open cursors")
        cursor = Cursor(self, len(self.cursors) + 1)
        self._add_probe(cursor.probe_id, cursor)
        self.cursors.append(cursor)
        return cursor.probe_id

    def report(self) -> dict[str, Any]:
        tables = {}
        viewer = self._con.cursor()  # a second connection: sees committed data only
        viewer.execute(f"USE {self._catalog}")
        for table in self._snapshot:
            rows = viewer.execute(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall()
            tables[table] = answers.to_json(rows)
        viewer.close()
        return {
            "executed": self.executed,
            **self.stats,
            "transactions": self.transactions,
            "tables": tables,
            "closed": self.closed,
            "cursors": [{"executed": c.count, "closed": c.closed} for c in self.cursors],
        }

    def dispose(self) -> None:
        self._con.close()
        if not self._private:
            detach = _shared_cursor()
            with contextlib.suppress(Exception):  # a cursor the student left open keeps it
                detach.execute(f"DETACH {self._catalog}")
            detach.close()


class Cursor(Database):
    """A cursor of a probe database: its own DuckDB connection to the same database, sharing
    the connection's allowed statements and fetch counts; the connection reports it."""

    def __init__(self, parent: Database, number: int):  # noqa: D107 (shares, never builds)
        self.probe_id = f"{parent.probe_id}.cursor{number}"
        self._parent = parent
        self._con = parent._con.cursor()
        self._con.execute(f"USE {parent._catalog}")
        self._allowed = parent._allowed
        self._snapshot = []
        self._result = None
        self.executed = parent.executed
        self.stats = parent.stats
        self.transactions = parent.transactions
        self.closed = False
        self.count = 0  # statements this cursor ran

    def execute(self, query: Any = None, parameters: Any = None) -> None:
        if self.closed:
            raise RuntimeError("this cursor is closed")
        super().execute(query, parameters)
        self.count += 1

    def cursor(self) -> str:
        return self._parent.cursor()

    def _last(self) -> Any:
        if self.closed:
            raise RuntimeError("this cursor is closed")
        return super()._last()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._result = None
            self._con.close()

    def report(self) -> None:
        return None  # part of its connection's report

    def dispose(self) -> None:
        self._con.close()


def _normal(sql: str) -> str:
    return " ".join(sql.split())


class Opener(Recorder):
    """Opens one resource named like the probe (or fails to, raising ConnectionError); the
    resource is a context manager, and the exception each exit is told about is recorded."""

    methods = ("open", "close", "enter", "exit")

    def __init__(self, spec: Mapping[str, Any], events: list[str]):
        self.name = str(spec["id"])
        self.fail = bool(spec.get("fail"))
        self._events = events
        self.opened = False
        self.closed = 0
        self.exits: list[str | None] = []

    def open(self) -> str:
        if self.fail:
            self._events.append(f"fail {self.name}")
            raise ConnectionError(f"could not open {self.name}")
        if self.opened:
            raise RuntimeError(f"{self.name} was opened twice")
        self.opened = True
        self._events.append(f"open {self.name}")
        return self.name

    def _require_open(self, action: str) -> None:
        if not self.opened:
            raise RuntimeError(f"{self.name} was {action} before it was opened")

    def close(self) -> None:
        self._require_open("closed")
        self.closed += 1
        self._events.append(f"close {self.name}")

    def enter(self) -> None:
        self._require_open("entered")
        self._events.append(f"enter {self.name}")

    def exit(self, exc_type: Any = None) -> None:
        self._require_open("exited")
        told = str(exc_type)[:60] if exc_type is not None else None
        self.exits.append(told)
        self._events.append(f"exit {self.name}" + (f" with {told}" if told else ""))

    def report(self) -> dict[str, Any]:
        return {"opened": self.opened, "closed": self.closed, "exits": self.exits}


class Caller(Recorder):
    """The code that called the student's `with` block or awaited the student's wrapper, told
    as it happens what came out of it: the exception that left it (its class and message), or
    nothing. A notebook that rewrites the request op's answer cannot change what this was
    told, since each telling crossed to the grader when it happened."""

    methods = ("told",)

    def __init__(self) -> None:
        self.told_list: list[dict[str, str] | None] = []

    def told(self, exc_type: Any = None, message: Any = None) -> None:
        if len(self.told_list) >= DEFAULT_CALL_LIMIT:
            raise ProbeLimitError("the caller was told more outcomes than the check asked for")
        if exc_type is None:
            self.told_list.append(None)
        else:
            self.told_list.append({"raised": str(exc_type)[:60], "message": str(message)[:200]})

    def report(self) -> dict[str, Any]:
        return {"told": self.told_list}


class Clock(Recorder):
    """A clock that only moves when something sleeps on it, work advances it, or the check's
    script moves it on.

    Sleeps are blocking (`sleep`) or awaited (`await_begin`, then `await_end`, from the async
    sleep's coroutine); `tick` is a sibling task on the student's event loop taking its turn.
    Each wait in `waits` says whether it was awaited and how many ticks fell inside it: a wait
    that blocks the loop has none. With `cancel_on=n`, the n-th awaited wait is told to cancel
    the task awaiting it."""

    methods = ("now", "sleep", "advance", "await_begin", "await_end", "tick")

    def __init__(self, cancel_on: int | None = None) -> None:
        self.now_value = 1000.0
        self.sleeps: list[float] = []
        self.reads = 0
        self.waits: list[dict[str, Any]] = []
        self.ticks = 0
        self.cancel_on = cancel_on
        self._awaiting: dict[str, Any] | None = None

    def now(self) -> float:
        self.reads += 1
        return self.now_value

    def sleep(self, seconds: Any = None) -> None:
        if type(seconds) not in (int, float):
            raise TypeError(f"sleep needs a number of seconds, got {type(seconds).__name__}")
        if seconds < 0:
            raise ValueError(f"sleep length must be non-negative, got {seconds}")
        self.sleeps.append(float(seconds))
        self.now_value += seconds
        self.waits.append({"seconds": float(seconds), "awaited": False, "ticks": 0})

    def await_begin(self, seconds: Any = None) -> bool:
        """An awaited sleep begins; returns whether the grader cancels the task now."""
        self.sleep(seconds)
        wait = self.waits[-1]
        wait.update(awaited=True, ended=False)
        self._awaiting = wait
        awaited = sum(1 for w in self.waits if w["awaited"])
        if self.cancel_on is not None and awaited == self.cancel_on:
            wait["cancelled"] = True
            return True
        return False

    def await_end(self) -> None:
        if self._awaiting is not None:
            self._awaiting["ended"] = True
        self._awaiting = None

    def tick(self) -> None:
        self.ticks += 1
        if self._awaiting is not None:
            self._awaiting["ticks"] += 1

    def advance(self, seconds: Any = 0.0) -> None:
        self.now_value += float(seconds)

    def report(self) -> dict[str, Any]:
        return {
            "now": self.now_value,
            "sleeps": self.sleeps,
            "reads": self.reads,
            "waits": self.waits,
            "ticks": self.ticks,
        }


class Rand(Recorder):
    """A stand-in for `random.random` that returns a fixed cycle of values."""

    methods = ("next",)

    def __init__(self, spec: Mapping[str, Any]):
        self._values = itertools.cycle([float(v) for v in spec.get("values") or [0.5]])
        self.calls = 0

    def next(self) -> float:
        self.calls += 1
        return next(self._values)

    def report(self) -> dict[str, Any]:
        return {"calls": self.calls}


class Log(Recorder):
    """Records (as JSON) every record it is given."""

    methods = ("record",)

    def __init__(self) -> None:
        self.records: list[Any] = []

    def record(self, record: Any = None) -> None:
        self.records.append(record)

    def report(self) -> dict[str, Any]:
        return {"records": self.records}


class TargetInterrupt(Exception):  # noqa: N818 (it stands for KeyboardInterrupt)
    """A target's KeyboardInterrupt, as the grader raises it: its stub raises the real one."""


class TargetCancel(Exception):  # noqa: N818 (it stands for a cancellation)
    """A call of an async target that the grader cancels: its stub cancels the awaiting task."""


class Target(Recorder):
    """The function a check's decorator is applied to: counts calls, may cost clock time,
    may fail a number of times, may run the check's SQL on the probe database it is given;
    an async one (`coroutine`) may have its `cancel_on`-th call cancelled."""

    methods = ("call",)

    def __init__(self, spec: Mapping[str, Any], recorders: Recorders):
        self._recorders = recorders
        self.calls: list[Any] = []
        self.returns = spec.get("returns", "echo")
        self.cost = float(spec.get("cost", 0))
        self.clock = recorders.clock(spec["clock"]) if spec.get("clock") else None
        self.fail_times = int(spec.get("fail_times", 0))
        name = spec.get("exception", "ConnectionError")
        # A Ctrl-C is raised in the student's process only: here it is an ordinary exception.
        self.exception = TargetInterrupt if name == INTERRUPT else EXCEPTIONS[name]
        self.sql = list(spec.get("sql") or [])
        self.fail_after_sql = bool(spec.get("fail_after_sql"))
        self.cancel_on = spec.get("cancel_on")

    def call(self, args: Any = None, kwargs: Any = None, connection: Any = None) -> Any:
        args = list(args) if isinstance(args, list) else []
        kwargs = dict(kwargs) if isinstance(kwargs, dict) else {}
        self.calls.append([args, kwargs])
        if self.cancel_on is not None and len(self.calls) == int(self.cancel_on):
            raise TargetCancel(f"call {len(self.calls)} was cancelled")
        if self.clock is not None:
            self.clock.now_value += self.cost
        if self.sql:
            database = self._recorders.probes.get(str(connection))
            if not isinstance(database, Database):
                raise TypeError(
                    f"the function needs the connection it was given as its first argument, got "
                    f"{connection!r}"
                )
            for statement in self.sql:
                database.execute(statement)
        if self.fail_after_sql:
            raise self.exception("the work failed after writing")
        if len(self.calls) <= self.fail_times:
            raise self.exception(f"attempt {len(self.calls)} failed")
        if self.returns == "echo":
            return {"args": args, "kwargs": kwargs, "call": len(self.calls)}
        return self.returns

    def report(self) -> dict[str, Any]:
        return {"calls": self.calls}


class Recorders:
    """Every recorder of one request, by probe id, with one ordered log of events, and the
    callback dispatcher that the student's stubs reach through the boundary."""

    def __init__(self) -> None:
        self.probes: dict[str, Recorder] = {}
        self.events: list[str] = []
        self.callbacks = 0
        self.memory_growth: int | None = None
        self._allowed: set[str] = set()

    # ---- building ----------------------------------------------------------------------------
    @classmethod
    def build(cls, request: dict[str, Any]) -> tuple[Recorders, dict[str, Any]]:
        """Recorders for every probe described in `request`, and the request to send instead,
        in which each description is replaced by a stub that names its recorder."""
        recorders = cls()
        recorders._allowed = set(_strings(request))
        try:
            sent = recorders._stubbed(request)
        except BaseException:
            recorders.dispose()
            raise
        return recorders, sent

    def _stubbed(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._stubbed(v) for v in value]
        if not isinstance(value, dict):
            return value
        kind = value.get("__prodev__")
        if kind in _BUILDERS:
            return _BUILDERS[kind](self, value)
        if "__prodev__" in value:
            return value  # exceptions, duckdb paths...: nothing to record
        return {k: self._stubbed(v) for k, v in value.items()}

    def clock(self, clock_id: str) -> Clock:
        clock = self.probes.get(clock_id)
        if not isinstance(clock, Clock):
            clock = self.probes[clock_id] = Clock()
        return clock

    def add_target(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """The stub description of a decorated target (name, doc and whether it takes the
        connection are all the student's process learns about it)."""
        probe_id = str(spec.get("id", "target"))
        self.probes[probe_id] = Target(spec, self)
        return {
            "__prodev__": "stub",
            "kind": "target",
            "id": probe_id,
            "name": str(spec.get("name", "work")),
            "doc": str(spec.get("doc", "Do some work.")),
            "connection": bool(spec.get("sql")),
            "coroutine": bool(spec.get("coroutine")),
        }

    # ---- serving callbacks -------------------------------------------------------------------
    def __call__(self, frame: Mapping[str, Any]) -> dict[str, Any]:
        """The reply to one callback from a stub; never raises."""
        growth = frame.get("memory_growth")
        if type(growth) is int:
            self.memory_growth = max(growth, self.memory_growth or 0)
        self.callbacks += 1
        try:
            if self.callbacks > MAX_CALLBACKS:
                raise ProbeLimitError(
                    f"made more than {MAX_CALLBACKS:,} calls on the probes in one check: look for "
                    "a loop that never ends"
                )
            recorder = self.probes.get(str(frame.get("probe")))
            method = frame.get("method")
            if recorder is None or method not in recorder.methods:
                raise ProbeLimitError(f"no such probe call: {frame.get('probe')!r}.{method!r}")
            args = frame.get("args")
            value = getattr(recorder, method)(*(args if isinstance(args, list) else []))
            reply = {"ok": True, "value": value}
            if len(json.dumps(reply)) > MAX_REPLY_BYTES:
                raise ProbeLimitError(
                    f"one call returned more than {MAX_REPLY_BYTES:,} bytes: fetch fewer rows"
                )
            return reply
        except Exception as exc:  # noqa: BLE001 (the probe's failure is the stub's exception)
            name = INTERRUPT if isinstance(exc, TargetInterrupt) else type(exc).__name__
            name = CANCELLED if isinstance(exc, TargetCancel) else name
            if name not in EXCEPTIONS and name not in ("ProbeLimitError", INTERRUPT, CANCELLED):
                name = "RuntimeError"
            return {"ok": False, "error": name, "message": str(exc)[:300]}

    def reports(self) -> dict[str, Any]:
        """What the recorders observed: merged into a probe request's result by the check."""
        out = {}
        for probe_id, recorder in self.probes.items():
            report = recorder.report()
            if report is not None:
                out[probe_id] = report
        return {"probes": out, "events": list(self.events), "memory_growth": self.memory_growth}

    def dispose(self) -> None:
        for recorder in self.probes.values():
            recorder.dispose()


def _strings(value: Any) -> Iterator[str]:
    """Every string in a request: the statements a probe database will accept."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)


def _stub(kind: str, probe_id: str, **extra: Any) -> dict[str, Any]:
    return {"__prodev__": "stub", "kind": kind, "id": probe_id, **extra}


def _add(recorders: Recorders, probe_id: str, recorder: Recorder) -> None:
    if probe_id in recorders.probes:
        raise ValueError(f"two probes in one request share the id {probe_id!r}")
    recorders.probes[probe_id] = recorder


def _source(recorders: Recorders, spec: dict[str, Any]) -> dict[str, Any]:
    probe_id = str(spec["id"])
    _add(recorders, probe_id, Source(spec))
    # Generated bookings are read whole by the answers they feed: 500 per call unless told.
    chunk = spec.get("chunk") or (500 if spec.get("bookings") is not None else 1)
    return _stub("source", probe_id, chunk=int(chunk))


def _pager(recorders: Recorders, spec: dict[str, Any]) -> dict[str, Any]:
    probe_id = str(spec["id"])
    _add(recorders, probe_id, Pager(spec))
    return _stub("pager", probe_id)


def _database(recorders: Recorders, spec: dict[str, Any]) -> dict[str, Any]:
    probe_id = str(spec["id"])
    _add(recorders, probe_id, Database(spec, recorders._allowed, partial(_add, recorders)))
    return _stub("db", probe_id)


def _opener(recorders: Recorders, spec: dict[str, Any]) -> dict[str, Any]:
    probe_id = str(spec["id"])
    _add(recorders, probe_id, Opener(spec, recorders.events))
    return _stub("opener", probe_id)


def _clock(recorders: Recorders, spec: dict[str, Any]) -> dict[str, Any]:
    recorders.clock(str(spec["id"]))
    return _stub("clock", str(spec["id"]))


def _sleep(recorders: Recorders, spec: dict[str, Any]) -> dict[str, Any]:
    recorders.clock(str(spec["clock"]))
    return _stub("sleep", str(spec["clock"]))


def _async_sleep(recorders: Recorders, spec: dict[str, Any]) -> dict[str, Any]:
    clock = recorders.clock(str(spec["clock"]))
    if spec.get("cancel_on") is not None:
        clock.cancel_on = int(spec["cancel_on"])
    return _stub("async_sleep", str(spec["clock"]))


def _rand(recorders: Recorders, spec: dict[str, Any]) -> dict[str, Any]:
    probe_id = str(spec["id"])
    _add(recorders, probe_id, Rand(spec))
    return _stub("rand", probe_id)


def _log(recorders: Recorders, spec: dict[str, Any]) -> dict[str, Any]:
    probe_id = str(spec["id"])
    _add(recorders, probe_id, Log())
    return _stub("log", probe_id)


def _caller(recorders: Recorders, spec: dict[str, Any]) -> dict[str, Any]:
    probe_id = str(spec["id"])
    _add(recorders, probe_id, Caller())
    return _stub("caller", probe_id)


_BUILDERS: dict[str, Callable[[Recorders, dict[str, Any]], dict[str, Any]]] = {
    "source": _source,
    "pager": _pager,
    "db": _database,
    "opener": _opener,
    "clock": _clock,
    "sleep": _sleep,
    "async_sleep": _async_sleep,
    "rand": _rand,
    "log": _log,
    "caller": _caller,
}
