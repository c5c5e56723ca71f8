"""Question 2, hidden: other guests, properties and ranges on unseen data; work done."""

from prodev.checking import check
from prodev.kits.plans import stayhub_sqlite
from prodev.kits.scratchdb import split_statements
from prodev.kits.scratchplan import ScratchPlan

QUERY_A = "SELECT booking_id, start_date, total_price FROM bookings WHERE guest_id = ?"
QUERY_B = (
    "SELECT booking_id, guest_id FROM bookings "
    "WHERE property_id = ? AND start_date >= ? AND start_date < ?"
)
PARAMS_A = [(g,) for g in (1, 99, 777, 2000, 5000)]
PARAMS_B = [(p, "2025-02-01", "2025-03-01") for p in (2, 88, 499)] + [
    (5, "2020-01-01", "2030-01-01")
]


@check("q2", points=1)
def test_unseen_data(student, stayhub_unseen):
    ddl = student.value("lookup_indexes")
    assert len(split_statements(ddl, ("CREATE",))) <= 2, "more than two indexes"
    source = str(stayhub_sqlite(stayhub_unseen))
    plan = ScratchPlan().database("plain", "sqlite", copy_of=source)
    plan.database(
        "indexed", "sqlite", copy_of=source, script=ddl, allowed=("CREATE",), label="lookup_indexes"
    )
    probes = [
        (
            label,
            plan.probe("indexed", "compare", query=query, params=p, expected_db="plain"),
            plan.probe("indexed", "plan", query=query, params=p),
            plan.probe("plain", "steps", query=query, params=p),
            plan.probe("indexed", "steps", query=query, params=p),
        )
        for label, query, params in (("A", QUERY_A, PARAMS_A), ("B", QUERY_B, PARAMS_B))
        for p in params
    ]
    report = plan.run(student)
    report.raise_for("plain", "indexed")
    for label, same, lines, before, after in probes:
        assert report.value(same)["same"], (
            f"on other data, query {label} returns different rows with your indexes"
        )
        assert not any(line.startswith("SCAN bookings") for line in report.value(lines)), (
            f"on other data, query {label} scans bookings"
        )
        before, after = report.value(before), report.value(after)
        assert after * 10 <= before, (
            f"on other data, query {label} does {before / max(after, 1):.1f} times less "
            "work with your indexes; expected at least 10"
        )
