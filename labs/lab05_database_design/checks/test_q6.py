"""Question 6: PostgreSQL refuses overlapping stays of one property, and only those."""

from prodev.checking import check
from prodev.kits.overlaps import applied, judge

# (booking_id, property_id, guest_id, start_date, end_date, status)
ROWS = [
    ((1, 10, 100, "2025-03-01", "2025-03-05", "confirmed"), True, "a first stay (1 to 5 March)"),
    (
        (2, 10, 101, "2025-03-03", "2025-03-07", "confirmed"),
        False,
        "a stay of the same property from 3 to 7 March (it shares the nights of the 3rd and 4th)",
    ),
    (
        (3, 10, 102, "2025-03-05", "2025-03-08", "confirmed"),
        True,
        "a stay of the same property starting on 5 March, the day the first one ends",
    ),
    (
        (4, 11, 101, "2025-03-02", "2025-03-06", "confirmed"),
        True,
        "a stay of another property on the same nights",
    ),
]


@check("q6", points=1)
def test_ddl_runs_on_postgresql(student):
    with applied(student):
        pass


@check("q6", points=1)
def test_overlaps_refused_and_touching_stays_accepted(student):
    with applied(student) as database:
        problem = judge(database, ROWS)
        assert problem is None, problem
