"""Question 2, hidden: boundary values and NULLs the public rows do not try."""

from prodev.checking import check
from prodev.kits.scratchdb import judge_rejection
from prodev.kits.scratchplan import ENGINE_NAMES, ScratchPlan

ROOT = {
    "user_id": 7,
    "first_name": "Root",
    "last_name": "Admin",
    "email": "root@example.org",
    "role": "admin",
    "created_at": "2023-05-06 07:08:09",
}
FLAT = {
    "property_id": 70,
    "host_id": 7,
    "name": "Studio",
    "city": "Kigali",
    "price_per_night": 0.01,
    "max_guests": 16,
}
ROWS = [
    ("users", ROOT, None, "", "an admin user"),
    ("properties", FLAT, None, "", "a property for 16 guests at 0.01 a night"),
    (
        "properties",
        {**FLAT, "property_id": 71, "max_guests": 17},
        "check",
        "max_guests",
        "a property for too many guests",
    ),
    (
        "properties",
        {**FLAT, "property_id": 72, "price_per_night": -5},
        "check",
        "price_per_night",
        "a property with a negative price",
    ),
    (
        "properties",
        {**FLAT, "property_id": 73, "host_id": None},
        "not_null",
        "host_id",
        "a property with no host (NULL host_id)",
    ),
    ("users", {**ROOT, "user_id": 8, "email": None}, "not_null", "email", "a user with no email"),
    (
        "users",
        {**ROOT, "user_id": 9, "email": "z@example.org", "role": None},
        "not_null",
        "role",
        "a user with no role (NULL)",
    ),
    (
        "users",
        {**ROOT, "user_id": 10, "email": "w@example.org", "created_at": None},
        "not_null",
        "created_at",
        "a user with no created_at",
    ),
    (
        "properties",
        {**FLAT, "property_id": 74, "name": None},
        "not_null",
        "name",
        "a property with no name",
    ),
    # "Every column required" where a CHECK also applies: a CHECK lets NULL through.
    (
        "properties",
        {**FLAT, "property_id": 75, "price_per_night": None},
        "not_null",
        "price_per_night",
        "a property with no price (NULL passes a CHECK)",
    ),
    (
        "properties",
        {**FLAT, "property_id": 76, "max_guests": None},
        "not_null",
        "max_guests",
        "a property with no max_guests (NULL passes a CHECK)",
    ),
]


@check("q2", points=1)
def test_boundaries_and_nulls(student):
    ddl = student.value("users_properties_ddl")
    plan = ScratchPlan()
    inserts = {}
    for engine in ENGINE_NAMES:
        plan.database(engine, engine, script=ddl, label="users_properties_ddl")
        inserts[engine] = [plan.probe(engine, "insert", table=r[0], row=r[1]) for r in ROWS]
    report = plan.run(student)
    report.raise_for(*ENGINE_NAMES)
    for engine, indexes in inserts.items():
        for (_table, _row, kind, about, description), index in zip(ROWS, indexes, strict=True):
            rejection = report.rejection(index)
            problem = judge_rejection(ENGINE_NAMES[engine], rejection, kind, about, description)
            assert problem is None, problem
