"""Lab 05 question 8: a column's unit changed while two releases write to it (expand, backfill,
contract). The checks build the `properties` table as the scratch database's role
(`prodev.kits.pgscratch`), run the student's three scripts and each release's statements as that
role, and read the rows back from the server as its admin."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from prodev.kits import pgscratch

TABLE = """
CREATE TABLE properties (
    property_id      integer PRIMARY KEY,
    name             text NOT NULL,
    price_per_night  numeric(10, 2) NOT NULL CHECK (price_per_night > 0)
);
"""
SCRIPTS = ("expand_sql", "backfill_sql", "contract_sql")

# What each release sends: the old one knows price_per_night, the new one nightly_price_cents.
OLD_INSERT = "INSERT INTO properties (property_id, name, price_per_night) VALUES (%s, %s, %s)"
OLD_UPDATE = "UPDATE properties SET price_per_night = %s WHERE property_id = %s"
NEW_INSERT = "INSERT INTO properties (property_id, name, nightly_price_cents) VALUES (%s, %s, %s)"
NEW_UPDATE = "UPDATE properties SET nightly_price_cents = %s WHERE property_id = %s"
RENAME = "UPDATE properties SET name = %s WHERE property_id = %s"


def scripts(student: Any) -> dict[str, str]:
    """The student's three scripts (fail if one is missing or not answered)."""
    found = {}
    for name in SCRIPTS:
        text = student.value(name)
        assert isinstance(text, str), f"{name} should be a string holding SQL statements"
        assert "NotImplementedError" not in text, f"not answered yet: write {name}"
        found[name] = text
    return found


@contextmanager
def listings(seed: dict[int, str]) -> Iterator[pgscratch.PgScratch]:
    """A scratch database whose `properties` holds `seed` (id -> price as text), written by
    the old release before any change."""
    with pgscratch.scratch() as database:
        problem = database.apply(TABLE)
        assert problem is None, f"the check's own table failed: {problem}"
        for property_id, price in seed.items():
            row = [property_id, f"home {property_id}", price]
            refusal = database.try_statement(OLD_INSERT, row)
            assert refusal is None, f"the check's own rows failed: {refusal}"
        yield database


def step(database: pgscratch.PgScratch, text: str) -> str | None:
    """Run one of the student's scripts as the role: None, or the first line of the error."""
    return database.apply(text)


def write(database: pgscratch.PgScratch, statement: str, *params: Any) -> str | None:
    """One release's statement, as the role: None if it went through, else why it was refused."""
    refusal = database.try_statement(statement, list(params))
    return None if refusal is None else refusal.kind


def prices(database: pgscratch.PgScratch) -> dict[int, tuple[Decimal | None, int | None]]:
    """property_id -> (price_per_night, nightly_price_cents), each None where the column is
    missing or the value NULL, as the server has them."""
    columns = columns_of(database)
    price = "price_per_night" if "price_per_night" in columns else "NULL::numeric"
    cents = "nightly_price_cents" if "nightly_price_cents" in columns else "NULL::integer"
    rows = database.rows(f"SELECT property_id, {price}, {cents} FROM public.properties")
    return {row[0]: (row[1], row[2]) for row in rows}


def columns_of(database: pgscratch.PgScratch) -> set[str]:
    """The columns of public.properties."""
    return {
        name
        for (name,) in database.rows(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = 'properties'"
        )
    }


def out_of_step(found: dict[int, tuple[Decimal | None, int | None]]) -> list[int]:
    """The rows whose two columns do not say the same price (cents = price x 100)."""
    return sorted(
        property_id
        for property_id, (price, cents) in found.items()
        if price is None or cents is None or int(price * 100) != cents
    )
