"""Hidden checks of question 3 (`retry`): jitter, cap and which exceptions are retried."""

import math

from prodev import probes
from prodev.checking import check


@check("q3", points=1)
def test_jitter_and_cap(student):
    target = probes.target(name="fetch_rates", fail_times=5, returns={"EUR": 1.0})
    got = probes.probe_decorate(
        student,
        "retry",
        target,
        [{"args": []}],
        6,
        0.2,
        1.0,
        sleep=probes.sleep(),
        rand=probes.rand([0.9, 0.1, 0.5, 0.75, 0.25]),
    )
    expected = [0.9 * 0.2, 0.1 * 0.4, 0.5 * 0.8, 0.75 * 1.0, 0.25 * 1.0]
    sleeps = got["probes"]["clock"]["sleeps"]
    assert got["steps"][0].get("value") == {"EUR": 1.0}, "the eventual result was not returned"
    assert len(sleeps) == len(expected) and all(
        math.isclose(a, b) for a, b in zip(sleeps, expected, strict=True)
    ), (
        "with other delays and random values the waits are not right: check the cap and "
        "which rand() value goes with which retry"
    )


@check("q3", points=1)
def test_only_listed_exceptions_are_retried(student):
    def run(exception):
        target = probes.target(name="reserve", fail_times=1, exception=exception)
        return probes.probe_decorate(
            student,
            "retry",
            target,
            [{"args": [1]}],
            3,
            1,
            5,
            retry_on=probes.exceptions("ConnectionError", "TimeoutError"),
            sleep=probes.sleep(),
            rand=probes.rand([1.0]),
        )

    other = run("ValueError")
    assert probes.raised(other) == ["ValueError"], "an unlisted exception should propagate"
    retried = len(other["probes"]["target"]["calls"]) > 1 or other["probes"]["clock"]["sleeps"]
    assert not retried, (
        "an exception not in retry_on was retried: it should propagate at once, without a wait"
    )
    listed = run("TimeoutError")
    assert "value" in listed["steps"][0] and len(listed["probes"]["target"]["calls"]) == 2, (
        "an exception listed in retry_on (the second of two) was not retried"
    )
