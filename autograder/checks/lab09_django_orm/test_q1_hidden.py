"""Question 1, hidden: find_properties on unseen data, other cities, budgets and cases."""

from decimal import Decimal

import duckdb

from prodev.checking import check
from prodev.probes.orm import orm_call

CASES = [("lisbon", 2, 90), ("LONDON", 4, 150.5), ("Nairobi", 1, 40), ("Paris", 6, 300)]


def expected(dataset, city, guests, max_price):
    budget = Decimal(str(max_price))
    con = duckdb.connect(str(dataset), read_only=True)
    try:
        rows = con.execute(
            """
            SELECT property_id FROM properties p
            WHERE lower(city) = lower(?) AND max_guests >= ?
              AND (price_per_night <= ? OR (price_per_night <= ? AND bedrooms >= 3))
              AND NOT EXISTS (
                  SELECT 1 FROM reviews r WHERE r.property_id = p.property_id AND r.rating = 1)
            ORDER BY price_per_night, property_id
            """,
            [city, guests, budget, budget * Decimal("1.25")],
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


@check("q1", points=1)
def test_unseen_data(student, stayhub_unseen):
    for city, guests, max_price in CASES:
        call = orm_call(
            student, "find_properties", stayhub_unseen, city, guests, max_price, writes=False
        )
        got, want = call.result(), expected(stayhub_unseen, city, guests, max_price)
        assert isinstance(got, list), "find_properties should return a list of ids"
        assert sorted(got) == sorted(want), (
            "on other data, find_properties returns the wrong ids: check each filter (city, "
            "guests, price) and that the price is per night"
        )
        assert got == want, "on other data, the ids are right but not ordered by price, then id"
        call.within_budget(1, "find_properties")
