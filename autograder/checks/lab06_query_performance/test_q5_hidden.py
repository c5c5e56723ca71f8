"""Question 5, hidden: same rows and one partition read, on unseen data."""

from prodev.checking import check
from prodev.kits.plans import stayhub_parquet
from prodev.kits.scratchdb import split_statements
from prodev.kits.scratchplan import ScratchPlan

ORIGINAL = """
SELECT property_id, count(*) AS stays, sum(total_price) AS revenue
FROM {bookings}
WHERE status = 'confirmed' AND strftime(start_date, '%Y-%m') = '2024-03'
GROUP BY property_id
"""

STAND_IN = "prodev_lake_bookings"


@check("q5", points=1)
def test_unseen_data(student, stayhub_unseen):
    root = stayhub_parquet(stayhub_unseen)
    # `{bookings}` stays in both queries: the job fills in the lake's path as the sandbox sees it
    # (a table name stands in for it while the statement is split, which needs valid SQL)
    text = str(student.value("q5")).replace("{bookings}", STAND_IN)
    statements = split_statements(text, ("SELECT",))
    assert len(statements) == 1, "q5 should hold exactly one SELECT statement"
    query = statements[0].replace(STAND_IN, "{bookings}")
    plan = ScratchPlan().database("lake", "duckdb", lake=str(root))
    same = plan.probe("lake", "compare", query=query, expected=ORIGINAL)
    profile = plan.probe("lake", "profile", query=query)
    report = plan.run(student)
    report.raise_for("lake")
    same = report.value(same, "q5")
    assert same["same"], "on other data, the rows differ from the original query's"
    assert report.value(profile, "q5")["files_read"] == 1, (
        "on other data, more than one file is read"
    )
