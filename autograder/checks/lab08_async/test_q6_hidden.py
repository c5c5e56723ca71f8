"""Question 6, hidden: more properties than the default thread pool has threads."""

import time

from prodev.checking import check
from prodev.probes.practice import practice_api_fixture

api = practice_api_fixture(latency=0.2)


@check("q6", points=1)
def test_twelve_properties(student, api):
    ids = [31, 8, 44, 2, 19, 27, 5, 36, 13, 40, 22, 10]
    start = time.perf_counter()
    got = student.call("scores", api.url, ids)
    elapsed = time.perf_counter() - start
    assert isinstance(got, list) and len(got) == len(ids), "scores returned the wrong number"
    assert elapsed < 0.3 * (len(ids) - 1), (  # a blocked loop takes 0.3 s per call at least
        f"scoring {len(ids)} properties took {elapsed:.2f} s: the event loop is blocked"
    )
