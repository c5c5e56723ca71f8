"""Hidden checks for question 7 of lab 04: the top 3 properties of every city, ties kept.

Run the reference query and the student's on a dataset the student never saw, and compare.
"""

from prodev.checking import assert_rows, check

REFERENCE = """
WITH counts AS (
    SELECT p.city, p.property_id, count(*) AS confirmed_bookings
    FROM properties AS p
    JOIN bookings AS b ON b.property_id = p.property_id
    WHERE b.status = 'confirmed'
    GROUP BY p.city, p.property_id
),
ranked AS (
    SELECT *, rank() OVER (PARTITION BY city ORDER BY confirmed_bookings DESC) AS city_rank
    FROM counts
)
SELECT city, property_id, confirmed_bookings, city_rank
FROM ranked
WHERE city_rank <= 3
"""

COLUMNS = ["city", "property_id", "confirmed_bookings", "city_rank"]


@check("q7", points=1)
def test_q7_on_unseen_data(student, stayhub_unseen, reference):
    """The same result as the reference on other data (row order ignored)."""
    expected = reference(REFERENCE, stayhub_unseen)
    actual = student.sql("q7", stayhub_unseen)
    assert_rows(
        actual,
        expected.rows,
        columns=COLUMNS,
        ordered=False,
        hint=(
            "on a dataset you have not seen, your ranking differs: check the status filter, "
            "the partition and the tie rule"
        ),
        counts=False,
    )


@check("q7", points=1)
def test_q7_ties_share_a_rank(student, stayhub_unseen, reference):
    """In cities where properties tie within the top 3, every tied property keeps the same rank."""
    expected = reference(REFERENCE, stayhub_unseen).rows
    by_city: dict = {}
    for row in expected:
        by_city.setdefault(row[0], []).append(row)
    tied = {city for city, rows in by_city.items() if len({r[2] for r in rows}) < len(rows)}
    assert tied, "the hidden dataset has no tie in any city's top 3"
    got = student.sql("q7", stayhub_unseen).rows
    wrong = 0
    for city in tied:
        want = sorted((tuple(r) for r in by_city[city]), key=repr)
        have = sorted((tuple(r) for r in got if r and r[0] == city), key=repr)
        wrong += want != have
    assert not wrong, (
        "in cities where properties tie on confirmed bookings, your rows differ: tied "
        "properties share a rank, the next rank is skipped, and every property ranked 3 or "
        "better is kept"
    )


@check("q7", points=1)
def test_q7_on_planted_cases(student, planted):
    """The same result as the reference on hand-made rows holding the cases the question names:
    properties tied at the top of a city, properties tied in third place, cancelled stays
    and a property never confirmed."""
    assert_rows(
        planted.student(student, "q7"),
        planted.reference(REFERENCE).rows,
        columns=COLUMNS,
        ordered=False,
        hint=(
            "on hand-made rows with the cases the question names, your result differs: "
            "check the tie rule, the status filter and that every property ranked 3 or better"
            " is kept"
        ),
        counts=False,
    )
