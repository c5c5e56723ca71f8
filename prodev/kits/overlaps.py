"""Lab 05 question 6: the helpers its public and hidden checks share.

The student's DDL is applied on a scratch PostgreSQL database of its own
(`prodev.kits.pgscratch`); the checks then plant bookings, one statement each, and read from the
server which went in and which were refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prodev.kits import pgscratch

COLUMNS = ["booking_id", "property_id", "guest_id", "start_date", "end_date", "status"]
INSERT = (
    "INSERT INTO bookings (booking_id, property_id, guest_id, start_date, end_date, status) "
    "VALUES (%s, %s, %s, %s, %s, %s)"
)


@contextmanager
def applied(student: Any) -> Iterator[pgscratch.PgScratch]:
    """A scratch database with the student's `no_overlap_ddl` applied (fail if it is not)."""
    ddl = student.value("no_overlap_ddl")
    assert isinstance(ddl, str), "no_overlap_ddl should be a string of SQL statements"
    assert "NotImplementedError" not in ddl, "not answered yet: write your statements in the string"
    with pgscratch.scratch() as database:
        problem = database.apply(ddl)
        assert problem is None, f"your DDL failed on PostgreSQL: {problem}"
        found = [
            row[0]
            for row in database.rows(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = 'bookings'"
            )
        ]
        assert found, "the DDL creates no table bookings"
        assert sorted(found) == sorted(COLUMNS), (
            f"bookings has the columns {sorted(found)}; expected {sorted(COLUMNS)}"
        )
        yield database


def plant(database: pgscratch.PgScratch, row: tuple) -> pgscratch.Refusal | None:
    """Insert one booking (a tuple in COLUMNS order): None, or why it was refused."""
    return database.try_statement(INSERT, row)


def judge(database: pgscratch.PgScratch, rows: list[tuple[tuple, bool, str]]) -> str | None:
    """Plant each (row, should_get_in, description) in order; the first surprise, or None."""
    for row, should_get_in, description in rows:
        refusal = plant(database, row)
        if should_get_in and refusal is not None:
            return f"{description} was refused ({refusal.message}), though it should get in"
        if not should_get_in and refusal is None:
            return f"{description} was accepted: the database let a double booking in"
    return None
