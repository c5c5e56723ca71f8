"""Question 2: indexes for a point lookup (A) and an equality-plus-range lookup (B)."""

from prodev.checking import check
from prodev.kits.plans import speedup, sqlite_memory_copy, sqlite_plan, stayhub_sqlite
from prodev.kits.scratchdb import ScriptError, apply_script, split_statements, sqlite_scratch

QUERY_A = "SELECT booking_id, start_date, total_price FROM bookings WHERE guest_id = ?"
QUERY_B = (
    "SELECT booking_id, guest_id FROM bookings "
    "WHERE property_id = ? AND start_date >= ? AND start_date < ?"
)
PARAMS_A = [(g,) for g in (3, 17, 250, 1001, 1999)]
PARAMS_B = [(p, "2024-01-01", "2024-07-01") for p in (1, 42, 300)] + [
    (7, "2023-05-01", "2025-05-01")
]


def databases(student, dataset):
    """(without, with) the student's indexes: two in-memory copies of the dataset."""
    ddl = student.value("lookup_indexes")
    statements = split_statements(ddl, ("CREATE",))
    for statement in statements:
        if "INDEX" not in statement.upper().split("(")[0]:
            raise ScriptError(f"only CREATE INDEX statements, please: `{statement[:60]}...`")
    assert len(statements) <= 2, f"{len(statements)} indexes; two are enough (indexes cost writes)"
    source = stayhub_sqlite(dataset)
    plain = sqlite_scratch(sqlite_memory_copy(source))
    indexed = sqlite_scratch(sqlite_memory_copy(source))
    apply_script(indexed, ddl, ("CREATE",), label="lookup_indexes")
    return plain, indexed


def same_rows(plain, indexed, query, params):
    for p in params:
        before = sorted(plain.execute(query, p).fetchall())
        after = sorted(indexed.execute(query, p).fetchall())
        assert before == after, f"with your indexes, the query returns different rows for {p}"


def searched(indexed, query, params, label, detail=None):
    lines = sqlite_plan(indexed, query, params)
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
    plain, indexed = databases(student, stayhub)
    searched(indexed, QUERY_A, PARAMS_A[0], "A")
    searched(indexed, QUERY_B, PARAMS_B[0], "B", "start_date>? AND start_date<?")
    same_rows(plain, indexed, QUERY_A, PARAMS_A)
    same_rows(plain, indexed, QUERY_B, PARAMS_B)


@check("q2", points=1)
def test_ten_times_faster(student, stayhub):
    plain, indexed = databases(student, stayhub)
    for label, query, params in (("A", QUERY_A, PARAMS_A), ("B", QUERY_B, PARAMS_B)):

        def run(con, query=query, params=params):
            for p in params:
                con.execute(query, p).fetchall()

        factor = speedup(lambda run=run: run(plain), lambda run=run: run(indexed), repeats=5)
        assert factor >= 10, f"query {label} is only {factor:.1f} times faster; expected 10 or more"
