"""Question 2: portable DDL for users and properties, proven by rows that must get in or not."""

from prodev.checking import check
from prodev.kits.scratchdb import judge_rejection
from prodev.kits.scratchplan import ENGINE_NAMES, ScratchPlan

COLUMNS = {
    "users": {"user_id", "first_name", "last_name", "email", "role", "created_at"},
    "properties": {"property_id", "host_id", "name", "city", "price_per_night", "max_guests"},
}
ADA = {
    "user_id": 1,
    "first_name": "Ada",
    "last_name": "Mensah",
    "email": "ada@example.org",
    "role": "host",
    "created_at": "2024-01-02 10:00:00",
}
LOFT = {
    "property_id": 10,
    "host_id": 1,
    "name": "Canal loft",
    "city": "Amsterdam",
    "price_per_night": 120.5,
    "max_guests": 4,
}
# (table, row, constraint kind that must refuse it or None, column it is about, description)
ROWS = [
    ("users", ADA, None, "", "a valid host"),
    (
        "users",
        {**ADA, "user_id": 2, "email": "kofi@example.org", "role": "guest"},
        None,
        "",
        "a valid guest",
    ),
    ("properties", LOFT, None, "", "a valid property"),
    (
        "properties",
        {**LOFT, "property_id": 11, "max_guests": 1},
        None,
        "",
        "a property for 1 guest",
    ),
    ("users", {**ADA, "user_id": 3}, "unique", "email", "a user with an email already taken"),
    (
        "users",
        {**ADA, "email": "new@example.org"},
        "unique",
        "user_id",
        "a user whose user_id is already taken",
    ),
    (
        "users",
        {**ADA, "user_id": 4, "email": "x@example.org", "last_name": None},
        "not_null",
        "last_name",
        "a user without a last_name",
    ),
    (
        "users",
        {**ADA, "user_id": 5, "email": "y@example.org", "role": "owner"},
        "check",
        "role",
        "a user whose role is 'owner'",
    ),
    (
        "properties",
        {**LOFT, "property_id": 12, "host_id": 99},
        "foreign_key",
        "host_id",
        "a property whose host_id is no user",
    ),
    (
        "properties",
        {**LOFT, "property_id": 13, "price_per_night": 0},
        "check",
        "price_per_night",
        "a property whose price_per_night is 0",
    ),
    (
        "properties",
        {**LOFT, "property_id": 14, "max_guests": 0},
        "check",
        "max_guests",
        "a property for 0 guests",
    ),
    (
        "properties",
        {**LOFT, "property_id": 15, "city": None},
        "not_null",
        "city",
        "a property without a city",
    ),
]


def observe(student, rows=()):
    """Apply the DDL to an empty DuckDB and an empty SQLite (in the sandbox when grading), then
    insert `rows` into each in order; the columns of each table and what each insert gave."""
    ddl = student.value("users_properties_ddl")
    plan = ScratchPlan()
    probes = {}
    for engine in ENGINE_NAMES:
        plan.database(engine, engine, script=ddl, label="users_properties_ddl")
        columns = {t: plan.probe(engine, "columns", table=t) for t in COLUMNS}
        inserts = [plan.probe(engine, "insert", table=r[0], row=r[1]) for r in rows]
        probes[engine] = (columns, inserts)
    report = plan.run(student)
    report.raise_for(*ENGINE_NAMES)
    return report, probes


@check("q2", points=1)
def test_runs_on_duckdb_and_sqlite(student):
    report, probes = observe(student)
    for columns, _ in probes.values():
        for table, expected in COLUMNS.items():
            found = report.results[columns[table]]
            assert found is not None, f"the DDL creates no table {table}"
            assert set(found) == expected, (
                f"{table} has the columns {found}; expected {sorted(expected)}"
            )


@check("q2", points=1)
def test_constraints_accept_good_rows_and_refuse_bad_ones(student):
    report, probes = observe(student, ROWS)
    for engine, (_, inserts) in probes.items():
        for (_table, _row, kind, about, description), index in zip(ROWS, inserts, strict=True):
            rejection = report.rejection(index)
            problem = judge_rejection(ENGINE_NAMES[engine], rejection, kind, about, description)
            assert problem is None, problem
