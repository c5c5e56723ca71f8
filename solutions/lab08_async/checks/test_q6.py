"""Question 6: scores runs the blocking legacy_score off the event loop."""

import time

import httpx

from prodev.checking import check

IDS = [4, 18, 7, 26, 13, 1, 22, 9, 16, 30]
BLOCKING = 0.3  # seconds legacy_score blocks for


@check("q6", points=1)
def test_scores_without_blocking_the_loop(student, api):
    start = time.perf_counter()
    got = student.call("scores", api.url, IDS)
    elapsed = time.perf_counter() - start
    assert isinstance(got, list) and len(got) == len(IDS), (
        f"scores should return a list of {len(IDS)} numbers"
    )
    with api.switched(latency=None):  # the check's own look-ups need no latency
        listing = httpx.get(f"{api.url}/api/properties/", params={"page_size": 100}).json()
    properties = {p["property_id"]: p for p in listing["results"]}
    for i, score in zip(IDS, got, strict=True):
        prop = properties[i]
        if score != round(prop["price_per_night"] / prop["max_guests"], 2):
            raise AssertionError(f"the score of property {i} is not legacy_score(property)")
    # A blocked loop sleeps the calls one after another: never less than `blocked`. Judging
    # against that, less one call, leaves room for a busy machine's overhead.
    blocked = BLOCKING * len(IDS)
    assert elapsed < blocked - BLOCKING, (
        f"scoring {len(IDS)} properties took {elapsed:.2f} s, as long as {len(IDS)} calls of "
        f"legacy_score one after another ({blocked:.1f} s): the blocking calls ran one at a "
        "time, holding up the event loop"
    )
