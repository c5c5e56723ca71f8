"""Probes: arguments that let checks observe *how* a student's code behaves.

Student side: `stubs` (thin objects whose every call crosses to the grader), `ops` (request ops
that call a student's function on them), `suites` (running a student's test classes). Grader
side, what checks import: this package's names (from `calls`, which keeps one recorder per probe
in `recorders`), `orm`, `mutants`, `practice`.
"""

from prodev.probes.calls import (
    async_sleep,
    clock,
    database,
    exception,
    exceptions,
    log,
    opener,
    pager,
    probe_call,
    probe_decorate,
    probe_decorate_async,
    probe_interleave,
    probe_with,
    raised,
    raised_message,
    rand,
    same_database,
    sleep,
    source,
    target,
)
from prodev.probes.recorders import booking_rows  # checks compute expected rows with it

__all__ = [
    "async_sleep",
    "booking_rows",
    "clock",
    "database",
    "exception",
    "exceptions",
    "log",
    "opener",
    "pager",
    "probe_call",
    "probe_decorate",
    "probe_decorate_async",
    "probe_interleave",
    "probe_with",
    "raised",
    "raised_message",
    "rand",
    "same_database",
    "sleep",
    "source",
    "target",
]
