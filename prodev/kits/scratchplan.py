"""The grader's side of scratch databases: describe them and the probes, read the observations.

A check builds a `ScratchPlan` (databases, the student's scripts, probes) and runs it through the
`student` fixture; the job that answers it is `prodev.kits.scratchjob`, run where the student's
code runs (in the sandbox when grading). Nothing of the student's SQL runs in the grader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from prodev.kits.scratchjob import ENGINE_NAMES, SCRATCH_JOB
from prodev.runtime.registry import FRESH_OP

__all__ = ["ENGINE_NAMES", "ScratchPlan", "ScratchReport"]


@dataclass
class ScratchPlan:
    """The databases to build and the probes to run on them, in order."""

    databases: dict[str, dict[str, Any]] = field(default_factory=dict)
    probes: list[dict[str, Any]] = field(default_factory=list)

    def database(
        self,
        name: str,
        engine: str,
        *,
        copy_of: str | None = None,
        export_of: str | None = None,
        lake: str | None = None,
        setup: str | None = None,
        script: Any = None,
        allowed: Sequence[str] | None = None,
        label: str = "your SQL",
    ) -> ScratchPlan:
        """Declare a scratch database: `engine` duckdb or sqlite; `copy_of` a SQLite file to copy
        in, `export_of` a StayHub dataset whose booking export is loaded, `lake` a Parquet folder
        it may read; then the trusted `setup` SQL, then the student's `script`."""
        self.databases[name] = {
            "engine": engine, "copy_of": copy_of, "export_of": export_of, "lake": lake,
            "setup": setup, "script": script, "label": label,
            "allowed": list(allowed) if allowed is not None else None,
        }  # fmt: skip
        return self

    def probe(self, db: str, kind: str, **spec: Any) -> int:
        """Add a probe; its index in the report's `results`."""
        self.probes.append({"db": db, "kind": kind, **spec})
        return len(self.probes) - 1

    def run(self, student: Any) -> ScratchReport:
        """Have the job run (in the sandbox when grading) and return what it observed."""
        reply = student.ask(
            {
                "op": FRESH_OP,
                "job": SCRATCH_JOB,
                "payload": {"databases": self.databases, "probes": self.probes},
            }
        )
        return ScratchReport.from_reply(reply)


@dataclass(frozen=True)
class ScratchReport:
    """What the job observed: `errors` per database (its script failed), probe `results`."""

    errors: dict[str, str]
    results: list[Any]

    @classmethod
    def from_reply(cls, reply: Any) -> ScratchReport:
        report = reply.get("report") if isinstance(reply, dict) else None
        if not isinstance(report, dict) or not isinstance(report.get("results"), list):
            if isinstance(reply, dict) and reply.get("timed_out"):
                why = "building the scratch databases ran past the time limit"
            else:
                why = "building the scratch databases failed (the SQL used too much memory?)"
            raise AssertionError(why)
        errors = report.get("errors") or {}
        return cls({str(k): str(v) for k, v in errors.items()}, report["results"])

    def rejection(self, index: int) -> Any:
        """The `insert` probe `index` as a scratchdb.Rejection, or None if the row got in."""
        from prodev.kits.scratchdb import Rejection

        found = self.results[index]
        if found is None:
            return None
        return Rejection(str(found["kind"]), found.get("column"), str(found["message"]))

    def value(self, index: int, label: str = "your SQL") -> Any:
        """Probe `index`'s observation; fail the check if the probe itself raised."""
        from prodev.kits.scratchdb import ScriptError

        found = self.results[index]
        if isinstance(found, dict) and set(found) == {"error"}:
            raise ScriptError(f"{label} failed: {found['error']}")
        return found

    def raise_for(self, *databases: str) -> None:
        """Fail the check with the student-facing error of the first database that failed."""
        from prodev.kits.scratchdb import ScriptError

        for name in databases:
            if name in self.errors:
                raise ScriptError(self.errors[name])
