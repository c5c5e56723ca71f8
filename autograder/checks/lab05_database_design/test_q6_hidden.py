"""Question 6, hidden: cancelled and pending stays, stays inside others, a stay with no status,
updates, and two bookings written at the same moment."""

from prodev.checking import check
from prodev.kits import pgscratch
from prodev.kits.overlaps import INSERT, applied, judge

# (booking_id, property_id, guest_id, start_date, end_date, status)
ROWS = [
    ((20, 7, 1, "2025-12-20", "2026-01-03", "pending"), True, "a pending stay over new year"),
    (
        (21, 7, 2, "2025-12-24", "2025-12-26", "confirmed"),
        False,
        "a stay inside a pending stay of the same property",
    ),
    (
        (22, 7, 3, "2025-12-20", "2026-01-03", "confirmed"),
        False,
        "a stay on exactly the nights of another",
    ),
    (
        (23, 7, 4, "2026-01-02", "2026-01-04", "confirmed"),
        False,
        "a stay sharing only the last night of another",
    ),
    (
        (24, 7, 5, "2025-12-17", "2025-12-20", "confirmed"),
        True,
        "a stay ending on the day another starts",
    ),
    (
        (25, 7, 6, "2025-12-28", "2025-12-30", "cancelled"),
        True,
        "a cancelled stay on nights that are taken",
    ),
    (
        (26, 8, 7, "2026-02-01", "2026-02-05", "cancelled"),
        True,
        "a cancelled stay",
    ),
    (
        (27, 8, 8, "2026-02-02", "2026-02-04", "confirmed"),
        True,
        "a stay on the nights of a cancelled one only",
    ),
    (
        (28, 8, 9, "2026-02-03", "2026-02-05", None),
        False,
        "a stay with no status (NULL) on nights that are taken",
    ),
]
# (statement, should_go_through, description), run after ROWS.
UPDATES = [
    (
        "UPDATE bookings SET start_date = '2025-12-18', end_date = '2025-12-22' "
        "WHERE booking_id = 24",
        False,
        "moving a stay onto nights that are taken (an UPDATE)",
    ),
    (
        "UPDATE bookings SET status = 'confirmed' WHERE booking_id = 26",
        False,
        "confirming again a cancelled stay whose nights were rebooked (an UPDATE)",
    ),
    (
        "UPDATE bookings SET status = 'cancelled' WHERE booking_id = 20",
        True,
        "cancelling a stay",
    ),
]


@check("q6", points=1)
def test_cancelled_pending_nested_and_updated_stays(student):
    with applied(student) as database:
        problem = judge(database, ROWS)
        assert problem is None, problem
        for statement, should_pass, description in UPDATES:
            refusal = database.try_statement(statement)
            assert not (should_pass and refusal is not None), (
                f"{description} was refused ({refusal and refusal.message}), though it should go "
                "through"
            )
            assert not (not should_pass and refusal is None), (
                f"{description} went through: the database let a double booking in"
            )


@check("q6", points=1)
def test_two_bookings_at_the_same_moment(student):
    with applied(student) as database:
        first = (INSERT, (30, 9, 1, "2026-05-01", "2026-05-04", "confirmed"))
        second = (INSERT, (31, 9, 2, "2026-05-03", "2026-05-06", "pending"))
        outcome = pgscratch.race(database, first, second)
        kept = database.rows("SELECT count(*) FROM bookings WHERE property_id = 9")[0][0]
        assert kept == 1 and outcome.second is not None, (
            "two overlapping stays booked at the same moment, from two sessions, both got in: "
            "a rule that looks for other rows only sees committed ones"
        )
