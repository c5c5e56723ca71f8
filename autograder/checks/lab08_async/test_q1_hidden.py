"""Question 1, hidden: repeated ids under uneven latency, and an empty list."""

from prodev.checking import check
from prodev.probes.practice import assert_properties, practice_api_fixture

api = practice_api_fixture(latency=0.2)


@check("q1", points=1)
def test_repeated_ids_and_no_ids(student, api):
    ids = [40, 6, 40, 17]
    # With this seed the first request to arrive is the slowest (0.98 s, then 0.1, 0.74, 0.51):
    # answers come back in another order than the ids.
    with api.switched(latency=(0.05, 1.0), switch_seed=52):
        got = student.call("fetch_properties", api.url, ids)
    assert_properties(got, ids, "fetch_properties")
    assert None not in got, "fetch_properties returned None for a property: return every one"
    empty = student.call("fetch_properties", api.url, [])
    assert empty == [], f"fetch_properties(url, []) should return [], got {type(empty).__name__}"
