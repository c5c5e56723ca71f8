"""Question 7: `async_aware_retry(...)` retries `async def` functions without blocking the event
loop, and plain functions as before.

Everything scored about retries is what the grader recorded: how often its function was
called, and each wait: its length, whether it was awaited, and whether a sibling task on the
same event loop took turns during it (a blocked loop runs nothing else)."""

from prodev import probes
from prodev.checking import check

NAME, DOC = "fetch_availability", "Ask the calendar service which nights are free."


def retry_async(student, target, attempts=4, base=1, cap=8, rand_values=(0.5,), **options):
    """Decorate an async target and await one call of it."""
    return probes.probe_decorate_async(
        student,
        "async_aware_retry",
        target,
        [{"args": [17]}],
        attempts,
        base,
        cap,
        sleep=probes.sleep(),
        async_sleep=probes.async_sleep(),
        rand=probes.rand(list(rand_values)),
        **options,
    )


@check("q7", points=1)
def test_retries_an_async_function_without_blocking(student):
    target = probes.target(name=NAME, doc=DOC, fail_times=2, returns=["2027-03-01"], coroutine=True)
    got = retry_async(student, target)
    calls = len(got["probes"]["target"]["calls"])
    waits = got["probes"]["clock"]["waits"]
    assert calls == 3, (
        f"an async function that fails twice, then succeeds, was called {calls} time(s) with "
        "attempts=4: "
        + (
            "the wrapper is not a coroutine function (inspect.iscoroutinefunction), so it "
            "returns the coroutine without awaiting it and never sees its exception"
            if not got["wrapper"].get("coroutine_function")
            else "await the call inside the loop, and retry what it raises"
        )
    )
    blocking = [w["seconds"] for w in waits if not w["awaited"]]
    assert not blocking, (
        f"the async wrapper waited with the blocking `sleep` ({blocking}): that freezes the "
        "event loop and every other task on it; `await async_sleep(delay)` instead"
    )
    assert waits, (
        "the grader saw no wait between the attempts: wait with the `async_sleep` you were "
        "given, not with a sleep of your own"
    )
    assert [w["seconds"] for w in waits] == [0.5, 1.0], (
        f"the waits were {[w['seconds'] for w in waits]}: with base_delay=1 and rand() = 0.5 "
        "two retries should wait 0.5 and 1.0 (the same schedule as question 3)"
    )
    assert all(w["ticks"] > 0 for w in waits), (
        "no other task ran on the event loop while the wrapper waited: was the wait run "
        "somewhere else (another loop or thread) and blocked on?"
    )
    assert got["steps"][0].get("value") == ["2027-03-01"], (
        f"the awaited call should return the function's result, got {got['steps'][0]}"
    )


@check("q7", points=1)
def test_plain_functions_work_as_before_and_names_are_kept(student):
    plain = probes.target(name=NAME, doc=DOC, fail_times=1, returns="free")
    got = probes.probe_decorate(
        student,
        "async_aware_retry",
        plain,
        [{"args": [17]}],
        3,
        1,
        8,
        sleep=probes.sleep(),
        async_sleep=probes.async_sleep(),
        rand=probes.rand([0.5]),
    )
    calls = len(got["probes"]["target"]["calls"])
    waits = got["probes"]["clock"]["waits"]
    assert calls == 2 and got["steps"][0].get("value") == "free", (
        f"a plain function that fails once was called {calls} time(s), and the call gave "
        f"{got['steps'][0]}: decorating a plain `def` should give a plain wrapper that retries "
        "as in question 3 (calling it must not return a coroutine)"
    )
    assert waits == [{"seconds": 0.5, "awaited": False, "ticks": 0}], (
        f"a plain function's retry should wait once with the blocking `sleep`; the waits were "
        f"{waits}"
    )
    awaited = retry_async(student, probes.target(name=NAME, doc=DOC, coroutine=True))
    for kind, wrapper in (("plain", got["wrapper"]), ("async", awaited["wrapper"])):
        assert wrapper["name"] == NAME and wrapper["doc"] == DOC, (
            f"the {kind} wrapper is called {wrapper['name']!r} with docstring "
            f"{wrapper['doc']!r}: keep the function's name and docstring (functools.wraps)"
        )
