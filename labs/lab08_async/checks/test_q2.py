"""Question 2: fetch_limited never has more than `limit` requests in flight, and keeps that many
going while ids are waiting, under uneven latency."""

from prodev.checking import check
from prodev.probes.practice import assert_properties, concurrency_summary, idle_share, requests_to

IDS = [14, 2, 8, 21, 5, 17, 11, 3, 9, 25, 6, 19]
LIMIT = 3
UNEVEN = (0.15, 2.4)  # seconds: a fast request finishes while slow ones are still out
MOST_IDLE = 0.25  # share of the slots that may sit empty: hand-overs take a few ms each, more on
# a busy machine, against requests of 1.3 s on average; batches leave over 35% empty


def run(student, api):
    with api.switched(latency=UNEVEN):
        got = student.call("fetch_limited", api.url, IDS, LIMIT)
    return got, requests_to(api, "/api/properties/")


@check("q2", points=1)
def test_stays_within_the_limit(student, api):
    got, records = run(student, api)
    assert_properties(got, IDS, "fetch_limited")
    most = max((r.in_flight for r in records), default=0)
    assert most <= LIMIT, f"{most} requests were in flight at once although the limit was {LIMIT}"


@check("q2", points=1)
def test_keeps_the_limit_busy(student, api):
    _, records = run(student, api)
    most = max((r.in_flight for r in records), default=0)
    assert most == LIMIT, (
        f"with limit={LIMIT} your requests ran {concurrency_summary(records)}: the API allowed "
        f"{LIMIT} at once and never saw that many"
    )
    idle = idle_share(records, LIMIT)
    assert idle <= MOST_IDLE, (
        f"while ids were still waiting, {idle:.0%} of the {LIMIT} slots stood empty: a request "
        "that finished early was not replaced until slower ones had finished too"
    )
