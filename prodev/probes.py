"""Instrumented arguments that let checks observe *how* a student's code behaves.

Only JSON crosses between the grader and the student's code, yet some lessons are about
behaviour that a return value cannot show: how much of a source a generator read, whether a
cursor was fetched in batches, whether a resource was closed when the body raised, how long a
retry slept. A check describes a probe in JSON (`{"__prodev__": "source", "id": "src", ...}`);
inside the student's process the probe is built as a live object (an endless iterator that counts
what was pulled, a fake clock, a flaky function, a tracked resource...), handed to the student's
function, and afterwards its observations come back as JSON alongside the result.

Two halves live here because both must agree on the same JSON shapes:

- the *student side* (decoders and three request ops registered with `prodev.answers`), which
  runs in the sandboxed worker and in a student's own kernel for self-checks;
- the *grader side* (`source(...)`, `probe_call(student, ...)` and friends), which checks use.
"""

from __future__ import annotations

import builtins
import itertools
import random
import tracemalloc
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prodev import answers

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


class ProbeLimitError(RuntimeError):
    """A probe refused to go on: the answer read far more than the question allows."""


class BodyError(Exception):
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


for _kind, _decoder in {
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
}.items():
    answers.register_decoder(_kind, _decoder)


# ---- request ops ----------------------------------------------------------------------------


def _function(namespace: Mapping[str, Any], name: str) -> Callable[..., Any]:
    fn = answers._lookup(namespace, name)
    if not callable(fn):
        raise answers.AnswerError("not_callable", f"`{name}` should be a function")
    return fn


