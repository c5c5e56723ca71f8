"""Question 7, hidden: another rate, more uneven latency."""

from prodev.checking import check
from prodev.probes.practice import assert_properties, practice_api_fixture, requests_to, warm_up

api = practice_api_fixture(latency=(0.2, 0.9), switch_seed=4, rate_limit="6/1")
IDS = [17, 3, 29, 8, 44, 21, 5, 38, 12, 26, 9, 31]


@check("q7", points=1)
def test_another_rate(student, api):
    warm_up(api)
    got = student.call("fetch_paced", api.url, IDS, 6)
    records = requests_to(api, "/api/properties/")
    assert not any(r.status == 429 for r in records), "with 6 a second allowed, requests got 429"
    assert_properties(got, IDS, "fetch_paced")
    starts = sorted(r.started for r in records)
    rate = (len(starts) - 1) / max(starts[-1] - starts[0], 1e-9)
    assert rate >= 0.5 * 6, "with 6 a second allowed, the requests arrived far more slowly"
