"""Question 1, hidden: the cardinality at both ends of every relationship."""

from prodev.checking import check
from prodev.kits.erdiagram import DiagramError, parse

ONE = (1, 1)
ZERO_OR_ONE = (0, 1)
MANY = (0, "n")
# (entity a, entity b, how many a per b, how many b per a, the question to ask)
EXPECTED = [
    ("USERS", "PROPERTIES", ONE, MANY, "how many hosts does a property have?"),
    ("USERS", "BOOKINGS", ONE, MANY, "how many guests make one booking?"),
    ("PROPERTIES", "BOOKINGS", ONE, MANY, "how many properties is one booking for?"),
    ("BOOKINGS", "REVIEWS", ONE, ZERO_OR_ONE, "how many reviews can a booking have?"),
    ("BOOKINGS", "PAYMENTS", ONE, MANY, "how many payments can a booking have?"),
]


@check("q1", points=1)
def test_cardinalities(student):
    text = student.value("er_diagram")
    assert "NotImplementedError" not in str(text), "not answered yet: write your diagram"
    try:
        er = parse(text)
    except DiagramError as exc:
        raise AssertionError(f"the diagram does not parse: {exc}") from None
    for a, b, per_b, per_a, question in EXPECTED:
        found = er.between(a, b)
        assert len(found) == 1, f"expected one relationship between {a} and {b}"
        relation = found[0]
        right = relation.cardinality_at(a) == per_b and relation.cardinality_at(b) == per_a
        assert right, f"the cardinality of {a}-{b} is not right at one of its ends: {question}"
