"""Probes: arguments that let checks observe *how* a student's code behaves.

Student side: `stubs` (the live objects), `ops` (request ops that call a student's function on
them), `suites` (running a student's test classes). Grader side, what checks import: this
package's names (from `calls`), `orm`, `mutants`, `practice`.
"""

from prodev.probes.calls import (
    clock,
    database,
    exception,
    exceptions,
    log,
    opener,
    pager,
    probe_call,
    probe_decorate,
    probe_with,
    rand,
    sleep,
    source,
    target,
)
from prodev.probes.stubs import booking_rows  # checks compute expected rows with it

__all__ = [
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
    "probe_with",
    "rand",
    "sleep",
    "source",
    "target",
]
