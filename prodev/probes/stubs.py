"""Probes on the student's side: thin stubs whose every call is answered by the grader.

A check describes its probes; the grader keeps each one as a recorder (`prodev.probes.recorders`)
and sends the student's process only a stub naming it (`{"__prodev__": "stub", "kind": ...,
"id": ...}`). The stubs built here hold no data and count nothing: each call (the next items of a
source, a page, a fetch, a clock reading, a sleep, a log record, a call of the decorated target)
crosses to the grader through the transport that the serving side connects, and returns what
the grader answers. Patching a stub can only change what is asked, never what was observed.
`DECODERS` maps each kind to its builder; `prodev.runtime.registry` installs them.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prodev.errors import UserError
from prodev.runtime import answers

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
        "TypeError",
    )
}


# What a check's target may raise beyond EXCEPTIONS: Ctrl-C, which `except Exception` misses.
INTERRUPT = "KeyboardInterrupt"


class ProbeInterrupt(KeyboardInterrupt):
    """The KeyboardInterrupt a check's target raises on purpose (a Ctrl-C in the middle of the
    work), so that a wrapper's `finally` or `except BaseException` is tested at that boundary."""


# The student's code sees a KeyboardInterrupt, by name too (`type(exc).__name__` in a log); the
# request ops tell it from a real Ctrl-C by its class.
ProbeInterrupt.__name__ = ProbeInterrupt.__qualname__ = "KeyboardInterrupt"


# What a check's async target may do instead of answering: cancel the task that awaits it.
CANCELLED = "CancelledError"
# How many turns an awaited probe sleep gives the event loop's other tasks while it "waits".
SLEEP_TURNS = 3


class ProbeCancel(Exception):  # noqa: N818 (a request, not an error)
    """The grader's word that an awaited target was cancelled: its stub cancels the task that
    awaits it, so the student's code meets a real `asyncio.CancelledError` at that `await`."""


class ProbeLimitError(UserError, RuntimeError):
    """A probe refused to go on: the answer read far more than the question allows."""


class BodyError(UserError):
    """The exception a check's `with` body raises on purpose."""


# (message) -> reply: set by whoever serves the grader's requests, for the request's duration.
Transport = Callable[[dict[str, Any]], Mapping[str, Any]]
_transport: Transport | None = None


def connect(transport: Transport | None) -> Transport | None:
    """Send probe calls through `transport` from now on; returns the previous one."""
    global _transport
    previous, _transport = _transport, transport
    return previous


def ask(probe: str, method: str, *args: Any) -> Any:
    """Call `method` of the grader's recorder `probe`; its exceptions are raised here."""
    if _transport is None:
        raise ProbeLimitError("this probe works only while a check is asking a question")
    reply = _transport({"probe": probe, "method": method, "args": [_as_json(a) for a in args]})
    if reply.get("ok") is True:
        return reply.get("value")
    name = str(reply.get("error", "RuntimeError"))
    if name == INTERRUPT:
        raise ProbeInterrupt(str(reply.get("message", "interrupted")))
    if name == CANCELLED:
        raise ProbeCancel(str(reply.get("message", "cancelled")))
    cls = ProbeLimitError if name == "ProbeLimitError" else EXCEPTIONS.get(name, RuntimeError)
    raise cls(str(reply.get("message", "the probe refused the call")))


def _as_json(value: Any) -> Any:
    if isinstance(value, StubConnection):
        return {"__probe__": value.probe_id}
    try:
        return answers.to_json(value)
    except answers.AnswerError:
        return f"<{type(value).__name__}, not JSON>"


def _row(row: Any) -> Any:
    return tuple(row) if isinstance(row, list) else row


class StubSource:
    """An iterator whose items come from the grader, `chunk` at a time."""

    def __init__(self, probe_id: str, chunk: int):
        self.probe_id = probe_id
        self._chunk = max(1, chunk)
        self._buffer: list[Any] = []
        self._done = False

    def __iter__(self) -> StubSource:
        return self

    def __next__(self) -> Any:
        if not self._buffer and not self._done:
            self._buffer = list(ask(self.probe_id, "next", self._chunk))[::-1]
            self._done = not self._buffer
        if not self._buffer:
            raise StopIteration
        return _row(self._buffer.pop())


