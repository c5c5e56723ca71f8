"""Question 4: rewrite a correlated, non-sargable report so it does far less work."""

from prodev.checking import check
from prodev.kits.plans import stayhub_sqlite
from prodev.kits.scratchdb import ScriptError, split_statements
from prodev.kits.scratchplan import ScratchPlan

ORIGINAL = """
SELECT p.property_id, p.name,
       (SELECT count(*) FROM bookings b
        WHERE b.property_id = p.property_id AND b.status = 'confirmed'
          AND strftime('%Y', b.start_date) = '2025') AS confirmed_2025
FROM properties p
WHERE p.city = 'Paris'
  AND (SELECT count(*) FROM bookings b
       WHERE b.property_id = p.property_id AND b.status = 'confirmed'
         AND strftime('%Y', b.start_date) = '2025') >= 10
"""
COLUMNS = ["property_id", "name", "confirmed_2025"]


def rewrite(student) -> str:
    statements = split_statements(student.value("q4"), ("SELECT",))
    if len(statements) != 1:
        raise ScriptError("q4 should hold exactly one SELECT statement")
    return statements[0]


def observe(student, dataset, work=False):
    """Run the rewrite beside the original on a copy of the dataset, where the student's code
    runs: same rows? and, with `work`, its plan, the work both do and the speed-up."""
    query = rewrite(student)
    plan = ScratchPlan().database("copy", "sqlite", copy_of=str(stayhub_sqlite(dataset)))
    probes = {"same": plan.probe("copy", "compare", query=query, expected=ORIGINAL)}
    if work:
        probes["plan"] = plan.probe("copy", "plan", query=query)
        probes["before"] = plan.probe("copy", "steps", query=ORIGINAL)
        probes["after"] = plan.probe("copy", "steps", query=query)
        probes["speedup"] = plan.probe(
            "copy", "speedup", runs=[[query, []]], baseline_runs=[[ORIGINAL, []]], repeats=3
        )
    report = plan.run(student)
    report.raise_for("copy")
    found = {name: report.value(index, "q4") for name, index in probes.items()}
    same = found["same"]
    assert same["columns"] == COLUMNS, f"expected the columns {COLUMNS}, got {same['columns']}"
    assert same["count"] == same["expected_count"], (
        f"expected {same['expected_count']} rows, got {same['count']}: are the status, the year "
        "and the threshold the same as in the original?"
    )
    assert same["same"], "the rows differ from the original query's"
    return found


@check("q4", points=1)
def test_same_rows_as_the_original(student, stayhub):
    observe(student, stayhub)


@check("q4", points=1)
def test_no_correlated_subquery_and_less_work(student, stayhub):
    found = observe(student, stayhub, work=True)
    lines = found["plan"]
    assert not any("CORRELATED" in line for line in lines), (
        f"the plan still runs a correlated subquery per row: {lines}"
    )
    before, after = found["before"], found["after"]
    assert after * 10 <= before, (
        f"the rewrite does only {before / max(after, 1):.1f} times less work; expected 10 or more"
    )
    factor = found["speedup"]
    assert factor >= 5, f"the rewrite is only {factor:.1f} times faster; expected 5 or more"
