"""Question 3: `retry(...)` retries with capped exponential backoff and jitter."""

import math

from prodev import probes
from prodev.checking import check


def _retry(student, attempts, base, cap, fail_times, rand_values):
    target = probes.target(name="charge_card", fail_times=fail_times, returns="charged")
    return probes.probe_decorate(
        student,
        "retry",
        target,
        [{"args": [42]}],
        attempts,
        base,
        cap,
        sleep=probes.sleep(),
        rand=probes.rand(rand_values),
    )


@check("q3", points=1)
def test_retries_until_success(student):
    got = _retry(student, attempts=4, base=1, cap=3, fail_times=3, rand_values=[0.5])
    step = got["steps"][0]
    calls = len(got["probes"]["target"]["calls"])
    sleeps = got["probes"]["clock"]["sleeps"]
    assert step.get("value") == "charged", (
        f"a function that fails 3 times then succeeds, retried with attempts=4, should return "
        f"its result; the call gave {step} after {calls} calls"
    )
    assert len(sleeps) == 3, f"three failures should mean three sleeps, there were {len(sleeps)}"
    assert all(math.isclose(a, b) for a, b in zip(sleeps, [0.5, 1.0, 1.5], strict=True)), (
        f"the waits were {sleeps}: with base_delay=1, max_delay=3 and rand() = 0.5 they should "
        "double from 0.5 and stop growing at the cap"
    )


@check("q3", points=1)
def test_gives_up_after_the_last_attempt(student):
    got = _retry(student, attempts=3, base=1, cap=10, fail_times=99, rand_values=[0.5])
    step = got["steps"][0]
    calls = len(got["probes"]["target"]["calls"])
    sleeps = got["probes"]["clock"]["sleeps"]
    assert calls == 3, f"with attempts=3 the function should be called 3 times, not {calls}"
    assert probes.raised(got) == ["ConnectionError"], (
        f"when every attempt fails, the last error should propagate; the call gave {step}"
    )
    assert len(sleeps) == 2, (
        f"3 attempts need 2 waits between them, there were {len(sleeps)}: do not sleep after "
        "the last attempt"
    )
