"""Lab 06 questions 6 and 7: a student's index on a PostgreSQL copy of StayHub, judged by the plan.

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
# Question 7: a user's unread messages, newest first (about one message in eight is unread).
UNREAD = (
    "SELECT message_id, sender_id, sent_at FROM messages "
    "WHERE recipient_id = %s AND NOT is_read ORDER BY sent_at DESC"
)
# Queries outside UNREAD's predicate (the read tab, the whole inbox), and UNREAD itself: an index
# adds no rows and loses none, so each returns the same rows before and after the student's DDL.
OUTSIDE_UNREAD = (
    "SELECT message_id, sent_at FROM messages "
    "WHERE recipient_id = %s AND is_read ORDER BY sent_at DESC, message_id",
    "SELECT count(*), count(*) FILTER (WHERE is_read) FROM messages WHERE recipient_id = %s",
    UNREAD,
)


def _admin(database: pgscratch.PgScratch) -> Any:
    """An admin connection to the scratch database whose search_path is the check's own (the
    role owns the database and could set another as its default)."""
    import psycopg

    return psycopg.connect(
        database.admin_database_url(), autocommit=True, options="-c search_path=public"
    )


def rows(database: pgscratch.PgScratch, query: str, params: list[Any]) -> list[tuple]:
    """A trusted query's rows, read as the admin."""
    with _admin(database) as admin:
        return admin.execute(query, params).fetchall()


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node of a JSON plan, parents first."""
    out, stack = [], [plan]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.get("Plans", []))
    return out


def index_names(plan: dict[str, Any]) -> set[str]:
    """The indexes a plan reads."""
    return {n["Index Name"] for n in nodes(plan) if n.get("Index Name")}


def explain(
    database: pgscratch.PgScratch, query: str, params: list[Any], table: str = "bookings"
) -> dict[str, Any]:
    """The plan of `query` after VACUUM ANALYZE of `table`, with actual rows and buffers (as the
    admin)."""
    from psycopg import sql

    with _admin(database) as admin:
        admin.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))
        rows = admin.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {query}", params)
        return rows.fetchone()[0][0]["Plan"]


def indexes(database: pgscratch.PgScratch, table: str = "bookings") -> list[dict[str, Any]]:
    """The indexes on `table` other than its primary key, as the server's catalog has them:
    name, partial or not, entries, bytes on disk, and the first key column (None for an
    expression)."""
    rows = database.rows(
        "SELECT c.relname, i.indpred IS NOT NULL, c.reltuples::bigint, "
        "pg_relation_size(c.oid), a.attname FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
        [f"public.{table}"],
    )
    return [
        {"name": n, "partial": bool(p), "entries": int(e), "bytes": int(b), "leading": lead}
        for n, p, e, b, lead in rows
    ]


def size_without_predicate(database: pgscratch.PgScratch, index: str) -> int:
    """Bytes of the same index as `index` built with no WHERE clause (by the admin, then
    dropped): what a full index on the same columns would cost."""
    (definition, quoted, predicate) = database.rows(
        "SELECT pg_get_indexdef(i.indexrelid), quote_ident(c.relname), "
        "pg_get_expr(i.indpred, i.indrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
        [index],
    )[0]
    target = definition.split(f"INDEX {quoted} ON ", 1)[1]
    if predicate is not None:
        target = target.rsplit(" WHERE ", 1)[0]
    with _admin(database) as admin:
        admin.execute(f"CREATE INDEX prodev_full_counterpart ON {target}")
        try:
            size = admin.execute("SELECT pg_relation_size('prodev_full_counterpart')").fetchone()
        finally:
            admin.execute("DROP INDEX prodev_full_counterpart")
    return int(size[0])


def busiest_pending_property(database: pgscratch.PgScratch) -> int:
    """The property with the most pending bookings (ties: the lowest id)."""
    return database.rows(
        "SELECT property_id FROM bookings WHERE status = 'pending' "
        "GROUP BY property_id ORDER BY count(*) DESC, property_id LIMIT 1"
    )[0][0]


def busiest_unread_recipient(database: pgscratch.PgScratch) -> int:
    """The user with the most unread messages (ties: the lowest id)."""
    return database.rows(
        "SELECT recipient_id FROM messages WHERE NOT is_read "
        "GROUP BY recipient_id ORDER BY count(*) DESC, recipient_id LIMIT 1"
    )[0][0]


def all_read_recipient(database: pgscratch.PgScratch) -> int:
    """A user who has received messages but has none unread (the lowest id)."""
    return database.rows(
        "SELECT recipient_id FROM messages GROUP BY recipient_id "
        "HAVING bool_and(is_read) ORDER BY recipient_id LIMIT 1"
    )[0][0]


def unread_problem(plan: dict[str, Any], found: list[dict[str, Any]]) -> str | None:
    """What keeps the plan of UNREAD from searching one of the `found` indexes by recipient,
    or None."""
    by_name = {index["name"]: index for index in found}
    kinds = [n["Node Type"] for n in nodes(plan)]
    scans = [n for n in nodes(plan) if n.get("Index Name") in by_name]
    if not scans:
        return (
            f"the plan uses none of your indexes ({' > '.join(kinds)}): PostgreSQL uses a "
            "partial index only when it can prove from the query's own WHERE that every row "
            "it wants is in the index"
        )
    if not any(by_name[n["Index Name"]]["leading"] == "recipient_id" for n in scans):
        return (
            "the plan reads your index from end to end to find one user's messages: an index "
            "is searched by its first column, and that is not recipient_id"
        )
    return None


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


def with_index(
    student: Any, dataset: str | Path, name: str = "pending_index", before: Any = None
) -> pgscratch.PgScratch:
    """A scratch copy of the StayHub `dataset` with the student's DDL in `name` applied as the
    copy's own role (the caller drops it); `before(database)` runs first, on the pristine copy."""
    ddl = student.value(name)
    assert isinstance(ddl, str), f"{name} should be a string holding one CREATE INDEX"
    assert "NotImplementedError" not in ddl, "not answered yet: write your statement in the string"
    database = pgscratch.create(dataset)
    try:
        if before is not None:
            before(database)
        problem = database.apply(ddl)
    except BaseException:
        database.drop()
        raise
    if problem is not None:
        database.drop()
        raise AssertionError(f"your statement failed on PostgreSQL: {problem}")
    return database
