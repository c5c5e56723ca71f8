"""The explicit list of what a student's process can build and answer.

Argument decoders turn a JSON spec (`{"__prodev__": KIND, ...}`) into a live object handed to a
student's function; request ops answer further kinds of request (`probe_call`, `orm_call`...).
`default_registry()` installs the course's own, from the modules named below, once per process;
nothing registers itself on import, so there is no import cycle to keep the list complete.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

ArgumentDecoder = Callable[[Mapping[str, Any]], Any]
# op(namespace, request, decode) -> the JSON answer, or raises AnswerError
RequestOp = Callable[[Mapping[str, Any], Mapping[str, Any], Callable[[Any], Any]], Any]


def open_duckdb(spec: Mapping[str, Any]) -> Any:
    """A read-only DuckDB connection to a dataset the grader mounted."""
    import duckdb

    return duckdb.connect(str(spec["path"]), read_only=True)


def open_sqlite(spec: Mapping[str, Any]) -> Any:
    """A read-only SQLite connection to a dataset the grader mounted."""
    import sqlite3

    return sqlite3.connect(f"file:{spec['path']}?mode=ro", uri=True)


class Registry:
    """Decoders by kind and request ops by name."""

    def __init__(self) -> None:
        self.decoders: dict[str, ArgumentDecoder] = {}
        self.ops: dict[str, RequestOp] = {}

    def register_decoder(self, kind: str, decoder: ArgumentDecoder) -> None:
        self.decoders[kind] = decoder

    def register_op(self, name: str, op: RequestOp) -> None:
        self.ops[name] = op

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
        from prodev.probes import ops, stubs, suites

        registry = Registry()
        registry.register_decoder("duckdb", open_duckdb)
        registry.register_decoder("sqlite", open_sqlite)
        for kind, decoder in {**stubs.DECODERS, **suites.DECODERS}.items():
            registry.register_decoder(kind, decoder)
        for name, op in ops.OPS.items():
            registry.register_op(name, op)
        _default = registry
    return _default
