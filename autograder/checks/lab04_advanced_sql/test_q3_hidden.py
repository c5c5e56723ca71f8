"""Hidden checks for question 3 of lab 04: properties without a confirmed stay in 2024.

Run the reference query and the student's on a dataset the student never saw, and compare.
"""

import json

from prodev.checking import assert_rows, check

REFERENCE = """
SELECT p.property_id, p.name, p.city
FROM properties AS p
WHERE NOT EXISTS (
    SELECT 1
    FROM bookings AS b
    WHERE b.property_id = p.property_id
      AND b.status = 'confirmed'
      AND b.start_date >= DATE '2024-01-01' AND b.start_date < DATE '2025-01-01'
)
"""

COLUMNS = ["property_id", "name", "city"]


@check("q3", points=1)
def test_q3_on_unseen_data(student, stayhub_unseen, reference):
    """The same result as the reference on other data (row order ignored)."""
    expected = reference(REFERENCE, stayhub_unseen)
    actual = student.sql("q3", stayhub_unseen)
    assert_rows(
        actual,
        expected.rows,
        columns=COLUMNS,
        ordered=False,
        hint=(
            "on a dataset you have not seen, your result differs: which properties have no "
            "confirmed stay starting in 2024?"
        ),
        counts=False,
    )


def first_values(rows: list) -> set[str]:
    """The first column of each row, as JSON text (hashable whatever its type)."""
    return {json.dumps(row[0], sort_keys=True) for row in rows if row}


BOOKED_BUT_NOT_CONFIRMED_IN_2024 = """
SELECT p.property_id
FROM properties AS p
WHERE EXISTS (SELECT 1 FROM bookings AS b WHERE b.property_id = p.property_id)
  AND NOT EXISTS (
      SELECT 1
      FROM bookings AS b
      WHERE b.property_id = p.property_id
        AND b.status = 'confirmed'
        AND b.start_date >= DATE '2024-01-01' AND b.start_date < DATE '2025-01-01'
  )
"""


@check("q3", points=1)
def test_q3_keeps_properties_booked_only_at_other_times(student, stayhub_unseen, reference):
    """Properties with bookings, none of them a confirmed 2024 stay, belong in the answer."""
    wanted = first_values(reference(BOOKED_BUT_NOT_CONFIRMED_IN_2024, stayhub_unseen).rows)
    assert wanted, "the hidden dataset has no property booked only outside confirmed 2024 stays"
    got = first_values(student.sql("q3", stayhub_unseen).rows)
    assert not wanted - got, (
        "properties that have bookings, but no confirmed stay starting in 2024, are missing: a "
        "booking in another year, or one that is pending or cancelled, does not count"
    )


@check("q3", points=1)
def test_q3_on_planted_cases(student, planted):
    """The same result as the reference on hand-made rows holding the cases the question names: a
    property never booked, one booked only in 2023 and 2025, one with only pending or
    cancelled 2024 stays, and one whose only 2024 stay starts on 31 December."""
    assert_rows(
        planted.student(student, "q3"),
        planted.reference(REFERENCE).rows,
        columns=COLUMNS,
        ordered=False,
        hint=(
            "on hand-made rows with the cases the question names, your result differs: "
            "check which stays count as a confirmed stay starting in 2024"
        ),
        counts=False,
    )