def _args(request: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    args = [answers._decode(a) for a in request.get("args", [])]
    kwargs = {k: answers._decode(v) for k, v in request.get("kwargs", {}).items()}
    return args, kwargs


def _describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _op_call(namespace: Mapping[str, Any], request: Mapping[str, Any]) -> Any:
    """Call a function on probes; optionally pull `take` items from what it returns and
    measure the peak memory allocated meanwhile."""
    registry = _reset()
    fn = _function(namespace, request["name"])
    args, kwargs = _args(request)
    take = request.get("take")
    trace = bool(request.get("trace_memory"))
    was_tracing = tracemalloc.is_tracing()
    if trace:
        if was_tracing:
            tracemalloc.reset_peak()
        else:
            tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
    try:
        result = fn(*args, **kwargs)
        is_iterator = hasattr(result, "__next__")
        if take is not None:
            if not hasattr(result, "__iter__"):
                raise answers.AnswerError(
                    "not_iterable",
                    f"`{request['name']}` returned a {type(result).__name__}, which cannot be "
                    "iterated: yield the items (or return an iterator)",
                )
            limit = MAX_TAKE if take == "all" else int(take)
            result = list(itertools.islice(result, limit))
        peak = tracemalloc.get_traced_memory()[1] - base if trace else None
    finally:
        if trace and not was_tracing:
            tracemalloc.stop()
    return {
        "value": answers.to_json(result),
        "iterator": is_iterator,
        "peak_bytes": peak,
        **registry.reports(),
    }


def _run_body(value: Any, body: Mapping[str, Any]) -> None:
    for statement in body.get("sql", []):
        if not hasattr(value, "execute"):
            raise TypeError(f"the `with` block got a {type(value).__name__}, which cannot run SQL")
        value.execute(statement)
    if body.get("raise"):
        raise BodyError("the with-block failed on purpose")


def _op_with(namespace: Mapping[str, Any], request: Mapping[str, Any]) -> Any:
    """Enter the student's context manager, run a body (SQL, then maybe raise), exit, report."""
    registry = _reset()
    fn = _function(namespace, request["name"])
    args, kwargs = _args(request)
    manager = fn(*args, **kwargs)
    if not (hasattr(manager, "__enter__") and hasattr(manager, "__exit__")):
        raise answers.AnswerError(
            "not_context_manager",
            f"`{request['name']}(...)` returned a {type(manager).__name__}, not a context "
            "manager: decorate it with @contextmanager (or write __enter__ and __exit__)",
        )
    try:
        value = manager.__enter__()
    except NotImplementedError:
        raise  # a blank answer: reported as "not answered yet"
    except Exception as exc:  # noqa: BLE001 (failing to enter is an observation too)
        return {"entered": None, "outcome": "enter raised " + _describe(exc), **registry.reports()}
    entered = _entered(value)
    body = request.get("body") or {}
    outcome = "completed"
    try:
        _run_body(value, body)
    except BaseException as exc:  # noqa: BLE001 (the body's failure is what we observe)
        on_purpose = isinstance(exc, BodyError)
        try:
            suppressed = manager.__exit__(type(exc), exc, exc.__traceback__)
        except BaseException as raised:  # noqa: BLE001
            outcome = "propagated" if raised is exc else "replaced by " + _describe(raised)
        else:
            outcome = "suppressed" if suppressed else "propagated"
        if not on_purpose:
            outcome = f"body failed ({_describe(exc)}); " + outcome
    else:
        try:
            manager.__exit__(None, None, None)
        except Exception as raised:  # noqa: BLE001
            outcome = "exit raised " + _describe(raised)
    return {"entered": entered, "outcome": outcome, **registry.reports()}


def _entered(value: Any) -> Any:
    """What the `with` statement bound, described in JSON."""
    if isinstance(value, Resource):
        return value.name
    if isinstance(value, list | tuple):
        return [_entered(v) for v in value]
    if isinstance(value, TrackedConnection):
        return "connection"
    return type(value).__name__


def _op_decorate(namespace: Mapping[str, Any], request: Mapping[str, Any]) -> Any:
    """Apply the student's decorator (or decorator factory) to a probe target, then run a
    script of calls and other steps against the wrapper, recording each outcome."""
    registry = _reset()
    fn = _function(namespace, request["name"])
    args, kwargs = _args(request)
    target = _make_target(request["target"])
    decorator = fn(*args, **kwargs) if request.get("factory", True) else fn
    wrapper = decorator(target)
    if not callable(wrapper):
        raise answers.AnswerError(
            "not_callable",
            f"decorating with `{request['name']}` gave a {type(wrapper).__name__}, not a "
            "function: return the wrapper",
        )
    steps = []
    for step in request.get("script", []):
        if "advance" in step:
            registry.clock(step.get("clock", "clock")).now += float(step["advance"])
            steps.append({"advanced": step["advance"]})
            continue
        call = getattr(wrapper, step["attr"], None) if "attr" in step else wrapper
        if call is None:
            steps.append({"missing": step["attr"]})
            continue
        call_args = [answers._decode(a) for a in step.get("args", [])]
        try:
            steps.append({"value": answers.to_json(call(*call_args, **step.get("kwargs", {})))})
        except answers.AnswerError as exc:
            steps.append({"not_json": str(exc)})
        except Exception as exc:  # noqa: BLE001 (what the wrapper raises is the observation)
            steps.append({"raised": type(exc).__name__, "message": str(exc)[:200]})
    return {
        "wrapper": {
            "name": getattr(wrapper, "__name__", None),
            "doc": getattr(wrapper, "__doc__", None),
            "wrapped": getattr(wrapper, "__wrapped__", None) is target,
        },
        "steps": steps,
        **registry.reports(),
    }


answers.register_op("probe_call", _op_call)
answers.register_op("probe_with", _op_with)
answers.register_op("probe_decorate", _op_decorate)


# ---------------------------------------------------------------------------------------------
# Grader side: what checks write
# ---------------------------------------------------------------------------------------------


def _spec(kind: str, **fields: Any) -> dict[str, Any]:
    return {"__prodev__": kind, **{k: v for k, v in fields.items() if v is not None}}


def source(
    probe_id: str = "source",
    items: list[Any] | None = None,
    *,
    bookings: int | None = None,
    seed: int = 0,
    start: int = 0,
    limit: int | None = None,
) -> dict[str, Any]:
    """An iterator in the student's process that counts what was pulled: over `items`, over
    `bookings` generated (status, nights, total_price) rows, or else endless integers."""
    return _spec(
        "source", id=probe_id, items=items, bookings=bookings, seed=seed, start=start, limit=limit
    )


def pager(probe_id: str = "pager", total: int | None = None) -> dict[str, Any]:
    """A `fetch_page(offset, limit)` over 0..total-1 (endless if None) recording each call."""
    return _spec("pager", id=probe_id, total=total)


def database(
    probe_id: str = "db",
    tables: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    path: str | None = None,
    snapshot: list[str] | None = None,
) -> dict[str, Any]:
    """A DuckDB connection that records executes and fetches: an in-memory database built from
    `tables` ({name: {"columns": [[name, type], ...], "rows": [...]}}) or a read-only file."""
    return _spec("db", id=probe_id, tables=tables, path=path, snapshot=snapshot)


def opener(probe_id: str, fail: bool = False) -> dict[str, Any]:
    """A callable that opens a tracked resource named `probe_id` (or raises ConnectionError)."""
    return _spec("opener", id=probe_id, fail=fail)


def clock(probe_id: str = "clock") -> dict[str, Any]:
    """A fake clock: calling it returns the time, which moves only by sleeps and work."""
    return _spec("clock", id=probe_id)


def sleep(clock_id: str = "clock") -> dict[str, Any]:
    """The fake clock's `sleep(seconds)`: records each sleep and advances the clock."""
    return _spec("sleep", clock=clock_id)


def rand(values: list[float], probe_id: str = "rand") -> dict[str, Any]:
    """A `random.random` stand-in returning `values` in a cycle."""
    return _spec("rand", id=probe_id, values=values)


def log(probe_id: str = "log") -> dict[str, Any]:
    """A callable that records every record it is given."""
    return _spec("log", id=probe_id)


def exception(name: str) -> dict[str, Any]:
    """A built-in exception class, by name (see EXCEPTIONS)."""
    if name not in EXCEPTIONS:
        raise ValueError(f"unknown exception {name!r}: choose from {sorted(EXCEPTIONS)}")
    return _spec("exception", name=name)


def exceptions(*names: str) -> dict[str, Any]:
    """A tuple of built-in exception classes, as `except` clauses and `retry_on` expect."""
    unknown = [n for n in names if n not in EXCEPTIONS]
    if unknown:
        raise ValueError(f"unknown exceptions {unknown}: choose from {sorted(EXCEPTIONS)}")
    return _spec("exception", names=list(names))


def target(probe_id: str = "target", **options: Any) -> dict[str, Any]:
    """A function to decorate. Options: name, doc, returns ("echo" or a JSON value), cost
    (seconds of `clock` time a call takes), clock, fail_times, exception, sql, fail_after_sql."""
    return {"id": probe_id, **options}


def _ask(student: Any, request: dict[str, Any]) -> dict[str, Any]:
    return student._ask(request)


def probe_call(
    student: Any,
    name: str,
    *args: Any,
    take: int | str | None = None,
    trace_memory: bool = False,
    **kwargs: Any,
) -> dict[str, Any]:
    """Call the student's `name` on probes. With `take`, pull that many items (or "all") from
    the result. Returns {"value", "iterator", "peak_bytes", "probes", "events"}."""
    return _ask(
        student,
        {
            "op": "probe_call",
            "name": name,
            "args": list(args),
            "kwargs": kwargs,
            "take": take,
            "trace_memory": trace_memory,
        },
    )


def probe_with(
    student: Any,
    name: str,
    *args: Any,
    sql: list[str] | None = None,
    fail: bool = False,
    **kwargs: Any,
) -> dict[str, Any]:
    """Use `with name(*args) as value:` running `sql` on value, then raising if `fail`.
    Returns {"entered", "outcome", "probes", "events"}; outcome is "completed",
    "propagated", "suppressed", "replaced by ..." or "exit raised ..."."""
    return _ask(
        student,
        {
            "op": "probe_with",
            "name": name,
            "args": list(args),
            "kwargs": kwargs,
            "body": {"sql": sql or [], "raise": fail},
        },
    )


def probe_decorate(
    student: Any,
    name: str,
    target_spec: dict[str, Any],
    script: list[dict[str, Any]],
    *args: Any,
    factory: bool = True,
    **kwargs: Any,
) -> dict[str, Any]:
    """Decorate a probe target with the student's `name` (called with args first if `factory`)
    and run `script`: steps {"args": [...], "kwargs": {...}} call the wrapper, {"attr": "clear",
    "args": [...]} call one of its attributes, {"advance": s, "clock": id} move a clock.
    Returns {"wrapper": {"name", "doc", "wrapped"}, "steps", "probes", "events"}."""
    return _ask(
        student,
        {
            "op": "probe_decorate",
            "name": name,
            "args": list(args),
            "kwargs": kwargs,
            "factory": factory,
            "target": target_spec,
            "script": script,
        },
    )
