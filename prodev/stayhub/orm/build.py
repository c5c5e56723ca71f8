"""Build the Django-shaped SQLite copy of a StayHub dataset:
`python -m prodev.stayhub.orm.build SRC OUT`.

Runs the app's migration on a new file through a connection of its own (the process's default
database is left alone), then copies every row from the DuckDB dataset. Atomic: temp + rename.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

TABLES = {
    "users": "user_id, first_name, last_name, email, phone, role, city, country, created_at",
    "properties": "property_id, host_id, name, description, city, country, price_per_night, "
    "bedrooms, max_guests, created_at",
    "bookings": "booking_id, property_id, guest_id, start_date, end_date, nights, status, "
    "total_price, created_at",
    "payments": "payment_id, booking_id, amount, method, status, paid_at",
    "reviews": "review_id, booking_id, property_id, guest_id, rating, comment, created_at",
}


def migrate(path: Path) -> None:
    """Apply the StayHub app's migrations to the SQLite file at `path`."""
    from django.db import connections
    from django.db.backends.sqlite3.base import DatabaseWrapper
    from django.db.migrations.executor import MigrationExecutor

    from prodev.stayhub.orm import APP_LABEL, ensure_configured

    ensure_configured()
    settings_dict = {**connections["default"].settings_dict, "NAME": str(path)}
    alias = "prodev_orm_build"
    connection = DatabaseWrapper(settings_dict, alias=alias)
    connections[alias] = connection  # this thread only; transaction.atomic(using=alias) finds it
    try:
        executor = MigrationExecutor(connection)
        targets = [key for key in executor.loader.graph.leaf_nodes() if key[0] == APP_LABEL]
        executor.migrate(targets)
    finally:
        connection.close()
        del connections[alias]


def build(dataset: Path, out: Path) -> Path:
    """Migrate a new SQLite file at `out` and fill it from the DuckDB file `dataset`."""
    import duckdb

    temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    temp.unlink(missing_ok=True)
    try:
        migrate(temp)
        source = duckdb.connect(str(dataset), read_only=True)
        lite = sqlite3.connect(temp)
        try:
            for table, columns in TABLES.items():
                rows = source.execute(f"SELECT {columns} FROM {table} ORDER BY 1").fetchall()
                marks = ", ".join("?" for _ in columns.split(","))
                lite.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                    [tuple(_plain(v) for v in row) for row in rows],
                )
            lite.commit()
        finally:
            lite.close()
            source.close()
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
    return out


def _plain(value: Any) -> Any:
    """SQLite-friendly values: Decimal as text (Django reads it back exactly), ISO dates."""
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m prodev.stayhub.orm.build DATASET.duckdb OUT.sqlite")
    build(Path(sys.argv[1]), Path(sys.argv[2]))