class StubPager:
    """`fetch_page(offset, limit)`: each page is asked of the grader."""

    def __init__(self, probe_id: str):
        self.probe_id = probe_id

    def __call__(self, offset: int, limit: int) -> list[Any]:
        return list(ask(self.probe_id, "page", offset, limit))


class StubConnection:
    """A DuckDB-like connection (and its own cursor) whose database lives in the grader."""

    def __init__(self, probe_id: str):
        self.probe_id = probe_id

    def execute(self, query: str, parameters: Any = None) -> StubConnection:
        ask(self.probe_id, "execute", query, parameters)
        return self

    @property
    def description(self) -> Any:
        return [tuple(d) + (None,) * 5 for d in ask(self.probe_id, "description")]

    def fetchone(self) -> Any:
        return _row(ask(self.probe_id, "fetchone"))

    def fetchmany(self, size: int = 1) -> list[Any]:
        return [_row(r) for r in ask(self.probe_id, "fetchmany", size)]

    def fetchall(self) -> list[Any]:
        return [_row(r) for r in ask(self.probe_id, "fetchall")]

    def __iter__(self) -> Iterator[Any]:
        while (row := self.fetchone()) is not None:
            yield row

    def cursor(self) -> StubConnection:
        """A cursor of its own: a second connection to the same grader-side database, whose
        opening, use and closing the grader records apart from the connection's."""
        return StubConnection(str(ask(self.probe_id, "cursor")))

    def begin(self) -> None:
        ask(self.probe_id, "begin")

    def commit(self) -> None:
        ask(self.probe_id, "commit")

    def rollback(self) -> None:
        ask(self.probe_id, "rollback")

    def close(self) -> None:
        ask(self.probe_id, "close")

    def __enter__(self) -> StubConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class StubResource:
    """What an opener opened, itself a context manager: entering it, exiting it (with the
    exception that ended the block, if any) and closing it are reported to the grader."""

    def __init__(self, probe_id: str, name: str):
        self.probe_id = probe_id
        self.name = name

    def close(self) -> None:
        ask(self.probe_id, "close")

    def __enter__(self) -> StubResource:
        ask(self.probe_id, "enter")
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> bool:
        ask(self.probe_id, "exit", getattr(exc_type, "__name__", None))
        return False

    def to_json(self) -> str:
        return self.name


class StubCaller:
    """Stands for the code around the student's `with` block or awaited wrapper: the request op
    tells it, as it happens, which exception came out (or that none did), and that crosses to
    the grader."""

    def __init__(self, probe_id: str):
        self.probe_id = probe_id

    def told(self, exc: BaseException | None) -> None:
        if exc is None:
            ask(self.probe_id, "told")
        else:
            ask(
                self.probe_id,
                "told",
                type(exc).__name__,
                str(exc).splitlines()[0] if str(exc) else "",
            )


class StubOpener:
    """A callable that opens one resource (or raises the ConnectionError the grader sends)."""

    def __init__(self, probe_id: str):
        self.probe_id = probe_id

    def __call__(self) -> StubResource:
        return StubResource(self.probe_id, str(ask(self.probe_id, "open")))


class StubClock:
    """A clock read from the grader; its `sleep` is recorded there and moves it on."""

    def __init__(self, probe_id: str):
        self.probe_id = probe_id

    def __call__(self) -> float:
        return ask(self.probe_id, "now")

    def sleep(self, seconds: float) -> None:
        ask(self.probe_id, "sleep", seconds)

    async def async_sleep(self, seconds: float) -> None:
        """`asyncio.sleep` on the fake clock: the grader records the wait when it begins (only
        an awaited coroutine runs this body), the loop's other tasks get their turns while it
        lasts, and the grader records its end. The grader may cancel the task during it."""
        if ask(self.probe_id, "await_begin", seconds):
            _current_task().cancel()  # the CancelledError arrives at the next await, below
        for _ in range(SLEEP_TURNS):
            await asyncio.sleep(0)
        ask(self.probe_id, "await_end")


