"""Hidden checks of question 2 (`timed`): failed calls are timed too, a KeyboardInterrupt too."""

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
    assert probes.raised(got)[0] == "ConnectionError", (
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
    # "Whether it returned or raised": a Ctrl-C (KeyboardInterrupt, no Exception) raises too.
    target = probes.target(
        name="import_ical", cost=0.5, clock="clock", fail_times=1, exception="KeyboardInterrupt"
    )
    got = probes.probe_decorate(
        student, "timed", target, [{"args": []}], probes.clock(), probes.log()
    )
    assert probes.raised(got) == ["KeyboardInterrupt"], (
        "a call interrupted by Ctrl-C should still propagate its KeyboardInterrupt"
    )
    records = got["probes"]["log"]["records"]
    assert [r[0] for r in records] == ["import_ical"] and math.isclose(records[0][1], 0.5), (
        "a call interrupted by Ctrl-C (a KeyboardInterrupt, which is no Exception) was not "
        "reported once with its duration: report after any raise, not only after an Exception"
    )
