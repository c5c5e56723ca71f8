"""Scratch databases built where students' code runs: the job behind labs 05 and 06.

A check that needs a student's SQL applied (DDL, indexes, a rewritten query) never runs it in the
grader. It sends this job a description of the scratch databases to build (an empty DuckDB or
SQLite, a copy of a dataset, the booking export, a Parquet lake), the student's script for each,
and a list of probes (insert this row, plan this query, count the work, compare the rows). In
grading the job runs in a fresh child of the sandbox's warm parent (no student Python ran there,
the sandbox's memory, CPU and time limits apply, and the sandbox is reset afterwards); in a
self-check it runs in the student's own process. Its report is JSON observations only, which the
check judges with the same helpers as before (`scratchdb.rejection_problem`...).

`prodev.kits.scratchplan` builds the request on the grader's side; `run_scratch_job` answers it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

SCRATCH_JOB = "scratch"
# A scratch database's engine -> its name in messages.
ENGINE_NAMES = {"duckdb": "DuckDB", "sqlite": "SQLite"}


# ---- the job (where the student's code runs) --------------------------------------------------


def _build(spec: Mapping[str, Any]) -> Any:
    from prodev.kits import scratchdb
    from prodev.kits.normalise import load_booking_export
    from prodev.kits.plans import sqlite_memory_copy

    engine = spec["engine"]
    if spec.get("lake"):
        import duckdb

        con = duckdb.connect(":memory:")
        con.execute(f"SET memory_limit = '{scratchdb.MEMORY_LIMIT_MB}MB'")
        # No spilling to a temp folder: past the limit a script fails instead of filling the disk.
        con.execute("SET temp_directory = ''")
        con.execute("SET allowed_directories = [?]", [str(spec["lake"])])
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    elif engine == "sqlite":
        setup = sqlite_memory_copy(spec["copy_of"]) if spec.get("copy_of") else None
        con = scratchdb.sqlite_scratch(setup)
    else:
        export = spec.get("export_of")
        con = scratchdb.duckdb_scratch(
            (lambda c: load_booking_export(c, export)) if export else None
        )
    if spec.get("setup"):
        scratchdb.apply_script(con, spec["setup"])
    if spec.get("script") is not None:
        allowed = spec.get("allowed") or scratchdb.DEFAULT_ALLOWED
        scratchdb.apply_script(con, spec["script"], allowed, label=spec.get("label", "your SQL"))
    return con


def _error_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _rows(con: Any, query: str, params: Sequence[Any]) -> tuple[list[str], list[tuple]]:
    from prodev.kits.scratchdb import fetch

    columns, rows = fetch(con, query, params)
    return columns, sorted(rows, key=repr)


def _probe(dbs: Mapping[str, Any], probe: Mapping[str, Any]) -> Any:
    from prodev.kits import normalise, plans, scratchdb

    con = dbs[probe["db"]]
    kind = probe["kind"]
    params = list(probe.get("params", []))
    if kind == "columns":
        return scratchdb.table_columns(con, probe["table"])
    if kind == "insert":
        rejection = scratchdb.try_insert(con, probe["table"], probe["row"])
        return None if rejection is None else rejection.__dict__
    if kind == "plan":
        return plans.sqlite_plan(con, probe["query"], params)
    if kind == "steps":
        return plans.sqlite_steps(con, probe["query"], params)
    if kind == "compare":
        other = dbs[probe.get("expected_db", probe["db"])]
        try:
            columns, rows = _rows(con, probe["query"], params)
        except Exception as exc:  # the student's query failed: that is an observation
            return {"error": _error_line(exc)}
        _, expected = _rows(other, probe.get("expected", probe["query"]), params)
        return {
            "columns": columns,
            "count": len(rows),
            "expected_count": len(expected),
            "same": rows == expected,
        }
    if kind == "speedup":
        runs = [(query, tuple(p)) for query, p in probe["runs"]]
        baseline_runs = [(query, tuple(p)) for query, p in probe.get("baseline_runs", runs)]

        def over(target: Any, work: list[tuple[str, tuple]]) -> Any:
            return lambda: [target.execute(query, p).fetchall() for query, p in work]

        baseline = over(dbs[probe.get("baseline", probe["db"])], baseline_runs)
        return plans.speedup(baseline, over(con, runs), repeats=int(probe.get("repeats", 5)))
    if kind == "profile":
        return plans.duckdb_profile(con, probe["query"]).__dict__
    if kind == "normal_forms":
        export = [d[0] for d in con.execute("SELECT * FROM booking_export LIMIT 0").description]
        tables = normalise.user_tables(con)
        return {
            "export_columns": export,
            "tables": tables,
            "lossless": normalise.lossless_problem(con, tables) if len(tables) >= 2 else None,
            "bcnf": normalise.bcnf_problems(con, tables),
            "lost": normalise.lost_dependencies(tables),
        }
    raise ValueError(f"unknown probe {kind!r}")


# Stands in a probe's query for the lake's bookings: the job fills in the lake's path as this
# process sees it (inside the sandbox the grader's path is not the same).
BOOKINGS_PLACEHOLDER = "{bookings}"


def _with_lake(probe: Mapping[str, Any], spec: Mapping[str, Any]) -> Mapping[str, Any]:
    if not spec.get("lake"):
        return probe
    from prodev.kits.plans import parquet_bookings

    bookings = parquet_bookings(spec["lake"])
    return {
        k: v.replace(BOOKINGS_PLACEHOLDER, bookings) if k in ("query", "expected") else v
        for k, v in probe.items()
    }


def run_scratch_job(
    payload: Mapping[str, Any], namespace: Mapping[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    """Build the databases, apply the scripts, run the probes; JSON observations."""
    from prodev.kits.scratchdb import ScriptError
    from prodev.runtime.answers import to_json

    dbs: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, spec in payload.get("databases", {}).items():
        try:
            dbs[name] = _build(spec)
        except ScriptError as exc:
            errors[name] = str(exc)
        except Exception as exc:  # a database that cannot be built: the student's SQL broke it
            errors[name] = f"{spec.get('label', 'your SQL')}: {_error_line(exc)}"
    results: list[Any] = []
    for probe in payload.get("probes", []):
        probe = _with_lake(probe, payload.get("databases", {}).get(probe["db"], {}))
        if probe["db"] in errors or probe.get("baseline") in errors:
            results.append(None)
            continue
        try:
            results.append(to_json(_probe(dbs, probe)))
        except Exception as exc:  # a probe on a database the student's SQL left odd
            results.append({"error": _error_line(exc)})
    for con in dbs.values():
        con.close()
    return 0, {"errors": errors, "results": results}


# Job name -> job, installed by prodev.runtime.registry.
JOBS = {SCRATCH_JOB: run_scratch_job}
