"""Question 7: fetch_paced stays under the API's rate limit (no 429 in the API's log) while
keeping close to it (the rate the API saw, from the first arrival to the last)."""

from prodev.checking import check
from prodev.probes.practice import assert_properties, requests_to, warm_up

IDS = [6, 19, 2, 33, 11, 27, 4, 15, 40, 8, 23, 1, 36, 12]
PER_SECOND = 10
UNEVEN = (0.3, 0.8)  # every request takes far longer than the gap between two starts
# Half the allowed rate: a paced client on a loaded machine measured 58-60% (unloaded about 90%),
# one request at a time about 15%.
LEAST = 0.5


def run(student, api):
    warm_up(api)
    with api.switched(latency=UNEVEN, rate_limit=f"{PER_SECOND}/1"):
        got = student.call("fetch_paced", api.url, IDS, PER_SECOND)
    return got, requests_to(api, "/api/properties/")


def arrival_rate(records):
    """Requests per second the API saw, from the first arrival to the last."""
    starts = sorted(r.started for r in records)
    span = starts[-1] - starts[0] if len(starts) > 1 else 0.0
    return (len(starts) - 1) / span if span > 0 else float("inf")


@check("q7", points=1)
def test_no_request_refused(student, api):
    got, records = run(student, api)
    refused = sum(r.status == 429 for r in records)
    assert refused == 0, (
        f"the API refused {refused} of your {len(records)} requests with 429: more than "
        f"{PER_SECOND} of them arrived within one second"
    )
    assert_properties(got, IDS, "fetch_paced")
    assert None not in got, "fetch_paced returned None for a property that exists"
    assert len(records) == len(IDS), f"the API saw {len(records)} requests for {len(IDS)} ids"


@check("q7", points=1)
def test_keeps_close_to_the_rate(student, api):
    _, records = run(student, api)
    rate = arrival_rate(records)
    assert rate >= LEAST * PER_SECOND, (
        f"your requests arrived at {rate:.1f} a second, under half the {PER_SECOND} allowed: "
        "each one waited for the previous answers before it started"
    )
