"""Request ops on the student's side: call a student function on probe stubs and return what
it returned (`probe_call`, `probe_with`, `probe_decorate`), or call an ORM function on the
database a check made for it, once (`orm_call`) or from several threads at once (`orm_race`).
`OPS` maps each request name to its op; `prodev.runtime.registry` installs them. Each op
receives `decode`, which turns JSON argument specs into live objects.

What the probes observed is not part of these answers: the grader recorded it as the stubs'
calls crossed to it (see `prodev.probes.recorders`). These ops return only values the student's
code produced (results, what a `with` bound, how a wrapper behaved).
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from prodev.probes.stubs import (
    BodyError,
    ProbeInterrupt,
    StubConnection,
    StubResource,
    ask,
    make_async_target,
    make_target,
)
from prodev.runtime import answers

Decode = Callable[[Any], Any]
# The most items `probe_call(..., take="all")` will pull from an answer's iterator.
MAX_TAKE = 100_000


# ---- request ops ----------------------------------------------------------------------------


def _function(namespace: Mapping[str, Any], name: str) -> Callable[..., Any]:
    fn = answers.lookup(namespace, name)
    if not callable(fn):
        raise answers.AnswerError("not_callable", f"`{name}` should be a function")
    return fn


def _args(request: Mapping[str, Any], decode: Decode) -> tuple[list[Any], dict[str, Any]]:
    args = [decode(a) for a in request.get("args", [])]
    kwargs = {k: decode(v) for k, v in request.get("kwargs", {}).items()}
    return args, kwargs


def _describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _op_call(namespace: Mapping[str, Any], request: Mapping[str, Any], decode: Decode) -> Any:
    """Call a function on probes; optionally pull `take` items from what it returns."""
    fn = _function(namespace, request["name"])
    args, kwargs = _args(request, decode)
    take = request.get("take")
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
        iterator = result
        result = list(itertools.islice(iterator, limit))
        if request.get("close") and hasattr(iterator, "close"):
            iterator.close()  # the caller stops early: a generator's cleanup runs now
    return {"value": answers.to_json(result), "iterator": is_iterator}


def _op_interleave(namespace: Mapping[str, Any], request: Mapping[str, Any], decode: Decode) -> Any:
    """Start one iterator per argument list, all sharing one first argument (one connection),
    then take an item from each in turn; each stops after `take` items or when it ends."""
    fn = _function(namespace, request["name"])
    shared = decode(request["shared"])
    streams = [iter(fn(shared, *[decode(a) for a in args])) for args in request["calls"]]
    taken: list[list[Any]] = [[] for _ in streams]
    live = set(range(len(streams)))
    while live:
        for index in sorted(live):
            if len(taken[index]) >= int(request["take"]):
                live.discard(index)
                continue
            try:
                taken[index].append(next(streams[index]))
            except StopIteration:
                live.discard(index)
    return {"value": answers.to_json(taken)}


def _run_body(value: Any, body: Mapping[str, Any]) -> None:
    for statement in body.get("sql", []):
        if not hasattr(value, "execute"):
            raise TypeError(f"the `with` block got a {type(value).__name__}, which cannot run SQL")
        value.execute(statement)
    if body.get("raise"):
        raise BodyError("the with-block failed on purpose")


def _caller(request: Mapping[str, Any], decode: Decode) -> Any:
    """The grader's caller stub the request brings, if any (checks always send one)."""
    return decode(request["caller"]) if request.get("caller") else None


def _tell(caller: Any, exc: BaseException | None) -> None:
    """Tell the grader's stand-in for the calling code what came out of the student's code."""
    if caller is not None:
        caller.told(exc)


def _op_with(namespace: Mapping[str, Any], request: Mapping[str, Any], decode: Decode) -> Any:
    """Enter the student's context manager, run a body (SQL, then maybe raise), exit; then tell
    the grader's caller stub which exception left the `with` statement, if any."""
    fn = _function(namespace, request["name"])
    args, kwargs = _args(request, decode)
    caller = _caller(request, decode)
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
        _tell(caller, exc)
        return {"entered": None, "outcome": "enter raised " + _describe(exc)}
    entered = _entered(value)
    body = request.get("body") or {}
    outcome = "completed"
    escaped: BaseException | None = None
    try:
        _run_body(value, body)
    except BaseException as exc:  # noqa: BLE001 (the body's failure is what we observe)
        on_purpose = isinstance(exc, BodyError)
        try:
            suppressed = manager.__exit__(type(exc), exc, exc.__traceback__)
        except BaseException as raised:  # noqa: BLE001
            escaped = raised
            outcome = "propagated" if raised is exc else "replaced by " + _describe(raised)
        else:
            escaped = None if suppressed else exc
            outcome = "suppressed" if suppressed else "propagated"
        if not on_purpose:
            outcome = f"body failed ({_describe(exc)}); " + outcome
    else:
        try:
            manager.__exit__(None, None, None)
        except Exception as raised:  # noqa: BLE001
            escaped = raised
            outcome = "exit raised " + _describe(raised)
    _tell(caller, escaped)
    return {"entered": entered, "outcome": outcome}


