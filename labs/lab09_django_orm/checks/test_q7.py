"""Question 7: faithful_reviewers with Exists and Subquery, in one query."""

from prodev.checking import check, fingerprint
from prodev.probes.orm import orm_call

# (min_stays, number of guests, fingerprints of the ordered rows without and with last_city) on
# the public dataset
CASES = [
    (1, 134, ("8008ddb3c158b2a6", "8433e401e656c31d")),
    (3, 35, ("e81dbdcdd5175fd4", "f3b059fd4f459abd")),
]


def rows_of(student, dataset, min_stays):
    call = orm_call(student, "faithful_reviewers", dataset, min_stays, writes=False)
    got = call.result()
    assert isinstance(got, list) and all(isinstance(r, list) and len(r) == 4 for r in got), (
        "faithful_reviewers should return a list of [user_id, email, stays, last_city] rows"
    )
    return call, got


@check("q7", points=1)
def test_guests_and_their_latest_city(student, stayhub):
    for min_stays, count, digest in CASES:
        _, got = rows_of(student, stayhub, min_stays)
        assert len(got) == count, (
            f"faithful_reviewers({min_stays}) returns {len(got)} guests; expected {count}: only "
            "confirmed bookings count, each of them needs a review, and a guest needs at least "
            "min_stays of them"
        )
        assert fingerprint([r[:3] for r in got], ordered=True) == digest[0], (
            f"faithful_reviewers({min_stays}) returns the right number of guests but not the "
            "right ones, a wrong number of stays, or not ordered by stays then user_id"
        )
        assert fingerprint(got, ordered=True) == digest[1], (
            f"faithful_reviewers({min_stays}) has the right guests but a wrong last_city: it is "
            "the city of the latest confirmed stay (latest start_date, then highest booking_id)"
        )


@check("q7", points=1)
def test_one_query(student, stayhub):
    call, got = rows_of(student, stayhub, 2)
    call.within_budget(1, f"faithful_reviewers(2), for {len(got)} guests")
