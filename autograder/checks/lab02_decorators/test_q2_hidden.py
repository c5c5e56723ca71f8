"""Hidden checks of question 2 (`timed`): failed calls are timed too."""

import math

from prodev import probes
from prodev.checking import check


@check("q2", points=1)
def test_reports_failed_calls_too(student):
    target = probes.target(name="sync_calendar", cost=0.75, clock="clock", fail_times=1)
    got = probes.probe_decorate(
        student, "timed", target, [{"args": []}, {"args": []}], probes.clock(), probes.log()
    )
    first, second = got["steps"]
    assert first.get("raised") == "ConnectionError", (
        f"a failing call should still raise its exception; got {first}"
    )
    assert "value" in second, f"a later successful call should return; got {second}"
    records = got["probes"]["log"]["records"]
    assert len(records) == 2, (
        f"two calls (one failed) should give two reports, got {len(records)}: report in a `finally`"
    )
    assert all(r[0] == "sync_calendar" and math.isclose(r[1], 0.75) for r in records), (
        "the reported names or durations are not right"
    )
