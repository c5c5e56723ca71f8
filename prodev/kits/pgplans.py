"""Lab 06 question 6: a student's index on a PostgreSQL copy of StayHub, judged by the plan.

The index is created as the scratch database's own role (`prodev.kits.pgscratch`); everything
after that is the check's: `VACUUM ANALYZE` and `EXPLAIN (ANALYZE, BUFFERS)` run as the admin
user, so the plan, the pages it touched and the index's size are the server's observations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prodev.kits import pgscratch

PENDING = (
    "SELECT booking_id, start_date FROM bookings "
    "WHERE status = 'pending' AND property_id = %s ORDER BY start_date"
)


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node of a JSON plan, parents first."""
    out, stack = [], [plan]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.get("Plans", []))
    return out


def explain(database: pgscratch.PgScratch, query: str, params: list[Any]) -> dict[str, Any]:
    """The plan of `query` after VACUUM ANALYZE, with actual rows and buffers (as the admin)."""
    import psycopg

    with psycopg.connect(database.admin_database_url(), autocommit=True) as admin:
        admin.execute("VACUUM ANALYZE bookings")
        rows = admin.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {query}", params)
        return rows.fetchone()[0][0]["Plan"]


def indexes(database: pgscratch.PgScratch) -> list[dict[str, Any]]:
    """The indexes on bookings other than its primary key: name, partial or not, entries."""
    rows = database.rows(
        "SELECT c.relname, i.indpred IS NOT NULL, c.reltuples::bigint FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = 'bookings'::regclass AND NOT i.indisprimary"
    )
    return [{"name": n, "partial": bool(p), "entries": int(e)} for n, p, e in rows]


def busiest_pending_property(database: pgscratch.PgScratch) -> int:
    """The property with the most pending bookings (ties: the lowest id)."""
    return database.rows(
        "SELECT property_id FROM bookings WHERE status = 'pending' "
        "GROUP BY property_id ORDER BY count(*) DESC, property_id LIMIT 1"
    )[0][0]


def plan_problem(plan: dict[str, Any], own: set[str]) -> str | None:
    """What keeps the plan from answering from one of `own` indexes alone, or None."""
    found = nodes(plan)
    kinds = [n["Node Type"] for n in found]
    scans = [n for n in found if n.get("Index Name") in own]
    if not scans:
        return f"the plan uses none of your indexes ({' > '.join(kinds)})"
    only = [n for n in scans if n["Node Type"] == "Index Only Scan"]
    if not only:
        return (
            f"the plan reads your index by {scans[0]['Node Type']}, then visits the table for "
            "the rows: PostgreSQL could not, or did not think it worth, answering from the index "
            "alone (which columns does the query read, and how many entries does the index hold?)"
        )
    if "Sort" in kinds:
        return (
            "the plan sorts the rows after reading your index: they do not come out of it in "
            "start_date order"
        )
    if any(int(n.get("Heap Fetches") or 0) for n in only):
        return "the index-only scan still fetched rows from the table"
    return None


def with_index(student: Any, dataset: str | Path) -> pgscratch.PgScratch:
    """A scratch copy of the StayHub `dataset` with the student's `pending_index` applied
    as the copy's own role (the caller drops it)."""
    ddl = student.value("pending_index")
    assert isinstance(ddl, str), "pending_index should be a string holding one CREATE INDEX"
    assert "NotImplementedError" not in ddl, "not answered yet: write your statement in the string"
    database = pgscratch.create(dataset)
    problem = database.apply(ddl)
    if problem is not None:
        database.drop()
        raise AssertionError(f"your statement failed on PostgreSQL: {problem}")
    return database
