"""Question 4, hidden: the rewrite agrees with the original on unseen data."""

from prodev.checking import check
from prodev.kits.plans import stayhub_sqlite
from prodev.kits.scratchdb import split_statements
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


@check("q4", points=1)
def test_unseen_data(student, stayhub_unseen):
    statements = split_statements(student.value("q4"), ("SELECT",))
    assert len(statements) == 1, "q4 should hold exactly one SELECT statement"
    plan = ScratchPlan().database("copy", "sqlite", copy_of=str(stayhub_sqlite(stayhub_unseen)))
    index = plan.probe("copy", "compare", query=statements[0], expected=ORIGINAL)
    report = plan.run(student)
    report.raise_for("copy")
    same = report.value(index, "q4")
    assert same["count"] == same["expected_count"], (
        "on other data, the query returns a different number of rows: "
        "check the year boundaries and the threshold"
    )
    assert same["same"], "on other data, the rows differ from the original query's"
