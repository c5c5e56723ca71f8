"""Hidden checks of question 6 (`retried_transaction`): two failed attempts before the one that
succeeds (with the waits between them), another exception (not retried), and a call that
succeeds at once."""

import math

from prodev import probes
from prodev.checking import check

TABLES = {
    "stays": {"columns": [["stay_id", "INTEGER"], ["nights", "INTEGER"]], "rows": [[7, 2]]},
}
WRITES = ["UPDATE stays SET nights = nights + 1 WHERE stay_id = 7"]


def run(student, attempts, **target_options):
    target = probes.target(name="extend_stay", sql=WRITES, **target_options)
    db = probes.database(tables=TABLES, snapshot=["stays"])
    return probes.probe_decorate(
        student, "retried_transaction", target, [{"args": [db]}], attempts, probes.sleep()
    )


@check("q6", points=1)
def test_only_the_successful_attempt_counts(student):
    third = run(student, 3, fail_times=2, exception="ConnectionError")
    assert third["probes"]["db"]["tables"]["stays"] == [[7, 3]], (
        "two attempts failed after writing and the third succeeded: the stay should be "
        "extended by exactly one night"
    )
    waits = third["probes"]["clock"]["sleeps"]
    assert len(waits) == 2 and all(
        math.isclose(a, b) for a, b in zip(waits, [0.1, 0.2], strict=True)
    ), "the waits between attempts are not base_delay=0.1 doubling, capped at 2, without jitter"
    other = run(student, 3, fail_times=1, exception="ValueError")
    assert len(other["probes"]["target"]["calls"]) == 1, (
        "an exception other than ConnectionError was retried: it should propagate at once"
    )
    assert probes.raised(other) == ["ValueError"], (
        "an exception other than ConnectionError should propagate unchanged"
    )
    assert other["probes"]["db"]["tables"]["stays"] == [[7, 2]], (
        "a call that failed with another exception left its write behind"
    )
    first = run(student, 3)
    assert first["probes"]["db"]["tables"]["stays"] == [[7, 3]], (
        "a call that succeeded at once should have its write committed"
    )
