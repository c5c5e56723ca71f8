"""Normal forms on data: the denormalised StayHub booking export, and tests of a decomposition.

Lesson 05 and lab 05 decompose `booking_export` (one wide row per booking). The checks prove a
decomposition right on data: every table in BCNF for the known dependencies, every dependency
inside one table, and the natural join of the tables equal to the export (lossless).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXPORT_COLUMNS: list[str] = [
    "booking_id",
    "start_date",
    "end_date",
    "status",
    "guest_id",
    "guest_email",
    "guest_name",
    "property_id",
    "property_name",
    "property_city",
    "property_country",
    "host_id",
    "host_email",
]

# A minimal cover of the export's functional dependencies: (determinant, dependents).
EXPORT_DEPENDENCIES: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("booking_id",), ("start_date", "end_date", "status", "guest_id", "property_id")),
    (("guest_id",), ("guest_email", "guest_name")),
    (("guest_email",), ("guest_id",)),
    (("property_id",), ("property_name", "property_city", "host_id")),
    (("property_city",), ("property_country",)),
    (("host_id",), ("host_email",)),
    (("host_email",), ("host_id",)),
]

_EXPORT_QUERY = """
CREATE TABLE booking_export AS
SELECT b.booking_id, b.start_date, b.end_date, b.status,
       g.user_id AS guest_id, g.email AS guest_email,
       g.first_name || ' ' || g.last_name AS guest_name,
       p.property_id, p.name AS property_name, p.city AS property_city,
       p.country AS property_country, h.user_id AS host_id, h.email AS host_email
FROM stayhub.bookings b
JOIN stayhub.users g ON g.user_id = b.guest_id
JOIN stayhub.properties p ON p.property_id = b.property_id
JOIN stayhub.users h ON h.user_id = p.host_id
ORDER BY b.booking_id
"""


def load_booking_export(con: Any, dataset: str | Path) -> None:
    """Create the table `booking_export` in DuckDB connection `con` from a StayHub dataset file."""
    escaped = str(dataset).replace("'", "''")
    con.execute(f"ATTACH '{escaped}' AS stayhub (READ_ONLY)")
    try:
        con.execute(_EXPORT_QUERY)
    finally:
        con.execute("DETACH stayhub")


def user_tables(con: Any, exclude: Sequence[str] = ("booking_export",)) -> dict[str, list[str]]:
    """Tables in the main schema of a DuckDB connection (but `exclude`), with their columns."""
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        if table.lower() not in {e.lower() for e in exclude}:
            tables.setdefault(table, []).append(column.lower())
    return tables


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def bcnf_problems(con: Any, tables: dict[str, list[str]]) -> list[str]:
    """For each known dependency held by a table whose determinant is not a key there: why."""
    problems = []
    for table, columns in tables.items():
        total = con.execute(f"SELECT count(*) FROM {_quoted(table)}").fetchone()[0]
        distinct = con.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT * FROM {_quoted(table)})"
        ).fetchone()[0]
        if distinct != total:
            problems.append(f"table {table} has duplicate rows (did you forget DISTINCT?)")
            continue
        for lhs, rhs in EXPORT_DEPENDENCIES:
            held = [c for c in rhs if c in columns and c not in lhs]
            if not held or not all(c in columns for c in lhs):
                continue
            keys = con.execute(
                f"SELECT count(*) FROM (SELECT DISTINCT {', '.join(lhs)} FROM {_quoted(table)})"
            ).fetchone()[0]
            if keys != total:
                problems.append(
                    f"table {table} repeats facts: it holds {', '.join(lhs)} -> "
                    f"{', '.join(held)}, but {', '.join(lhs)} is not a key of {table}"
                )
    return problems


def lost_dependencies(tables: dict[str, list[str]]) -> list[str]:
    """Known dependencies that no single table holds (the decomposition does not preserve them)."""
    lost = []
    for lhs, rhs in EXPORT_DEPENDENCIES:
        for column in rhs:
            needed = {*lhs, column}
            if not any(needed <= set(cols) for cols in tables.values()):
                lost.append(f"{', '.join(lhs)} -> {column}")
    return lost


def join_order(tables: dict[str, list[str]]) -> list[str]:
    """An order in which each table shares a column with the ones before it, where possible."""
    remaining = sorted(tables, key=lambda t: ("booking_id" not in tables[t], t))
    order = [remaining.pop(0)]
    seen = set(tables[order[0]])
    while remaining:
        linked = [t for t in remaining if seen & set(tables[t])]
        nxt = linked[0] if linked else remaining[0]
        remaining.remove(nxt)
        order.append(nxt)
        seen |= set(tables[nxt])
    return order


def lossless_problem(con: Any, tables: dict[str, list[str]]) -> str | None:
    """Why the natural join of `tables` differs from booking_export, or None if it equals it."""
    covered = set().union(*map(set, tables.values())) if tables else set()
    missing = [c for c in EXPORT_COLUMNS if c not in covered]
    if missing:
        return f"no table keeps the column(s) {', '.join(missing)}"
    extra = sorted(covered - set(EXPORT_COLUMNS))
    if extra:
        return f"columns not in booking_export: {', '.join(extra)} (keep the export's names)"
    order = join_order(tables)
    seen = set(tables[order[0]])
    for table in order[1:]:
        if not seen & set(tables[table]):
            return (
                f"table {table} shares no column with the other tables, so they cannot be "
                "joined back: keep the key that links it"
            )
        seen |= set(tables[table])
    for table in order:
        total, distinct = con.execute(
            f"SELECT count(*), (SELECT count(*) FROM (SELECT DISTINCT * FROM {_quoted(table)})) "
            f"FROM {_quoted(table)}"
        ).fetchone()
        if total != distinct:
            return f"table {table} has duplicate rows (did you forget DISTINCT?)"
    joined = " NATURAL JOIN ".join(_quoted(t) for t in order)
    select = ", ".join(EXPORT_COLUMNS)
    rejoined = f"SELECT {select} FROM {joined}"
    spurious = con.execute(
        f"SELECT count(*) FROM ({rejoined} EXCEPT ALL SELECT {select} FROM booking_export)"
    ).fetchone()[0]
    lost = con.execute(
        f"SELECT count(*) FROM (SELECT {select} FROM booking_export EXCEPT ALL {rejoined})"
    ).fetchone()[0]
    if spurious or lost:
        return (
            f"joining your tables back gives {spurious} row(s) that are not in booking_export and "
            f"misses {lost} of its rows: the decomposition loses information"
        )
    return None
