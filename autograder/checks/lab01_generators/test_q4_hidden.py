"""Hidden checks of question 4 (`booking_stats`): a stream the student never saw."""

import math

from prodev import probes
from prodev.checking import check


def _reference(rows):
    stats = {}
    for status, nights, price in rows:
        entry = stats.setdefault(status, [0, 0, 0.0])
        entry[0] += 1
        entry[1] += nights
        entry[2] += price
    return stats


@check("q4", points=1)
def test_other_stream_and_empty_stream(student):
    n, seed = 3_000, 2024
    expected = _reference(probes.booking_rows(n, seed))
    got = probes.probe_call(student, "booking_stats", probes.source(bookings=n, seed=seed))["value"]
    assert isinstance(got, dict) and sorted(got) == sorted(expected), (
        "on another stream of bookings the statuses in the result are not right"
    )
    for status, (count, nights, revenue) in expected.items():
        entry = got[status]
        assert entry["bookings"] == count and entry["nights"] == nights, (
            f"on another stream the counts or nights of '{status}' bookings are wrong"
        )
        assert math.isclose(entry["revenue"], revenue, rel_tol=1e-9, abs_tol=0.01), (
            f"on another stream the revenue of '{status}' bookings is wrong"
        )
    empty = probes.probe_call(student, "booking_stats", probes.source(items=[]))["value"]
    assert empty == {}, "an empty stream should give an empty dict"