def _entered(value: Any) -> Any:
    """What the `with` statement bound, described in JSON."""
    if isinstance(value, StubResource):
        return value.name
    if isinstance(value, list | tuple):
        return [_entered(v) for v in value]
    if isinstance(value, StubConnection):
        return "connection"
    return type(value).__name__


def _op_decorate(namespace: Mapping[str, Any], request: Mapping[str, Any], decode: Decode) -> Any:
    """Apply the student's decorator (or decorator factory) to a probe target, then run a
    script of calls and other steps against the wrapper, recording each outcome; the grader's
    caller stub is told what each call raised (or that it returned)."""
    fn = _function(namespace, request["name"])
    args, kwargs = _args(request, decode)
    caller = _caller(request, decode)
    target = make_target(request["target"])
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
            ask(str(step.get("clock", "clock")), "advance", float(step["advance"]))
            steps.append({"advanced": step["advance"]})
            continue
        call = getattr(wrapper, step["attr"], None) if "attr" in step else wrapper
        if call is None:
            steps.append({"missing": step["attr"]})
            continue
        call_args = [decode(a) for a in step.get("args", [])]
        try:
            result = call(*call_args, **step.get("kwargs", {}))
        except ProbeInterrupt as exc:  # the target's Ctrl-C got through: observed, not obeyed
            _tell(caller, KeyboardInterrupt(str(exc)))
            steps.append({"raised": "KeyboardInterrupt", "message": str(exc)[:200]})
            continue
        except Exception as exc:  # noqa: BLE001 (what the wrapper raises is the observation)
            _tell(caller, exc)
            steps.append({"raised": type(exc).__name__, "message": str(exc)[:200]})
            continue
        _tell(caller, None)
        try:
            steps.append({"value": answers.to_json(result)})
        except answers.AnswerError as exc:
            steps.append({"not_json": str(exc)})
    return {
        "wrapper": {
            "name": getattr(wrapper, "__name__", None),
            "doc": getattr(wrapper, "__doc__", None),
            "wrapped": getattr(wrapper, "__wrapped__", None) is target,
        },
        "steps": steps,
    }


# The most turns the sibling task of `probe_decorate_async` takes in one step: an answer that
# awaits a real `asyncio.sleep` would otherwise keep it ticking for as long as it waits.
MAX_TICKS = 1_000


async def _ticker(clock_id: str, step: asyncio.Task) -> None:
    """A sibling task on the loop: at each of its turns it tells the grader's clock, so the
    grader sees whether the loop ran other tasks while the student's code waited."""
    for _ in range(MAX_TICKS):
        if step.done():
            return
        ask(clock_id, "tick")
        await asyncio.sleep(0)


async def _awaited(wrapper: Callable[..., Any], args: list[Any], kwargs: Any) -> Any:
    return await wrapper(*args, **kwargs)


async def _await_steps(
    wrapper: Callable[..., Any],
    script: Sequence[Mapping[str, Any]],
    decode: Decode,
    clock_id: str,
    caller: Any = None,
) -> list[dict[str, Any]]:
    """Await the wrapper once per step, each call a task of its own beside a ticker, as a
    server awaits a handler while it serves other requests; the grader's caller stub is told
    what each awaited call raised (or that it returned)."""
    steps = []
    for step in script:
        call_args = [decode(a) for a in step.get("args", [])]
        task = asyncio.create_task(_awaited(wrapper, call_args, step.get("kwargs", {})))
        ticker = asyncio.create_task(_ticker(clock_id, task))
        await asyncio.wait([task])
        ticker.cancel()
        await asyncio.gather(ticker, return_exceptions=True)
        if task.cancelled():
            _tell(caller, asyncio.CancelledError())
            steps.append({"cancelled": True})
            continue
        exc = task.exception()
        _tell(caller, exc)
        if exc is not None:
            steps.append({"raised": type(exc).__name__, "message": str(exc)[:200]})
            continue
        try:
            steps.append({"value": answers.to_json(task.result())})
        except answers.AnswerError as not_json:
            steps.append({"not_json": str(not_json)})
    return steps


def _op_decorate_async(
    namespace: Mapping[str, Any], request: Mapping[str, Any], decode: Decode
) -> Any:
    """Apply the student's decorator factory to an `async def` probe target, then await the
    wrapper for each step of a script on a fresh event loop (in a thread of its own, since a
    notebook's kernel already runs a loop in this one)."""
    fn = _function(namespace, request["name"])
    args, kwargs = _args(request, decode)
    target = make_async_target(request["target"])
    wrapper = fn(*args, **kwargs)(target)
    if not callable(wrapper):
        raise answers.AnswerError(
            "not_callable",
            f"decorating with `{request['name']}` gave a {type(wrapper).__name__}, not a "
            "function: return the wrapper",
        )
    caller = _caller(request, decode)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            script, clock = request.get("script", []), str(request["clock"])
            outcome["steps"] = asyncio.run(_await_steps(wrapper, script, decode, clock, caller))
        except BaseException as exc:  # noqa: BLE001 (raised again in the request's thread)
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="probe-loop", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return {
        "wrapper": {
            "name": getattr(wrapper, "__name__", None),
            "doc": getattr(wrapper, "__doc__", None),
            "wrapped": getattr(wrapper, "__wrapped__", None) is target,
            "coroutine_function": inspect.iscoroutinefunction(wrapper),
        },
        "steps": outcome["steps"],
    }