class StubRand:
    """A stand-in for `random.random` whose values the grader chooses."""

    def __init__(self, probe_id: str):
        self.probe_id = probe_id

    def __call__(self) -> float:
        return ask(self.probe_id, "next")


class StubLog:
    """A callable that sends what it is called with (one argument, or the list of them)."""

    def __init__(self, probe_id: str):
        self.probe_id = probe_id

    def __call__(self, *record: Any) -> None:
        ask(self.probe_id, "record", record[0] if len(record) == 1 else list(record))


def make_target(spec: Mapping[str, Any]) -> Callable[..., Any]:
    """A plain function (with a name and docstring, as decorators expect) whose calls run in
    the grader; with `connection`, its first argument must be the probe database's stub; with
    `coroutine`, an `async def` function instead (`make_async_target`)."""
    if spec.get("coroutine"):
        return make_async_target(spec)
    probe_id = str(spec["id"])
    takes_connection = bool(spec.get("connection"))

    def work(*args: Any, **kwargs: Any) -> Any:
        connection = None
        if takes_connection:
            first = args[0] if args else None
            connection = first.probe_id if isinstance(first, StubConnection) else repr(first)
            args = args[1:]
        return ask(probe_id, "call", list(args), dict(kwargs), connection)

    work.__name__ = work.__qualname__ = str(spec.get("name", "work"))
    work.__doc__ = str(spec.get("doc", "Do some work."))
    return work


def _current_task() -> asyncio.Task:
    task = asyncio.current_task()
    if task is None:
        raise RuntimeError("a probe coroutine must be awaited inside a running task")
    return task


def make_async_target(spec: Mapping[str, Any]) -> Callable[..., Any]:
    """An `async def` function whose calls run in the grader. It gives the event loop a turn
    before its work, as real I/O would; when the grader says this call is cancelled, it cancels
    the task awaiting it, which then meets `asyncio.CancelledError` as at any other `await`."""
    probe_id = str(spec["id"])

    async def work(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0)
        try:
            return ask(probe_id, "call", list(args), dict(kwargs), None)
        except ProbeCancel:
            _current_task().cancel()
        await asyncio.sleep(0)  # the CancelledError arrives here
        raise RuntimeError("the task was cancelled, but it went on")

    work.__name__ = work.__qualname__ = str(spec.get("name", "work"))
    work.__doc__ = str(spec.get("doc", "Do some work."))
    return work


def _decode_stub(spec: Mapping[str, Any]) -> Any:
    kind, probe_id = spec.get("kind"), str(spec.get("id"))
    if kind == "source":
        return StubSource(probe_id, int(spec.get("chunk", 1)))
    if kind == "pager":
        return StubPager(probe_id)
    if kind == "db":
        return StubConnection(probe_id)
    if kind == "opener":
        return StubOpener(probe_id)
    if kind == "caller":
        return StubCaller(probe_id)
    if kind == "clock":
        return StubClock(probe_id)
    if kind == "sleep":
        return StubClock(probe_id).sleep
    if kind == "async_sleep":
        return StubClock(probe_id).async_sleep
    if kind == "rand":
        return StubRand(probe_id)
    if kind == "log":
        return StubLog(probe_id)
    if kind == "target":
        return make_target(spec)
    raise ValueError(f"unknown probe kind {kind!r}")


def _decode_exception(spec: Mapping[str, Any]) -> Any:
    if "names" in spec:
        return tuple(EXCEPTIONS[name] for name in spec["names"])
    return EXCEPTIONS[spec["name"]]


# Kind -> builder of the student-side object, installed by prodev.runtime.registry.
DECODERS = {"stub": _decode_stub, "exception": _decode_exception}
