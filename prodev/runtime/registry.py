"""The explicit list of what a student's process can build and answer.

Argument decoders turn a JSON spec (`{"__prodev__": KIND, ...}`) into a live object handed to a
student's function; request ops answer further kinds of request (`probe_call`, `orm_call`...);
jobs are work the grader has done in a *fresh* process beside the student's (see `FRESH_OP`).
`default_registry()` installs the course's own, from the modules named below, once per process;
nothing registers itself on import, so there is no import cycle to keep the list complete.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

ArgumentDecoder = Callable[[Mapping[str, Any]], Any]
# op(namespace, request, decode) -> the JSON answer, or raises AnswerError
RequestOp = Callable[[Mapping[str, Any], Mapping[str, Any], Callable[[Any], Any]], Any]
# job(payload, namespace) -> (exit status, JSON report). In grading, a job runs in a child forked
# from the sandbox's warm parent, where no student code ran (namespace None); in a self-check it
# runs in the student's own process, on the notebook's namespace.
Job = Callable[[Mapping[str, Any], Mapping[str, Any] | None], tuple[int, Any]]
# The request that asks for a job. The grader's sandboxed student routes it to the warm parent,
# never to the notebook's process; `serve` answers it in-process for self-checks.
FRESH_OP = "fresh"


def open_duckdb(spec: Mapping[str, Any]) -> Any:
    """A read-only DuckDB connection to a dataset the grader mounted."""
    import duckdb

    return duckdb.connect(str(spec["path"]), read_only=True)


# Planted databases already built in this process, by their script: a check sends the same
# script for every question it asks, and building costs about 100 ms where a cursor costs 1 ms.
_PLANTED: dict[str, Any] = {}
_PLANTED_KEPT = 4


def open_duckdb_script(spec: Mapping[str, Any]) -> Any:
    """A connection to an in-memory DuckDB built by the trusted script a check sent (planted
    rows) and shut off from files and extensions, for the student's query to run on.

    The database is built once per script in this process; each request gets its own cursor in a
    transaction that closing it rolls back, so one query's writes never reach the next."""
    import duckdb

    setup = str(spec["setup"])
    key = hashlib.sha256(setup.encode()).hexdigest()
    planted = _PLANTED.pop(key, None)
    if planted is None:
        planted = duckdb.connect()
        for statement in duckdb.extract_statements(setup):
            planted.execute(statement.query)
        for setting in (
            "enable_external_access = false",
            "threads = 1",
            "lock_configuration = true",
        ):
            planted.execute(f"SET {setting}")
        while len(_PLANTED) >= _PLANTED_KEPT:
            _PLANTED.pop(next(iter(_PLANTED))).close()
    _PLANTED[key] = planted  # the most recently used last
    cursor = planted.cursor()
    cursor.begin()
    return cursor


def open_sqlite(spec: Mapping[str, Any]) -> Any:
    """A read-only SQLite connection to a dataset the grader mounted."""
    import sqlite3

    return sqlite3.connect(f"file:{spec['path']}?mode=ro", uri=True)


class Registry:
    """Decoders by kind and request ops by name."""

    def __init__(self) -> None:
        self.decoders: dict[str, ArgumentDecoder] = {}
        self.ops: dict[str, RequestOp] = {}
        self.jobs: dict[str, Job] = {}

    def register_decoder(self, kind: str, decoder: ArgumentDecoder) -> None:
        self.decoders[kind] = decoder

    def register_op(self, name: str, op: RequestOp) -> None:
        self.ops[name] = op

    def register_job(self, name: str, job: Job) -> None:
        self.jobs[name] = job

    def decode(self, arg: Any) -> Any:
        """Build the live object a JSON argument describes; plain JSON passes through."""
        if isinstance(arg, dict) and "__prodev__" in arg:
            return self.decoders[arg["__prodev__"]](arg)
        if isinstance(arg, list):
            return [self.decode(a) for a in arg]
        return arg


_default: Registry | None = None


def default_registry() -> Registry:
    """The process-wide registry with the course's decoders and ops installed."""
    global _default
    if _default is None:
        from prodev.kits import datamigration, dockerfiles, scratchjob, workflows
        from prodev.probes import ops, stubs, suites

        registry = Registry()
        registry.register_decoder("duckdb", open_duckdb)
        registry.register_decoder("duckdb_script", open_duckdb_script)
        registry.register_decoder("sqlite", open_sqlite)
        for kind, decoder in {**stubs.DECODERS, **suites.DECODERS}.items():
            registry.register_decoder(kind, decoder)
        for name, op in ops.OPS.items():
            registry.register_op(name, op)
        jobs = {**suites.JOBS, **scratchjob.JOBS, **dockerfiles.JOBS, **workflows.JOBS}
        jobs.update(datamigration.JOBS)
        for name, job in jobs.items():
            registry.register_job(name, job)
        registry.register_op(FRESH_OP, _fresh_in_process)
        _default = registry
    return _default


def _fresh_in_process(
    namespace: Mapping[str, Any], request: Mapping[str, Any], decode: Callable[[Any], Any]
) -> Any:
    """A job answered in this process (a self-check), in the shape the sandbox answers it."""
    job = default_registry().jobs.get(str(request.get("job")))
    if job is None:
        from prodev.runtime.answers import AnswerError

        raise AnswerError("bad_request", f"unknown job {request.get('job')!r}")
    status, report = job(request.get("payload") or {}, namespace)
    return {"exit": status, "timed_out": False, "report": report}