# ---- ORM calls (module 09) ------------------------------------------------------------------

# Seconds the threads of a race wait for each other at the barrier, and for the calls to end.
RACE_START_SECONDS = 10.0
RACE_END_SECONDS = 30.0


def _orm_function(namespace: Mapping[str, Any], name: str) -> Callable[..., Any]:
    fn = namespace.get(name)
    if fn is None:
        raise answers.AnswerError(
            "missing", f"`{name}` is not defined: run the cell where you define it"
        )
    if not callable(fn):
        raise answers.AnswerError("not_callable", f"`{name}` should be a function")
    return fn


def _outcome(fn: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict:
    """{"value": JSON result} or {"error": "Kind: message"}: what the student's call did."""
    try:
        return {"value": answers.to_json(fn(*args, **kwargs))}
    except answers.AnswerError as exc:
        return {"error": f"AnswerError: {exc}"}
    except Exception as exc:  # the student's code raised: that is an observation here
        first_line = str(exc).splitlines()[0][:200] if str(exc) else ""
        return {"error": f"{type(exc).__name__}: {first_line}"}


def _keeping(fn: Callable[..., Any], into: list[Any]) -> Callable[..., Any]:
    """`fn`, also keeping what it returned in `into` (the JSON form loses tuples and Decimals)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        into.append(fn(*args, **kwargs))
        return into[-1]

    return call


# How deep, and how many items of each list or tuple, `value_types` describes.
TYPES_DEPTH, TYPES_ITEMS = 2, 5


def value_types(value: Any, depth: int = 0) -> Any:
    """The Python types of a returned value, which its JSON form does not keep (a tuple becomes a
    list, a Decimal a float): a type's name, or {"type", "items"} for the first items of a list
    or tuple, two levels deep. Checks use it to tell a student which type came back."""
    name = type(value).__name__
    if isinstance(value, list | tuple) and depth < TYPES_DEPTH:
        return {"type": name, "items": [value_types(v, depth + 1) for v in value[:TYPES_ITEMS]]}
    return name


def _op_orm_call(namespace: Mapping[str, Any], request: Mapping[str, Any], decode: Decode) -> Any:
    """Student side: run one function on the database the check made for this call, which
    counts its statements; Django's previous database is put back afterwards."""
    from prodev.stayhub import orm

    fn = _orm_function(namespace, request["name"])
    saved = orm.current_default()
    orm.use_postgres(request["database"])
    try:
        from django.db import connection

        result: list[Any] = []
        outcome = _outcome(_keeping(fn, result), request.get("args", []), request.get("kwargs", {}))
        types = value_types(result[0]) if result and "error" not in outcome else None
        if connection.in_atomic_block:
            raise answers.AnswerError(
                "open_transaction",
                "the function returned inside an open transaction: use "
                "`with transaction.atomic():`",
            )
    finally:
        orm.restore_default(saved)
    if "error" in outcome and outcome["error"].startswith("AnswerError: "):
        raise answers.AnswerError("not_json", outcome["error"].removeprefix("AnswerError: "))
    return {"value": outcome.get("value"), "error": outcome.get("error"), "types": types}


def _op_orm_race(namespace: Mapping[str, Any], request: Mapping[str, Any], decode: Decode) -> Any:
    """Student side of a race: one thread per argument list, each with its own connection to
    the race's database, started together by a barrier. The check watches the server."""
    from prodev.stayhub import orm

    fn = _orm_function(namespace, request["name"])
    calls = [list(a) for a in request.get("calls", [])]
    saved = orm.current_default()
    orm.use_postgres(request["database"])
    outcomes: list[dict | None] = [None] * len(calls)
    barrier = threading.Barrier(len(calls)) if calls else None

    def run(index: int, args: list[Any]) -> None:
        from django.db import connections

        try:
            assert barrier is not None
            barrier.wait(timeout=RACE_START_SECONDS)
            outcomes[index] = _outcome(fn, args, {})
        except threading.BrokenBarrierError:
            outcomes[index] = {"error": "RuntimeError: the calls did not start together"}
        finally:
            connections.close_all()  # this thread's connection, which no one else would close

    threads = [
        threading.Thread(target=run, args=(i, args), name=f"race-{i}", daemon=True)
        for i, args in enumerate(calls)
    ]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + RACE_START_SECONDS + RACE_END_SECONDS
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
    finally:
        orm.restore_default(saved)
    return {"outcomes": [o or {"error": "TimeoutError: the call did not end"} for o in outcomes]}


# Request name -> op, installed by prodev.runtime.registry.
OPS = {
    "probe_call": _op_call,
    "probe_interleave": _op_interleave,
    "probe_with": _op_with,
    "probe_decorate": _op_decorate,
    "probe_decorate_async": _op_decorate_async,
    "orm_call": _op_orm_call,
    "orm_race": _op_orm_race,
}
