"""Hidden checks for question 4 of lab 04: properties above their city's average price.

Run the reference query and the student's on a dataset the student never saw, and compare.
"""

import json

from prodev.checking import assert_rows, check

REFERENCE = """
SELECT p.property_id, p.city, p.price_per_night,
       round((SELECT avg(o.price_per_night)
              FROM properties AS o
              WHERE o.city = p.city), 2) AS city_avg
FROM properties AS p
WHERE p.price_per_night > (SELECT avg(o.price_per_night)
                           FROM properties AS o
                           WHERE o.city = p.city)
"""

COLUMNS = ["property_id", "city", "price_per_night", "city_avg"]


@check("q4", points=1)
def test_q4_on_unseen_data(student, stayhub_unseen, reference):
    """The same result as the reference on other data (row order ignored)."""
    expected = reference(REFERENCE, stayhub_unseen)
    actual = student.sql("q4", stayhub_unseen)
    assert_rows(
        actual,
        expected.rows,
        columns=COLUMNS,
        ordered=False,
        hint=(
            "on a dataset you have not seen, your result differs: compare each property with "
            "the average of its own city"
        ),
        counts=False,
    )


def first_values(rows: list) -> set[str]:
    """The first column of each row, as JSON text (hashable whatever its type)."""
    return {json.dumps(row[0], sort_keys=True) for row in rows if row}


@check("q4", points=1)
def test_q4_compares_with_own_city(student, stayhub_unseen, reference):
    """Every listed property is above its own city's average, and none is left out."""
    wanted = first_values(reference(REFERENCE, stayhub_unseen).rows)
    got = first_values(student.sql("q4", stayhub_unseen).rows)
    assert not got - wanted, (
        "some of the properties you list are not priced above the average of their own city"
    )
    assert not wanted - got, "properties priced above their own city's average are missing"


@check("q4", points=1)
def test_q4_on_planted_cases(student, planted):
    """The same result as the reference on hand-made rows holding the cases the question names:
    properties priced exactly at their city's average, a city with a single property, and a
    city whose average is not a round number."""
    assert_rows(
        planted.student(student, "q4"),
        planted.reference(REFERENCE).rows,
        columns=COLUMNS,
        ordered=False,
        hint=(
            "on hand-made rows with the cases the question names, your result differs: "
            "check that the comparison is strictly greater and made with the property's own city"
        ),
        counts=False,
    )
