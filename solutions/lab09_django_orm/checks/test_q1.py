"""Question 1: find_properties with filter, exclude and Q, in one query."""

from prodev.checking import check, fingerprint
from prodev.probes.orm import orm_call

# (arguments, number of ids, fingerprint of the ordered ids) on the public dataset
CASES = [
    (("Lisbon", 2, 120), 13, "4c8435f69cf5bd9a"),
    (("paris", 4, 200), 28, "10662b7d96e7e8f9"),
]


@check("q1", points=1)
def test_results_and_one_query(student, stayhub):
    for args, count, digest in CASES:
        call = orm_call(student, "find_properties", stayhub, *args, writes=False)
        got = call.result()
        assert isinstance(got, list) and all(isinstance(i, int) for i in got), (
            "find_properties should return a list of integer ids"
        )
        assert len(got) == count, (
            f"find_properties{args} returns {len(got)} ids; expected {count}: check the city "
            "(case-insensitive), the guests, both price rules and the 1-star reviews"
        )
        assert fingerprint([[i] for i in got], ordered=True) == digest, (
            f"find_properties{args} returns the right number of ids but not the right ones, "
            "or not ordered by price then id"
        )
        call.within_budget(1, "find_properties")
