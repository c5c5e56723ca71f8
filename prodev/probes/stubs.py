"""Probes on the student's side: live objects built from the JSON a check describes.

A check describes a probe in JSON (`{"__prodev__": "source", "id": "src", ...}`); inside the
student's process (the sandboxed worker, or the student's own kernel for self-checks) it is built
here as a live object (an endless iterator that counts what was pulled, a fake clock, a flaky
function, a tracked resource...) and handed to the student's function. `DECODERS` maps each kind
to its builder; `prodev.runtime.registry` installs them. The grader side is `prodev.probes.calls`.
"""

from __future__ import annotations

import builtins
import itertools
import random
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prodev.errors import UserError
from prodev.runtime import answers

# An endless source stops a runaway answer (one that reads everything) after this many items.
DEFAULT_READ_LIMIT = 100_000
# A pager stops a runaway answer after this many page requests.
DEFAULT_CALL_LIMIT = 1_000
# The most items `probe_call(..., take="all")` will pull from an answer's iterator.
MAX_TAKE = 100_000

# Exceptions a check may name (as decorator arguments or as what a flaky function raises).
EXCEPTIONS = {
    name: getattr(builtins, name)
    for name in (
        "Exception",
        "ConnectionError",
        "TimeoutError",
        "OSError",
        "ValueError",
        "KeyError",
        "RuntimeError",
        "LookupError",
        "PermissionError",
    )
}


class ProbeLimitError(UserError, RuntimeError):
    """A probe refused to go on: the answer read far more than the question allows."""


class BodyError(UserError):
    """The exception a check's `with` body raises on purpose."""


# ---------------------------------------------------------------------------------------------
# Student side: live probes
# ---------------------------------------------------------------------------------------------


class _Registry:
    """The probes built for the current request, by id, and one ordered log of events."""

    def __init__(self) -> None:
        self.probes: dict[str, Any] = {}
        self.events: list[str] = []

    def add(self, probe_id: str, probe: Any) -> Any:
        self.probes[probe_id] = probe
        return probe

    def clock(self, probe_id: str) -> FakeClock:
        clock = self.probes.get(probe_id)
        if not isinstance(clock, FakeClock):
            clock = self.add(probe_id, FakeClock())
        return clock

    def reports(self) -> dict[str, Any]:
        out = {pid: p.report() for pid, p in self.probes.items() if hasattr(p, "report")}
        return {"probes": out, "events": list(self.events)}


_registry = _Registry()


def _reset() -> _Registry:
    global _registry
    for probe in _registry.probes.values():
        close = getattr(probe, "dispose", None)
        if callable(close):
            close()
    _registry = _Registry()
    return _registry


class CountingSource:
    """An iterator over given items, a range of integers or generated booking rows, that
    counts how many items were pulled and refuses to go past a limit."""

    def __init__(self, items: Iterator[Any], limit: int):
        self._items = items
        self.limit = limit
        self.pulled = 0
        self.exhausted = False

    def __iter__(self) -> CountingSource:
        return self

    def __next__(self) -> Any:
        if self.pulled >= self.limit:
            raise ProbeLimitError(
                f"read more than {self.limit:,} items from the source: is the whole source "
                "being read (list(), len(), sorted()) instead of only what is needed?"
            )
        try:
            item = next(self._items)
        except StopIteration:
            self.exhausted = True
            raise
        self.pulled += 1
        return item

    def report(self) -> dict[str, Any]:
        return {"pulled": self.pulled, "exhausted": self.exhausted}


def booking_rows(n: int, seed: int) -> Iterator[tuple[str, int, float]]:
    """`n` synthetic (status, nights, total_price) rows, generated one at a time."""
    rng = random.Random(seed)
    statuses = ("confirmed", "confirmed", "confirmed", "cancelled", "pending", "completed")
    for _ in range(n):
        nights = rng.randint(1, 14)
        yield rng.choice(statuses), nights, round(nights * rng.uniform(40, 400), 2)


def _decode_source(spec: Mapping[str, Any]) -> CountingSource:
    limit = int(spec.get("limit") or DEFAULT_READ_LIMIT)
    if spec.get("bookings") is not None:
        items: Iterator[Any] = booking_rows(int(spec["bookings"]), int(spec.get("seed", 0)))
        limit = max(limit, int(spec["bookings"]) + 1)
    elif spec.get("items") is not None:
        items = iter(list(spec["items"]))
    else:
        items = itertools.count(int(spec.get("start", 0)))
    return _registry.add(spec["id"], CountingSource(items, limit))


class Pager:
    """`fetch_page(offset, limit)` over the integers 0..total-1 (endless if total is None)."""

    def __init__(self, total: int | None, call_limit: int):
        self.total = total
        self.call_limit = call_limit
        self.calls: list[list[int]] = []

    def __call__(self, offset: int, limit: int) -> list[int]:
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


