"""Question 3: fetch_with_timeout gives up on slow requests and keeps the fast ones."""

import time

from prodev.checking import check
from prodev.probes.practice import assert_properties, requests_to

IDS = list(range(31, 43))
TIMEOUT = 0.5
MARGIN = 0.15  # requests this close to the timeout may go either way


@check("q3", points=1)
def test_slow_requests_give_none(student, api):
    with api.switched(latency=(0.05, 1.2)):
        start = time.monotonic()
        got = student.call("fetch_with_timeout", api.url, IDS, TIMEOUT)
        deadline = time.monotonic() + 3
        while api.in_flight and time.monotonic() < deadline:  # let abandoned requests finish
            time.sleep(0.05)
    assert_properties(got, IDS, "fetch_with_timeout")
    served = {
        int(r.path.strip("/").split("/")[-1]): r for r in requests_to(api, "/api/properties/")
    }
    for property_id, item in zip(IDS, got, strict=True):
        record = served.get(property_id)
        if record is None:
            continue
        if item is None and record.ended <= start + TIMEOUT - MARGIN:
            raise AssertionError(
                f"property {property_id} was answered {record.ended - start:.2f} s after the "
                f"call, within the {TIMEOUT} s timeout, but you returned None for it: give each "
                "request its own timeout, not the whole batch"
            )
        if item is not None and record.duration >= TIMEOUT + MARGIN:
            raise AssertionError(
                f"property {property_id} took {record.duration:.2f} s, over the {TIMEOUT} s "
                "timeout, but you waited for it: wrap each request in asyncio.wait_for(..., "
                "timeout) and return None on TimeoutError"
            )
    assert any(item is not None for item in got), "every property came back None"
