"""Fixtures for the hidden checks of lab 04: the reference answers, run on any dataset."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from prodev.checking.student import QueryResult, duckdb_script
from prodev.runtime.answers import run_sql, to_json


def run_reference(query: str, database: str | Path) -> QueryResult:
    """Run a reference query read-only and return it in the same JSON shape as a student's."""
    path = Path(database)
    return _cached_reference(query, str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _cached_reference(query: str, database: str, _mtime_ns: int) -> QueryResult:
    """The reference rows are the same for every submission of a batch: compute them once
    (per dataset file version) rather than once per check and per student."""
    connection = duckdb.connect(database, read_only=True)
    try:
        data = to_json(run_sql(query, connection))
    finally:
        connection.close()
    return QueryResult(data["columns"], data["rows"])


@pytest.fixture
def reference() -> Callable[[str, str | Path], QueryResult]:
    """`reference(SQL, dataset)`: the reference rows to compare the student's with."""
    return run_reference


# ---- planted data: the cases each question's wording names, put where a check can see them -----
# A generated dataset holds most of them by chance or not at all (two hosts on the same revenue,
# a price exactly at its city's average, a message with two replies, two stays of one listing on
# the same night). These few hand-made rows hold every one of them; each hidden check runs the
# student's query on them where student code runs, and the reference here.

GUEST_NAMES = ["yara", "xavi", "wren", "vera", "uma", "tariq", "sana", "rafa", "quinn", "pia"]
HOSTS = range(101, 106)
# property_id -> (host_id, city, price_per_night)
PROPERTIES = {
    1: (101, "Lisbon", 100), 2: (101, "Lisbon", 200), 3: (102, "Lisbon", 150),
    4: (103, "Porto", 100), 5: (104, "Porto", 100), 6: (105, "Oslo", 120),
    7: (105, "Paris", 90), 8: (105, "Paris", 100), 9: (105, "Paris", 111),
    10: (105, "Paris", 80), 11: (105, "Paris", 100), 12: (105, "Rome", 50),
    13: (105, "Rome", 60), 14: (105, "Rome", 61),
    15: (105, "Berlin", 70), 16: (105, "Berlin", 70), 17: (105, "Berlin", 70),
    18: (105, "Berlin", 70),
    20: (105, "Nairobi", 40), 21: (105, "Nairobi", 40), 22: (105, "Nairobi", 40),
    23: (105, "Nairobi", 40), 24: (105, "Nairobi", 40), 25: (105, "Nairobi", 40),
    26: (105, "Kyoto", 90), 27: (105, "Kyoto", 90), 28: (105, "Kyoto", 90),
    29: (105, "Kyoto", 90), 30: (105, "Kyoto", 90),
}  # fmt: skip
# One-off stays: (booking_id, property_id, guest_id, start, nights, status, total_price); the
# status C confirmed, P pending, X cancelled.
STATUS = {"C": "confirmed", "P": "pending", "X": "cancelled"}
STAYS = [
    # q1: March 2024 from its first day to its last; a stay from 29 February that ends in March;
    # pending and cancelled ones; March of another year.
    (9001, 8, 1, "2024-02-29", 3, "C", 300), (9002, 7, 2, "2024-03-01", 2, "C", 180),
    (9003, 7, 3, "2024-03-31", 1, "C", 90), (9004, 8, 4, "2024-04-01", 2, "C", 200),
    (9005, 7, 5, "2024-03-10", 2, "P", 180), (9006, 7, 6, "2024-03-15", 2, "X", 180),
    (9007, 7, 7, "2023-03-12", 2, "C", 180),
    # q3: a property booked only in 2023 (one stay running into 2024) and 2025; one booked in
    # 2024 only pending or cancelled; one whose only 2024 stay starts on 31 December.
    (9010, 9, 1, "2023-12-30", 3, "C", 333), (9011, 9, 2, "2025-01-01", 2, "C", 222),
    (9012, 10, 8, "2024-05-03", 2, "P", 160), (9013, 11, 9, "2024-12-31", 2, "C", 200),
    # q5: cancelled stays paid twice, paid and refunded, only failed, only pending; two guests
    # owed the same amount.
    (9020, 10, 3, "2024-06-01", 2, "X", 200), (9021, 10, 3, "2024-07-01", 1, "X", 50),
    (9022, 12, 5, "2024-06-01", 5, "X", 250), (9023, 12, 6, "2024-07-01", 2, "X", 100),
    (9024, 12, 8, "2024-07-10", 2, "X", 100), (9025, 13, 9, "2024-06-01", 2, "X", 80),
    (9026, 13, 4, "2024-06-10", 2, "C", 120),
    # q8: no confirmed stay in May 2024 (a pending one only); stays just outside 2024.
    (9030, 12, 1, "2024-01-15", 2, "C", 100), (9031, 12, 2, "2024-08-10", 3, "C", 150),
    (9032, 13, 3, "2024-09-05", 1, "C", 60), (9033, 13, 4, "2024-05-10", 2, "P", 120),
    (9034, 13, 5, "2023-12-28", 2, "C", 120), (9035, 13, 6, "2025-01-02", 2, "C", 120),
    # q9: stays that touch (one leaves the day the next arrives), a cancelled stay over a
    # confirmed one, a pending stay over a confirmed one, a long stay holding two short ones
    # (the second of which does not overlap the stay just before it), two stays arriving on the
    # same day, the same dates at another listing, two cancelled stays on the same nights.
    (9041, 15, 1, "2024-10-01", 5, "C", 350), (9042, 15, 2, "2024-10-06", 2, "C", 140),
    (9043, 15, 3, "2024-10-03", 2, "X", 140), (9044, 15, 4, "2024-10-07", 1, "P", 70),
    (9058, 16, 5, "2024-11-01", 10, "C", 700), (9051, 16, 6, "2024-11-02", 1, "C", 70),
    (9052, 16, 7, "2024-11-05", 2, "P", 140), (9053, 16, 8, "2024-11-01", 2, "C", 140),
    (9060, 17, 9, "2024-10-01", 5, "C", 350), (9061, 18, 1, "2024-10-01", 3, "X", 210),
    (9062, 18, 2, "2024-10-02", 3, "X", 210),
]  # fmt: skip
# q2: (property_id, status, count, price of each but the last, price of the last). Host 101 has
# exactly 30 confirmed; host 102 29 (and more if cancelled ones counted); hosts 103 and 104 earn
# the same, 104 from more bookings. q7: confirmed counts that tie at rank 1 in Nairobi and at
# rank 3 in Kyoto; cancelled stays that would lift property 24; property 25 never confirmed.
SERIES = [
    (1, "confirmed", 15, 200, 200), (2, "confirmed", 15, 200, 200),
    (3, "confirmed", 29, 300, 300), (3, "cancelled", 5, 300, 300), (3, "pending", 2, 300, 300),
    (4, "confirmed", 31, 100, 132), (5, "confirmed", 32, 100, 32),
    (20, "confirmed", 4, 40, 40), (21, "confirmed", 4, 40, 40), (22, "confirmed", 3, 40, 40),
    (23, "confirmed", 2, 40, 40), (24, "confirmed", 2, 40, 40), (24, "cancelled", 3, 40, 40),
    (25, "cancelled", 2, 40, 40),
    (26, "confirmed", 5, 90, 90), (27, "confirmed", 3, 90, 90), (28, "confirmed", 2, 90, 90),
    (29, "confirmed", 2, 90, 90), (30, "confirmed", 1, 90, 90),
]  # fmt: skip
# q5: (payment_id, booking_id, amount, status).
PAYMENTS = [
    (1, 9020, 100, "completed"), (2, 9020, 100, "completed"), (3, 9021, 50, "completed"),
    (4, 9021, 50, "refunded"), (5, 9022, 250, "completed"), (6, 9023, 100, "failed"),
    (7, 9024, 100, "pending"), (8, 9025, 80, "failed"), (9, 9025, 80, "completed"),
    (10, 9026, 120, "completed"), (11, 9002, 180, "completed"),
]  # fmt: skip
# q6: (message_id, conversation_id, parent_message_id): a chain four replies deep; a thread that
# branches twice; lone messages; a conversation holding three threads, one of them branching.
MESSAGES = [
    (1, 1, None), (2, 1, 1), (3, 1, 2), (4, 1, 3), (5, 1, 4),
    (6, 2, None), (7, 2, 6), (8, 2, 6), (9, 2, 7), (10, 2, 9), (11, 2, 8),
    (12, 3, None),
    (13, 4, None), (14, 4, 13), (15, 4, None), (16, 4, None), (17, 4, 16), (18, 4, 16),
    (19, 5, None),
]  # fmt: skip


def _sql(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def _insert(table: str, rows: list[tuple]) -> str:
    values = ",\n".join("(" + ", ".join(_sql(v) for v in row) + ")" for row in rows)
    return f"INSERT INTO {table} VALUES\n{values};\n"


@functools.cache
def planted_sql() -> str:
    """The trusted script that builds the planted StayHub tables (the real schema)."""
    from prodev.stayhub.data.schema import DDL, TABLES

    users = [
        (i, name.title(), "Guest", f"{name}@mail.test", None, "guest", "Lisbon", "Portugal",
         "2021-01-01 00:00:00")
        for i, name in enumerate(GUEST_NAMES, start=1)
    ] + [
        (h, f"Host{h}", "Host", f"host{h}@mail.test", None, "host", "Lisbon", "Portugal",
         "2020-01-01 00:00:00")
        for h in HOSTS
    ]  # fmt: skip
    properties = [
        (p, host, f"Flat {p} in {city}", "A flat", city, "Somewhere", price, 1, 2,
         "2020-06-01 00:00:00")
        for p, (host, city, price) in PROPERTIES.items()
    ]  # fmt: skip
    stays = list(STAYS)
    booking_id = 1
    for property_id, status, count, price, last in SERIES:
        for k in range(count):  # stays three days apart, in 2021 and 2022: no two touch
            start = (date(2021, 1, 1) + timedelta(days=3 * booking_id)).isoformat()
            stays.append((booking_id, property_id, 1 + k % 10, start, 2, status,
                          last if k == count - 1 else price))  # fmt: skip
            booking_id += 1
    # Plain literals (no expressions), so the script parses and loads quickly.
    bookings = [
        (bid, prop, guest, start, (date.fromisoformat(start) + timedelta(days=nights)).isoformat(),
         nights, STATUS.get(status, status), price, "2020-12-01 00:00:00")
        for bid, prop, guest, start, nights, status, price in stays
    ]  # fmt: skip
    payments = [(p, b, amount, "paypal", status, None) for p, b, amount, status in PAYMENTS]
    conversations = [(c, None, 1, 101, "2024-01-01 00:00:00") for c in range(1, 6)]
    messages = [
        (m, c, 1 + m % 2, 101, "hello", f"2024-01-01 {m:02d}:00:00", True, parent)
        for m, c, parent in MESSAGES
    ]
    script = [DDL[t] + ";\n" for t in TABLES]
    script += [_insert("users", users), _insert("properties", properties)]
    script.append(_insert("bookings", bookings))
    script += [_insert("payments", payments), _insert("conversations", conversations)]
    # One statement per message: a reply's parent must exist before the reply goes in.
    script += [_insert("messages", [message]) for message in messages]
    return "".join(script)


@functools.cache
def planted_reference(query: str) -> QueryResult:
    """The reference rows on the planted tables (built here, in memory, from the same script)."""
    connection = duckdb.connect(":memory:")
    try:
        for statement in duckdb.extract_statements(planted_sql()):
            connection.execute(statement.query)
        data = to_json(run_sql(query, connection))
    finally:
        connection.close()
    return QueryResult(data["columns"], data["rows"])


class Planted:
    """The planted tables: `student(student, "q2")` runs the answer on them where the
    student's code runs (an in-memory DuckDB the notebook's process builds from the trusted
    script); `reference(SQL)` runs the reference on them here."""

    script = staticmethod(planted_sql)
    reference = staticmethod(planted_reference)

    @staticmethod
    def student(student, name: str) -> QueryResult:
        return student.sql(name, duckdb_script(planted_sql()))


@pytest.fixture
def planted() -> Planted:
    """The hand-made StayHub rows holding every case a question's wording names."""
    return Planted()