def _decode_pager(spec: Mapping[str, Any]) -> Pager:
    total = spec.get("total")
    call_limit = int(spec.get("limit") or DEFAULT_CALL_LIMIT)
    pager = Pager(None if total is None else int(total), call_limit)
    return _registry.add(spec["id"], pager)


class TrackedCursor:
    """A real DuckDB result whose fetch calls are recorded in its connection's `stats`."""

    def __init__(self, stats: dict[str, Any], result: Any):
        self._stats = stats
        self._result = result

    @property
    def description(self) -> Any:
        return self._result.description

    def fetchone(self) -> Any:
        self._stats["fetchone"] += 1
        row = self._result.fetchone()
        self._stats["rows_fetched"] += row is not None
        return row

    def fetchmany(self, size: int = 1) -> list[Any]:
        self._stats["fetchmany"].append(size)
        rows = self._result.fetchmany(size)
        self._stats["rows_fetched"] += len(rows)
        return rows

    def fetchall(self) -> list[Any]:
        self._stats["fetchall"] += 1
        rows = self._result.fetchall()
        self._stats["rows_fetched"] += len(rows)
        return rows

    def __iter__(self) -> Iterator[Any]:
        while (row := self.fetchone()) is not None:
            yield row

    def close(self) -> None:
        self._result.close()


