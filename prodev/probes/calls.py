"""Probes on the grader's side: what checks write.

`source(...)`, `pager(...)`, `clock()` and friends describe probes as JSON; `probe_call(student,
...)`, `probe_with` and `probe_decorate` build a grader-side recorder for each probe
(`prodev.probes.recorders`), ask the student's process to run a function on stubs of them
(`prodev.probes.stubs`), answer every stub call as it happens, and return the student's answer
together with what the recorders observed. Observations never come from the student's process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prodev.probes.recorders import Recorders
from prodev.probes.stubs import EXCEPTIONS

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
    chunk: int | None = None,
) -> dict[str, Any]:
    """An iterator over `items`, over `bookings` generated (status, nights, total_price) rows,
    or else endless integers, whose items the grader hands out `chunk` at a time (1 unless
    given, 500 for bookings; the grader counts every item it hands out as pulled)."""
    return _spec(
        "source",
        id=probe_id,
        items=items,
        bookings=bookings,
        seed=seed,
        start=start,
        limit=limit,
        chunk=chunk,
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


def same_database(probe_id: str = "db") -> dict[str, Any]:
    """The database probe `probe_id` of the same request once more (a later call of a script
    that gets the same connection), without building a second one."""
    return {"__prodev__": "stub", "kind": "db", "id": probe_id}


def opener(probe_id: str, fail: bool = False) -> dict[str, Any]:
    """A callable that opens a tracked resource named `probe_id` (or raises ConnectionError)."""
    return _spec("opener", id=probe_id, fail=fail)


def clock(probe_id: str = "clock") -> dict[str, Any]:
    """A fake clock: calling it returns the time, which moves only by sleeps and work."""
    return _spec("clock", id=probe_id)


def sleep(clock_id: str = "clock") -> dict[str, Any]:
    """The fake clock's `sleep(seconds)`: records each sleep and advances the clock."""
    return _spec("sleep", clock=clock_id)


def async_sleep(clock_id: str = "clock", cancel_on: int | None = None) -> dict[str, Any]:
    """The fake clock's `asyncio.sleep(seconds)`, an `async def`: records each awaited wait,
    and how many turns a sibling task on the loop took during it (none if the loop was
    blocked). With `cancel_on=n`, the task awaiting the n-th wait is cancelled during it."""
    return _spec("async_sleep", clock=clock_id, cancel_on=cancel_on)


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
    (seconds of `clock` time a call takes), clock, fail_times, exception (a name in EXCEPTIONS,
    or "KeyboardInterrupt": raised in the student's process only), sql, fail_after_sql;
    coroutine (an `async def` function, for `probe_decorate_async`) and cancel_on (its n-th
    call is cancelled: the task awaiting it meets `asyncio.CancelledError`)."""
    return {"id": probe_id, **options}


def _ask(student: Any, request: dict[str, Any], target_spec: Any = None) -> dict[str, Any]:
    """Send `request` with its probes replaced by stubs, serve the stubs' calls, and return the
    student's answer with the recorders' observations ("probes", "events", "memory_growth")."""
    recorders, sent = Recorders.build(request)
    try:
        if target_spec is not None:
            sent["target"] = recorders.add_target(target_spec)
        answer = student.ask(sent, callbacks=recorders)
        observed = recorders.reports()
    finally:
        recorders.dispose()
    return {**answer, **observed}


def probe_call(
    student: Any,
    name: str,
    *args: Any,
    take: int | str | None = None,
    close: bool = False,
    measure_memory: bool = False,
    **kwargs: Any,
) -> dict[str, Any]:
    """Call the student's `name` on probes. With `take`, pull that many items (or "all") from
    the result, then with `close` close it (as a caller that stops early does). Returns
    {"value", "iterator", "probes", "events", "memory_growth"}; with `measure_memory`,
    "memory_growth" is the most the process's memory grew (in bytes) over its size when the
    request arrived, sampled at every probe call by the sandbox's warm parent (outside the
    student's process; in a self-check, by tracemalloc)."""
    return _ask(
        student,
        {
            "op": "probe_call",
            "name": name,
            "args": list(args),
            "kwargs": kwargs,
            "take": take,
            "close": close,
            "measure_memory": measure_memory,
        },
    )


def probe_interleave(
    student: Any, name: str, shared: Any, calls: list[list[Any]], take: int
) -> dict[str, Any]:
    """Call the student's `name(shared, *args)` once per argument list in `calls` (one probe
    `shared` by every call, say one connection), then pull one item from each result in turn,
    `take` from each at most. Returns {"value": one list per call, "probes", "events"}."""
    request = {
        "op": "probe_interleave",
        "name": name,
        "shared": shared,
        "calls": calls,
        "take": int(take),
    }
    return _ask(student, request)


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
            "caller": _spec("caller", id="caller"),
        },
    )


def raised(got: Mapping[str, Any]) -> list[str | None]:
    """What came out of each `with` statement (`probe_with`) or each call of the wrapper
    (`probe_decorate`, `probe_decorate_async`), as the grader's caller stub was told when it
    happened: the exception's class name, or None when nothing was raised. Checks take whether
    an exception propagated from here, never from the op's own answer, which the notebook's
    process writes."""
    return [t and t["raised"] for t in got["probes"]["caller"]["told"]]


def raised_message(got: Mapping[str, Any], index: int = 0) -> str | None:
    """The message of the exception the caller stub was told about at `index`, if any."""
    told = got["probes"]["caller"]["told"][index]
    return told and told["message"]


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
    Returns {"wrapper": {"name", "doc", "wrapped"}, "steps", "probes", "events"}; the target's
    calls are in probes[target id]["calls"]."""
    request = {
        "op": "probe_decorate",
        "name": name,
        "args": list(args),
        "kwargs": kwargs,
        "factory": factory,
        "target": {"sql": list(target_spec.get("sql") or [])},  # its statements are allowed
        "script": script,
        "caller": _spec("caller", id="caller"),
    }
    return _ask(student, request, target_spec)


def probe_decorate_async(
    student: Any,
    name: str,
    target_spec: dict[str, Any],
    script: list[dict[str, Any]],
    *args: Any,
    clock_id: str = "clock",
    **kwargs: Any,
) -> dict[str, Any]:
    """Decorate an `async def` probe target (`target(..., coroutine=True)`) with the student's
    factory `name(*args, **kwargs)` and await the wrapper once per script step ({"args": [...],
    "kwargs": {...}}) in an event loop where a sibling task ticks `clock_id` at each of its
    turns. Returns {"wrapper": {"name", "doc", "wrapped", "coroutine_function"}, "steps",
    "probes", "events"}; a step is {"value"}, {"raised", "message"} or {"cancelled": True}
    (the task ended cancelled). The clock's "waits" say which waits were awaited and how many
    ticks fell inside each."""
    request = {
        "op": "probe_decorate_async",
        "name": name,
        "args": list(args),
        "kwargs": kwargs,
        "target": {},
        "script": script,
        "clock": clock_id,
        "caller": _spec("caller", id="caller"),
    }
    return _ask(student, request, {**target_spec, "coroutine": True})
