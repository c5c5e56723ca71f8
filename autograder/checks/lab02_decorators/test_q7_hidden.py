"""Hidden checks of question 7 (`async_aware_retry`): cancellation, errors that propagate, and
the backoff of an async function on other delays.

Whether a call was retried, how many attempts ran and how long each wait was come only from the
grader's recorders: its async function counts its calls, its async sleep records each wait, and
its caller stub is told what each awaited call raised as it happened."""

import math

from prodev import probes
from prodev.checking import check


def run(
    student,
    target_options,
    attempts=4,
    base=1,
    cap=8,
    rand_values=(1.0,),
    cancel_wait=None,
    **options,
):
    target = probes.target(name="hold_dates", coroutine=True, **target_options)
    return probes.probe_decorate_async(
        student,
        "async_aware_retry",
        target,
        [{"args": ["b-204"]}],
        attempts,
        base,
        cap,
        sleep=probes.sleep(),
        async_sleep=probes.async_sleep(cancel_on=cancel_wait),
        rand=probes.rand(list(rand_values)),
        **options,
    )


def observed(got):
    return len(got["probes"]["target"]["calls"]), got["probes"]["clock"]["waits"]


@check("q7", points=1)
def test_a_cancelled_task_stops(student):
    during_call = run(student, {"cancel_on": 1})
    calls, waits = observed(during_call)
    assert calls == 1 and not waits, (
        "a task cancelled while it awaited the function went on to wait and retry: "
        "asyncio.CancelledError must never be retried"
    )
    assert probes.raised(during_call) == ["CancelledError"], (
        "a task cancelled while it awaited the function did not end cancelled: let "
        "asyncio.CancelledError propagate"
    )
    during_wait = run(student, {"fail_times": 3}, cancel_wait=1)
    calls, waits = observed(during_wait)
    assert waits and waits[0]["awaited"], (
        "after the first failure the wrapper did not await a wait on `async_sleep`, so it "
        "could not be cancelled there as a task is"
    )
    assert calls == 1 and len(waits) == 1, (
        "a task cancelled during its wait between attempts tried again: a cancelled task "
        "must stop at once"
    )
    assert probes.raised(during_wait) == ["CancelledError"], (
        "a task cancelled during its wait between attempts did not end cancelled: do not "
        "catch asyncio.CancelledError around the wait"
    )


@check("q7", points=1)
def test_errors_propagate_and_waits_back_off(student):
    unlisted = run(
        student,
        {"fail_times": 1, "exception": "ValueError"},
        retry_on=probes.exceptions("ConnectionError", "TimeoutError"),
    )
    calls, waits = observed(unlisted)
    assert calls == 1 and not waits and probes.raised(unlisted) == ["ValueError"], (
        "an exception not in retry_on should propagate at once, without a wait or a retry"
    )
    failing = run(
        student,
        {"fail_times": 99, "exception": "TimeoutError"},
        attempts=4,
        base=0.2,
        cap=0.5,
        rand_values=(0.9, 0.1, 0.5),
        retry_on=probes.exceptions("ConnectionError", "TimeoutError"),
    )
    calls, waits = observed(failing)
    assert calls == 4, f"with attempts=4 the async function was called {calls} times"
    last = (probes.raised(failing), probes.raised_message(failing))
    assert last == (["TimeoutError"], "attempt 4 failed"), (
        "when every attempt fails, the last attempt's exception should propagate from the "
        "awaited call"
    )
    expected = [0.9 * 0.2, 0.1 * 0.4, 0.5 * 0.5]
    seconds = [w["seconds"] for w in waits]
    assert len(seconds) == len(expected) and all(
        math.isclose(a, b) for a, b in zip(seconds, expected, strict=True)
    ), "with other delays and random values the waits are not right: check the cap and jitter"
    assert all(w["awaited"] and w["ticks"] > 0 for w in waits), (
        "a wait between attempts did not let the event loop run other tasks"
    )