class TrackedConnection:
    """A real in-memory (or read-only file) DuckDB connection that records what is run and
    fetched, and can report committed table contents through a second connection.

    Like DuckDB's own connection it is also its own cursor: `con.execute(q).fetchmany(n)` and
    `cur = con.cursor(); cur.execute(q); cur.fetchmany(n)` both work and are both recorded.
    Anything else (e.g. `con.sql`) is passed to the real connection, unrecorded."""

    def __init__(self, connection: Any, snapshot: list[str]):
        self._con = connection
        self._snapshot = snapshot
        self._last: TrackedCursor | None = None
        self.executed: list[str] = []
        self.stats: dict[str, Any] = {
            "fetchmany": [],
            "fetchone": 0,
            "fetchall": 0,
            "rows_fetched": 0,
        }
        self.transactions = {"begin": 0, "commit": 0, "rollback": 0}
        self.closed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def execute(self, query: str, parameters: Any = None) -> TrackedConnection:
        self.executed.append(" ".join(str(query).split()))
        if parameters is None:
            result = self._con.execute(query)
        else:
            result = self._con.execute(query, parameters)
        self._last = TrackedCursor(self.stats, result)
        return self

    def _result(self) -> TrackedCursor:
        if self._last is None:
            raise RuntimeError("no query has been executed on this connection yet")
        return self._last

    @property
    def description(self) -> Any:
        return self._result().description

    def fetchone(self) -> Any:
        return self._result().fetchone()

    def fetchmany(self, size: int = 1) -> list[Any]:
        return self._result().fetchmany(size)

    def fetchall(self) -> list[Any]:
        return self._result().fetchall()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._result())

    def cursor(self) -> TrackedConnection:
        return self

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

    def report(self) -> dict[str, Any]:
        tables = {}
        viewer = self._con.cursor()  # a second connection: sees committed data only
        for table in self._snapshot:
            rows = viewer.execute(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall()
            tables[table] = answers.to_json(rows)
        viewer.close()
        return {
            "executed": self.executed,
            **self.stats,
            "transactions": self.transactions,
            "tables": tables,
        }

    def dispose(self) -> None:
        self._con.close()


def _decode_db(spec: Mapping[str, Any]) -> TrackedConnection:
    import duckdb

    if spec.get("path"):
        con = duckdb.connect(str(spec["path"]), read_only=True)
    else:
        con = duckdb.connect()
        for name, table in (spec.get("tables") or {}).items():
            columns = ", ".join(f'"{c}" {t}' for c, t in table["columns"])
            con.execute(f'CREATE TABLE "{name}" ({columns})')
            if table.get("rows"):
                marks = ", ".join("?" for _ in table["columns"])
                con.executemany(f'INSERT INTO "{name}" VALUES ({marks})', table["rows"])
    tracked = TrackedConnection(con, list(spec.get("snapshot") or []))
    return _registry.add(spec["id"], tracked)


class Resource:
    """Something that must be closed: records its opening and closing in the event log."""

    def __init__(self, name: str, events: list[str]):
        self.name = name
        self._events = events
        self.closed = 0
        events.append(f"open {name}")

    def close(self) -> None:
        self.closed += 1
        self._events.append(f"close {self.name}")

    def __enter__(self) -> Resource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def to_json(self) -> str:
        return self.name


class Opener:
    """A callable that opens one `Resource` (or fails to, raising ConnectionError)."""

    def __init__(self, name: str, fail: bool, events: list[str]):
        self.name = name
        self.fail = fail
        self._events = events
        self.opened: Resource | None = None

    def __call__(self) -> Resource:
        if self.fail:
            self._events.append(f"fail {self.name}")
            raise ConnectionError(f"could not open {self.name}")
        if self.opened is not None:
            raise RuntimeError(f"{self.name} was opened twice")
        self.opened = Resource(self.name, self._events)
        return self.opened

    def report(self) -> dict[str, Any]:
        return {
            "opened": self.opened is not None,
            "closed": self.opened.closed if self.opened else 0,
        }


def _decode_opener(spec: Mapping[str, Any]) -> Opener:
    opener = Opener(str(spec["id"]), bool(spec.get("fail")), _registry.events)
    return _registry.add(spec["id"], opener)


class FakeClock:
    """A clock that only moves when something sleeps on it or a target's work advances it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return self.now

    def sleep(self, seconds: float) -> None:
        seconds = float(seconds)
        if seconds < 0:
            raise ValueError(f"sleep length must be non-negative, got {seconds}")
        self.sleeps.append(seconds)
        self.now += seconds

    def report(self) -> dict[str, Any]:
        return {"now": self.now, "sleeps": self.sleeps, "reads": self.reads}


def _decode_clock(spec: Mapping[str, Any]) -> FakeClock:
    return _registry.clock(spec["id"])


def _decode_sleep(spec: Mapping[str, Any]) -> Callable[[float], None]:
    return _registry.clock(spec["clock"]).sleep


class Rand:
    """A stand-in for `random.random` that returns a fixed cycle of values."""

    def __init__(self, values: list[float]):
        self._values = itertools.cycle(values or [0.5])
        self.calls = 0

    def __call__(self) -> float:
        self.calls += 1
        return next(self._values)

    def report(self) -> dict[str, Any]:
        return {"calls": self.calls}


def _decode_rand(spec: Mapping[str, Any]) -> Rand:
    return _registry.add(spec["id"], Rand([float(v) for v in spec.get("values", [])]))


class LogSink:
    """A callable that records (as JSON) what it is called with: its one argument, or the list
    of its arguments."""

    def __init__(self) -> None:
        self.records: list[Any] = []

    def __call__(self, *record: Any) -> None:
        record = record[0] if len(record) == 1 else list(record)
        try:
            self.records.append(answers.to_json(record))
        except answers.AnswerError:
            self.records.append(f"<{type(record).__name__}, not JSON>")

    def report(self) -> dict[str, Any]:
        return {"records": self.records}


def _decode_log(spec: Mapping[str, Any]) -> LogSink:
    return _registry.add(spec["id"], LogSink())


def _decode_exception(spec: Mapping[str, Any]) -> Any:
    if "names" in spec:
        return tuple(EXCEPTIONS[name] for name in spec["names"])
    return EXCEPTIONS[spec["name"]]


class Target:
    """The function a check's decorator is applied to: counts calls, may cost clock time,
    may fail a number of times, may run SQL on the connection it is given."""

    def __init__(self, spec: Mapping[str, Any]):
        self.calls: list[Any] = []
        self.returns = spec.get("returns", "echo")
        self.cost = float(spec.get("cost", 0))
        self.clock = _registry.clock(spec["clock"]) if spec.get("clock") else None
        self.fail_times = int(spec.get("fail_times", 0))
        self.exception = EXCEPTIONS[spec.get("exception", "ConnectionError")]
        self.sql = list(spec.get("sql") or [])
        self.fail_after_sql = bool(spec.get("fail_after_sql"))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        connection, rest = (args[0], args[1:]) if self.sql else (None, args)
        self.calls.append(answers.to_json([list(rest), kwargs]))
        if self.clock is not None:
            self.clock.now += self.cost
        for statement in self.sql:
            connection.execute(statement)
        if self.fail_after_sql:
            raise self.exception("the work failed after writing")
        if len(self.calls) <= self.fail_times:
            raise self.exception(f"attempt {len(self.calls)} failed")
        if self.returns == "echo":
            return {"args": list(rest), "kwargs": kwargs, "call": len(self.calls)}
        return self.returns

    def report(self) -> dict[str, Any]:
        return {"calls": self.calls}


def _make_target(spec: Mapping[str, Any]) -> Callable[..., Any]:
    """A plain function (with a name and docstring, as decorators expect) around a Target."""
    target = _registry.add(spec["id"], Target(spec))

    def work(*args: Any, **kwargs: Any) -> Any:
        return target(*args, **kwargs)

    work.__name__ = work.__qualname__ = str(spec.get("name", "work"))
    work.__doc__ = str(spec.get("doc", "Do some work."))
    return work


def _decode_target(spec: Mapping[str, Any]) -> Callable[..., Any]:
    return _make_target(spec)


# Kind -> builder of the live probe, installed by prodev.runtime.registry.
DECODERS = {
    "source": _decode_source,
    "pager": _decode_pager,
    "db": _decode_db,
    "opener": _decode_opener,
    "clock": _decode_clock,
    "sleep": _decode_sleep,
    "rand": _decode_rand,
    "log": _decode_log,
    "exception": _decode_exception,
    "target": _decode_target,
}
