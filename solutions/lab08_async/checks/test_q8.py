"""Question 8: fetch_resilient retries 5xx answers with exponential backoff, never asks for one id
more than max_attempts times, reports the ids that failed for good, and loses no sibling.

All evidence is the practice API's log: which ids it answered, how often each was asked for, and
the pause between two requests for the same id on the API's own clock. The planted failures are
answered at once, so the id that fails for good gives up while the transient ones are still
waiting for their last, slow answer: a client that lets that failure cancel or drop the others
loses them every time, however fast the machine.
"""

from prodev.checking import check
from prodev.probes.practice import (
    assert_properties,
    attempts_by_id,
    backoff_shortfalls,
    resilience_problems,
    run_with_planted_failures,
)

IDS = [14, 3, 27, 8, 41, 19, 5, 33, 22, 11]
MAX_ATTEMPTS = 4
BACKOFF = 0.1
# Property 27 fails every time; 8 fails max_attempts - 1 times (its last attempt succeeds), 41
# fails twice and 5 once. Everything that is answered properly takes 0.3 to 0.8 s.
PLAN = {27: None, 8: MAX_ATTEMPTS - 1, 41: 2, 5: 1}
UNEVEN = (0.3, 0.8)
SEED = 8


def run(student, api):
    return run_with_planted_failures(
        student, api, "fetch_resilient", IDS, MAX_ATTEMPTS, BACKOFF, PLAN, UNEVEN, SEED
    )


@check("q8", points=1)
def test_reports_what_failed_and_keeps_the_rest(student, api):
    got, records = run(student, api)
    assert isinstance(got, dict) and set(got) == {"properties", "failed"}, (
        'fetch_resilient should return a dict with the keys "properties" and "failed"'
    )
    assert_properties(got["properties"], IDS, "fetch_resilient")
    problem = resilience_problems(got, IDS, MAX_ATTEMPTS, records)
    assert problem is None, problem and problem[0]
    most = max((r.in_flight for r in records), default=0)
    assert most >= len(IDS) // 2, (
        f"at most {most} of your requests were in flight at once, for {len(IDS)} ids: fetch "
        "the ids concurrently, so that one id's retries never hold up the others"
    )


@check("q8", points=1)
def test_never_more_than_max_attempts(student, api):
    _, records = run(student, api)
    attempts = attempts_by_id(IDS, records)
    for property_id, asked in attempts.items():
        assert len(asked) <= MAX_ATTEMPTS, (
            f"property {property_id} was requested {len(asked)} times, more than "
            f"max_attempts={MAX_ATTEMPTS}: retries must stop at the bound"
        )
        answered = [i for i, r in enumerate(asked) if r.status < 500]
        assert not answered or answered[0] == len(asked) - 1, (
            f"property {property_id} was requested again after the API had answered it"
        )
    assert len(attempts[27]) == MAX_ATTEMPTS, (
        f"property 27, which fails every time, was requested {len(attempts[27])} times, not "
        f"max_attempts={MAX_ATTEMPTS}: give up only when the attempts are used up"
    )


@check("q8", points=1)
def test_backs_off_before_each_retry(student, api):
    _, records = run(student, api)
    short = backoff_shortfalls(IDS, BACKOFF, records)
    assert not short, (
        f"property {short[0][0]} was asked again {short[0][2]:.3f} s after its failure number "
        f"{short[0][1]}, on the API's clock; with backoff={BACKOFF} the pause after failure n "
        "is backoff * 2 ** (n - 1): wait before each retry, longer each time"
    )
