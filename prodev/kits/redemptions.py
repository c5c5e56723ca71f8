"""Lab 05 question 7: the voucher tables its checks build, and the student's statement run as
the scratch database's role (`prodev.kits.pgscratch`); what happened is read from the server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prodev.kits import pgscratch

TABLES = """
CREATE TABLE vouchers (code text PRIMARY KEY, uses_left integer NOT NULL);
CREATE TABLE redemptions (
    redemption_id  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code           text NOT NULL REFERENCES vouchers (code),
    booking_id     integer NOT NULL
);
"""


def statement(student: Any) -> str:
    """The student's `redeem_voucher` statement (fail if it is not answered)."""
    text = student.value("redeem_voucher")
    assert isinstance(text, str), "redeem_voucher should be a string holding one SQL statement"
    assert "NotImplementedError" not in text, "not answered yet: write your statement in the string"
    return text


@contextmanager
def vouchers(uses: dict[str, int]) -> Iterator[pgscratch.PgScratch]:
    """A scratch database with the voucher tables and `uses` (code -> uses left)."""
    with pgscratch.scratch() as database:
        problem = database.apply(TABLES)
        assert problem is None, f"the check's own tables failed: {problem}"
        for code, left in uses.items():
            database.try_statement("INSERT INTO vouchers VALUES (%s, %s)", [code, left])
        yield database


def state(database: pgscratch.PgScratch, code: str) -> tuple[int, int]:
    """(uses left, redemptions recorded) of voucher `code`, as the server has them."""
    return database.rows(
        "SELECT v.uses_left, (SELECT count(*) FROM redemptions r WHERE r.code = v.code) "
        "FROM vouchers v WHERE v.code = %s",
        [code],
    )[0]


def redeem(database: pgscratch.PgScratch, text: str, code: str, booking_id: int) -> Any:
    """Run the statement once as the role; the error's first line, or None."""
    refusal = database.try_statement(text, {"code": code, "booking_id": booking_id})
    return None if refusal is None else refusal.message
