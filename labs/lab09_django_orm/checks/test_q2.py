"""Question 2: host_league with annotate, in one query."""

from prodev.checking import check, fingerprint
from prodev.probes.orm import orm_call

CASES = [((2024, 5), 5, "2974ebbc98b4c6b0"), ((2023, 10), 10, "2990306dd1c1860b")]


@check("q2", points=1)
def test_results_and_one_query(student, stayhub):
    for args, count, digest in CASES:
        call = orm_call(student, "host_league", stayhub, *args, writes=False)
        got = call.result()
        assert isinstance(got, list) and all(isinstance(r, list) and len(r) == 4 for r in got), (
            "host_league should return a list of [host_id, email, stays, revenue] rows"
        )
        assert len(got) == count, f"host_league{args} returns {len(got)} rows; expected {count}"
        assert fingerprint(got, ordered=True) == digest, (
            f"host_league{args} is not right: only confirmed stays starting in that year count, "
            "revenue is their total_price, highest first"
        )
        call.within_budget(1, "host_league")
