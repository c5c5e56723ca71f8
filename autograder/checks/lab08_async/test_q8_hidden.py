"""Question 8, hidden: another bound and backoff, two ids that fail for good, one that answers
only at its very last attempt, and more uneven latency."""

from prodev.checking import check
from prodev.probes.practice import (
    assert_properties,
    attempts_by_id,
    backoff_shortfalls,
    practice_api_fixture,
    resilience_problems,
    run_with_planted_failures,
)

api = practice_api_fixture(latency=0.2)
IDS = [52, 7, 36, 61, 18, 44, 29, 3, 57]
MAX_ATTEMPTS = 3
BACKOFF = 0.15
# 36 and 3 fail for good; 61 answers only at its third and last attempt, 18 at its second.
PLAN = {36: None, 3: None, 61: MAX_ATTEMPTS - 1, 18: 1}
UNEVEN = (0.35, 1.0)
SEED = 21


def run(student, api):
    return run_with_planted_failures(
        student, api, "fetch_resilient", IDS, MAX_ATTEMPTS, BACKOFF, PLAN, UNEVEN, SEED
    )


@check("q8", points=1)
def test_other_failures_reported_and_siblings_kept(student, api):
    got, records = run(student, api)
    assert isinstance(got, dict) and set(got) == {"properties", "failed"}, (
        'the result is not a dict with the keys "properties" and "failed"'
    )
    assert_properties(got["properties"], IDS, "fetch_resilient")
    problem = resilience_problems(got, IDS, MAX_ATTEMPTS, records)
    assert problem is None, problem and problem[1]
    assert max((r.in_flight for r in records), default=0) >= len(IDS) // 2, (
        "the requests barely overlapped: the ids were not fetched concurrently"
    )


@check("q8", points=1)
def test_other_bound_and_backoff(student, api):
    _, records = run(student, api)
    attempts = attempts_by_id(IDS, records)
    assert all(len(asked) <= MAX_ATTEMPTS for asked in attempts.values()), (
        "an id was requested more times than max_attempts allows"
    )
    assert all(len(attempts[i]) == MAX_ATTEMPTS for i, times in PLAN.items() if times is None), (
        "an id that kept failing was given up before max_attempts requests"
    )
    assert all(all(r.status >= 500 for r in asked[:-1]) for asked in attempts.values()), (
        "an id was requested again after the API had answered it"
    )
    assert not backoff_shortfalls(IDS, BACKOFF, records), (
        "a retry came sooner than the backoff allows after a failure (measured on the API's "
        "clock): the pauses must be backoff, then twice that, and so on"
    )
