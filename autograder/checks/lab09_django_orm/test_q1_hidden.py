"""Question 1, hidden: find_properties on unseen data, other cities, budgets and cases; and one
case whose data the grader changes first, so that each boundary the question names is met
exactly: a price equal to the budget, a family home at exactly 1.25 times it (and one a cent
above), exactly 3 bedrooms, exactly `guests` places, two properties at the same price (the
higher id stored first), and a property with a 1-star review among better ones."""

from decimal import Decimal

from prodev.checking import check
from prodev.probes.orm import orm_call

CASES = [("lisbon", 2, 90), ("LONDON", 4, 150.5), ("Nairobi", 1, 40), ("Paris", 6, 300)]

EXPECTED = """
SELECT property_id FROM properties p
WHERE lower(city) = lower({city}) AND max_guests >= {guests}
  AND (price_per_night <= {budget} OR (price_per_night <= {family} AND bedrooms >= 3))
  AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.property_id = p.property_id AND r.rating = 1)
ORDER BY price_per_night, property_id
"""


def expected(city: str, guests: int, max_price: float) -> str:
    budget = Decimal(str(max_price))
    return EXPECTED.format(
        city=f"'{city}'", guests=int(guests), budget=budget, family=budget * Decimal("1.25")
    )


def boundaries(city: str, guests: int, max_price: float) -> list[str]:
    """Statements that put the question's boundaries into `city`'s properties."""
    budget = Decimal(str(max_price))
    family = budget * Decimal("1.25")

    def nth(n: int) -> str:  # the n-th property of the city without a 1-star review, by id
        return (
            f"(SELECT property_id FROM properties p WHERE lower(city) = lower('{city}') AND NOT "
            "EXISTS (SELECT 1 FROM reviews r WHERE r.property_id = p.property_id AND r.rating = 1)"
            f" ORDER BY property_id LIMIT 1 OFFSET {n})"
        )

    def make(n: int, price: Decimal, bedrooms: int, places: int) -> str:
        return (
            f"UPDATE properties SET price_per_night = {price}, bedrooms = {bedrooms}, "
            f"max_guests = {places} WHERE property_id = {nth(n)}"
        )

    tie = (budget * Decimal("0.8")).quantize(Decimal("0.01"))
    return [
        make(0, budget, 2, guests),  # at the budget, exactly `guests` places
        make(1, family, 3, guests + 2),  # a family home at exactly 1.25 times the budget
        make(2, family + Decimal("0.01"), 3, guests + 2),  # a cent above
        make(3, family, 2, guests + 2),  # at 1.25 times, but not a family home
        make(5, tie, 1, guests),  # a tie; the lower id written last, so stored last
        make(4, tie, 1, guests),
        # A 1-star review among 5-star ones (the property then leaves `nth`: changed last).
        make(6, tie - 1, 1, guests),
        f"UPDATE reviews SET rating = 5 WHERE property_id = {nth(6)}",
        f"UPDATE reviews SET rating = 1 WHERE review_id = (SELECT min(review_id) FROM reviews "
        f"WHERE property_id = {nth(6)})",
    ]


def judge(call, snapshot):
    got, want = call.result(), [row[0] for row in snapshot]
    assert isinstance(got, list), "find_properties should return a list of ids"
    assert sorted(got) == sorted(want), (
        "on other data, find_properties returns the wrong ids: check each filter (city, "
        "guests, price) at its boundary, and properties with a 1-star review among others"
    )
    assert got == want, (
        "on other data, the ids are right but not ordered by price, then id (two properties "
        "cost the same)"
    )
    call.within_budget(1, "find_properties")


@check("q1", points=1)
def test_unseen_data(student, stayhub_unseen):
    for city, guests, max_price in CASES:
        call = orm_call(
            student,
            "find_properties",
            stayhub_unseen,
            city,
            guests,
            max_price,
            writes=False,
            snapshot=[expected(city, guests, max_price)],
        )
        judge(call, call.before[0])
    # The boundaries, planted in one city.
    city, guests, max_price = "Lisbon", 2, 96
    call = orm_call(
        student,
        "find_properties",
        stayhub_unseen,
        city.upper(),
        guests,
        max_price,
        prepare=boundaries(city, guests, max_price),
        snapshot=[expected(city, guests, max_price)],
    )
    judge(call, call.before[0])
