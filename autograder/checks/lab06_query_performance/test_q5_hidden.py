"""Question 5, hidden: same rows and one partition read, on unseen data."""

from prodev.checking import check
from prodev.kits.plans import parquet_bookings, stayhub_parquet
from prodev.kits.scratchdb import split_statements
from prodev.kits.scratchplan import ScratchPlan

ORIGINAL = """
SELECT property_id, count(*) AS stays, sum(total_price) AS revenue
FROM {bookings}
WHERE status = 'confirmed' AND strftime(start_date, '%Y-%m') = '2024-03'
GROUP BY property_id
"""


@check("q5", points=1)
def test_unseen_data(student, stayhub_unseen):
    root = stayhub_parquet(stayhub_unseen)
    bookings = parquet_bookings(root)
    text = str(student.value("q5"))
    statements = split_statements(text.replace("{bookings}", bookings), ("SELECT",))
    assert len(statements) == 1, "q5 should hold exactly one SELECT statement"
    plan = ScratchPlan().database("lake", "duckdb", lake=str(root))
    same = plan.probe(
        "lake", "compare", query=statements[0], expected=ORIGINAL.replace("{bookings}", bookings)
    )
    profile = plan.probe("lake", "profile", query=statements[0])
    report = plan.run(student)
    report.raise_for("lake")
    same = report.value(same, "q5")
    assert same["same"], "on other data, the rows differ from the original query's"
    assert report.value(profile, "q5")["files_read"] == 1, (
        "on other data, more than one file is read"
    )
