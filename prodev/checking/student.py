"""The grader's view of a student's answers: what every check talks to.

A check never touches student objects. It asks a `Student` for the JSON value of a name, the
JSON result of calling a function on inputs the check supplies, or the rows of a SQL answer run
on a dataset the check chooses. `InProcessStudent` answers from a namespace in this process (a
student's own self-check); the grading engine provides a subclass that forwards the same requests
to a sandboxed worker. Both go through `prodev.runtime.serve.serve`, so they behave the same.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodev.errors import UserError
from prodev.probes import stubs
from prodev.runtime.serve import serve

# Answers one probe call (a callback frame from the student's process) with a reply frame.
Callbacks = Callable[[dict[str, Any]], dict[str, Any]]


class StudentError(UserError, AssertionError):
    """The student's code could not produce an answer (missing name, exception, bad type...).

    It is an AssertionError so that a check that asks for an answer fails, rather than errors,
    when the answer cannot be had; the message is already written for the student.
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class QueryResult:
    """Column names and rows (lists of JSON values) of a student's query."""

    columns: list[str]
    rows: list[list[Any]]

    def __len__(self) -> int:
        return len(self.rows)


def duckdb_script(setup: str) -> dict[str, str]:
    """An argument that arrives as an in-memory DuckDB built by `setup`, a script the check
    wrote (planted rows): hidden checks run a student's query on it where the student's code
    runs, in the notebook's own process, as `sql` does with a dataset file."""
    return {"__prodev__": "duckdb_script", "setup": setup}


def duckdb_connection(path: str | Path) -> dict[str, str]:
    """An argument that arrives in the student's function as a read-only DuckDB connection."""
    return {"__prodev__": "duckdb", "path": str(path)}


def sqlite_connection(path: str | Path) -> dict[str, str]:
    """An argument that arrives in the student's function as a read-only sqlite3 connection."""
    return {"__prodev__": "sqlite", "path": str(path)}


class Student:
    """Ask questions of a student's notebook. Subclasses decide where the answers come from."""

    # True when the notebook runs in this very process (a self-check): checks that observe from
    # outside (a server per call) then use the cheaper local way.
    in_process = False

    def _request(self, request: dict[str, Any], callbacks: Callbacks | None = None) -> str:
        raise NotImplementedError

    def ask(self, request: dict[str, Any], callbacks: Callbacks | None = None) -> Any:
        """The JSON answer to `request`. While it is being served, every probe call the
        student's code makes is passed to `callbacks` (in the grader) and answered from there."""
        reply = json.loads(self._request(request, callbacks))
        if not reply.get("ok"):
            raise StudentError(reply.get("kind", "error"), reply.get("message", "no answer"))
        return reply["value"]

    def has(self, name: str) -> bool:
        """True if the notebook defines `name`."""
        return bool(self.ask({"op": "has", "name": name}))

    def is_stub(self, name: str) -> bool:
        """True if `name` is still the release's blank function (it only raises
        NotImplementedError). A check may then skip costly set-up: whatever the notebook says
        here, the check can only score less by believing it."""
        return bool(self.ask({"op": "stub", "name": name}))

    def value(self, name: str) -> Any:
        """The JSON value of a variable defined in the notebook."""
        return self.ask({"op": "value", "name": name})

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call the notebook's function `name` and return its result as JSON."""
        return self.ask({"op": "call", "name": name, "args": list(args), "kwargs": kwargs})

    def sql(self, name: str, database: str | Path | dict[str, str]) -> QueryResult:
        """Run the SQL string stored in `name` on a DuckDB database: a dataset file, read-only,
        or a `duckdb_script(...)`."""
        spec = database if isinstance(database, dict) else duckdb_connection(database)
        reply = self.ask({"op": "sql", "name": name, "database": spec})
        return QueryResult(reply["columns"], reply["rows"])

    def expose(self, port: int) -> str:
        """The URL at which the notebook reaches a service the check runs on 127.0.0.1:`port`.

        In-process the notebook shares the check's network, so it is the service's own URL; the
        grader's sandboxed student overrides this to forward the port into the sandbox.
        """
        return f"http://127.0.0.1:{port}"


class InProcessStudent(Student):
    """Answers from a namespace in this very process: for a student's own self-check only.

    Probe calls reach the check's recorders directly, in this process (a self-check is a
    convenience, not evidence); memory growth is sampled in this process at each probe call."""

    in_process = True

    def __init__(self, namespace: Mapping[str, Any]):
        self.namespace = namespace

    def _request(self, request: dict[str, Any], callbacks: Callbacks | None = None) -> str:
        # Round-trip through JSON exactly as the sandbox boundary does.
        request = json.loads(json.dumps(request))
        with _memory_sampled(bool(request.get("measure_memory"))) as growth:

            def transport(message: dict[str, Any]) -> dict[str, Any]:
                if callbacks is None:
                    return {"ok": False, "error": "RuntimeError", "message": "no probe here"}
                frame = {"event": "callback", **json.loads(json.dumps(message))}
                if growth is not None:
                    frame["memory_growth"] = growth()
                return json.loads(json.dumps(callbacks(frame)))

            previous = stubs.connect(transport)
            try:
                return serve(self.namespace, request)
            finally:
                stubs.connect(previous)


# The smallest block a stored Python object takes (a float takes 32 bytes, a short str more).
_MIN_BLOCK_BYTES = 32


@contextlib.contextmanager
def _memory_sampled(wanted: bool) -> Iterator[Callable[[], int] | None]:
    """A function giving how far this process's memory has grown since the start, or None.

    A long-lived kernel reuses memory it freed earlier, so its resident set may not grow when
    an answer stores a stream; the count of allocated object blocks does. Both are lower
    bounds of the growth, and the larger one is used."""
    if not wanted:
        yield None
        return
    statm = Path("/proc/self/statm")
    page = os.sysconf("SC_PAGE_SIZE") if statm.exists() else 0

    def resident() -> int:
        return int(statm.read_text().split()[1]) * page if page else 0

    base_resident, base_blocks = resident(), sys.getallocatedblocks()
    yield lambda: max(
        resident() - base_resident,
        (sys.getallocatedblocks() - base_blocks) * _MIN_BLOCK_BYTES,
    )
