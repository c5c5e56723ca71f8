"""Question 2: indexes for a point lookup (A) and an equality-plus-range lookup (B)."""

from prodev.checking import check
from prodev.kits.plans import stayhub_sqlite
from prodev.kits.scratchdb import ScriptError, split_statements
from prodev.kits.scratchplan import ScratchPlan

QUERY_A = "SELECT booking_id, start_date, total_price FROM bookings WHERE guest_id = ?"
QUERY_B = (
    "SELECT booking_id, guest_id FROM bookings "
    "WHERE property_id = ? AND start_date >= ? AND start_date < ?"
)
PARAMS_A = [(g,) for g in (3, 17, 250, 1001, 1999)]
PARAMS_B = [(p, "2024-01-01", "2024-07-01") for p in (1, 42, 300)] + [
    (7, "2023-05-01", "2025-05-01")
]


def indexed_copy(student, dataset) -> ScratchPlan:
    """Two copies of the dataset, without and with the student's indexes (built where the
    student's code runs), as a plan for probes."""
    ddl = student.value("lookup_indexes")
    statements = split_statements(ddl, ("CREATE",))
    for statement in statements:
        if "INDEX" not in statement.upper().split("(")[0]:
            raise ScriptError(f"only CREATE INDEX statements, please: `{statement[:60]}...`")
    assert len(statements) <= 2, f"{len(statements)} indexes; two are enough (indexes cost writes)"
    source = str(stayhub_sqlite(dataset))
    plan = ScratchPlan().database("plain", "sqlite", copy_of=source)
    return plan.database(
        "indexed", "sqlite", copy_of=source, script=ddl, allowed=("CREATE",), label="lookup_indexes"
    )


def searched(lines, label, detail=None):
    uses = [line for line in lines if line.startswith("SEARCH bookings USING")]
    assert uses and "INDEX" in uses[0], (
        f"query {label} still scans bookings (plan: {lines}): index the column it filters on"
    )
    if detail:
        assert detail in uses[0], (
            f"query {label} searches its index by {uses[0].split('(')[-1].rstrip(')')} only; "
            "put the equality column first and the range column second"
        )


@check("q2", points=1)
def test_both_queries_search_an_index(student, stayhub):
    plan = indexed_copy(student, stayhub)
    plan_a = plan.probe("indexed", "plan", query=QUERY_A, params=PARAMS_A[0])
    plan_b = plan.probe("indexed", "plan", query=QUERY_B, params=PARAMS_B[0])
    same = [
        plan.probe("indexed", "compare", query=query, params=p, expected_db="plain")
        for query, params in ((QUERY_A, PARAMS_A), (QUERY_B, PARAMS_B))
        for p in params
    ]
    report = plan.run(student)
    report.raise_for("plain", "indexed")
    searched(report.value(plan_a), "A")
    searched(report.value(plan_b), "B", "start_date>? AND start_date<?")
    for index in same:
        assert report.value(index)["same"], "with your indexes, a query returns different rows"


@check("q2", points=1)
def test_ten_times_faster(student, stayhub):
    plan = indexed_copy(student, stayhub)
    factors = {
        label: plan.probe(
            "indexed", "speedup", baseline="plain", runs=[[query, p] for p in params], repeats=5
        )
        for label, query, params in (("A", QUERY_A, PARAMS_A), ("B", QUERY_B, PARAMS_B))
    }
    report = plan.run(student)
    report.raise_for("plain", "indexed")
    for label, index in factors.items():
        factor = report.value(index)
        assert factor >= 10, f"query {label} is only {factor:.1f} times faster; expected 10 or more"
