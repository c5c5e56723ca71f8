"""Public checks for question 9 of lab 04 (no double booking).

The course dataset holds no double booking, so a query that returns nothing would look right
there: one check runs your query on a few planted stays too, and compares the result with the
expected one through a hash (`fingerprint`), which says whether your rows match without saying
what they should be.
"""

from prodev.checking import check, fingerprint
from prodev.checking.student import duckdb_script

COLUMNS = ["property_id", "booking_id", "other_booking_id", "shared_nights"]

# Listing 1: stays that touch (2 arrives the day 1 leaves), a cancelled stay over 1, a pending
# stay over 2. Listing 2: a week-long stay holding two short ones. Listing 3: the dates of 1.
PLANTED_STAYS = """
CREATE TABLE bookings (
    booking_id INTEGER PRIMARY KEY, property_id INTEGER NOT NULL, guest_id INTEGER NOT NULL,
    start_date DATE NOT NULL, end_date DATE NOT NULL, nights INTEGER NOT NULL,
    status VARCHAR NOT NULL, total_price DECIMAL(10, 2) NOT NULL, created_at TIMESTAMP NOT NULL
);
INSERT INTO bookings
SELECT id, property, 10 + id, arrival, arrival + nights, nights, status, 80 * nights,
       TIMESTAMP '2024-01-01'
FROM (VALUES (1, 1, DATE '2024-06-01', 4, 'confirmed'), (2, 1, DATE '2024-06-05', 2, 'confirmed'),
             (3, 1, DATE '2024-06-02', 1, 'cancelled'), (4, 1, DATE '2024-06-06', 3, 'pending'),
             (6, 2, DATE '2024-07-01', 7, 'confirmed'), (5, 2, DATE '2024-07-03', 2, 'confirmed'),
             (7, 2, DATE '2024-07-06', 1, 'pending'),
             (8, 3, DATE '2024-06-01', 4, 'confirmed'))
     AS t(id, property, arrival, nights, status)
"""
PLANTED_FINGERPRINT = "3ce9c90ab0a684c6"  # of the expected rows on those stays, in order


@check("q9", points=1)
def test_q9_columns(student, stayhub):
    """The columns are the ones the question names, in its order."""
    columns = student.sql("q9", stayhub).columns
    assert [c.lower() for c in columns] == COLUMNS, (
        f"expected the columns {COLUMNS} in this order, got {columns}: name them with AS"
    )


@check("q9", points=1)
def test_q9_no_double_booking_in_course_data(student, stayhub):
    """The course dataset has no two active stays of one listing on the same night."""
    rows = student.sql("q9", stayhub).rows
    itself = [r for r in rows if len(r) > 2 and r[1] == r[2]]
    assert not itself, (
        f"{len(itself)} of your rows pair a stay with itself: a stay cannot double book "
        "its own nights"
    )
    assert not rows, (
        f"the course dataset holds no double booking, yet your query reports {len(rows)} "
        "pairs: does a stay that begins on the day another one ends count as overlapping?"
    )


@check("q9", points=1)
def test_q9_planted_stays(student):
    """On planted stays (touching, cancelled, pending, one inside another) the pairs found
    are the expected ones, in the expected order."""
    result = student.sql("q9", duckdb_script(PLANTED_STAYS))
    assert fingerprint(result.rows, ordered=True) == PLANTED_FINGERPRINT, (
        "on a few planted stays (some touching, one cancelled, one pending, two inside a "
        "longer one) your pairs differ: is each pair listed once with the smaller id first, "
        "does a cancelled stay hold no night, does every stay meet every other stay of its "
        "listing (not only the one before it), and is the order the one asked for?"
    )
