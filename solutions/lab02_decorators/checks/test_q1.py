"""Question 1: `logged(log)` reports each call and its result, and keeps the function's name."""

from prodev import probes
from prodev.checking import check

TARGET = probes.target(name="nightly_rate", doc="Price per night.", returns=100.0)


@check("q1", points=1)
def test_logs_a_successful_call(student):
    got = probes.probe_decorate(
        student, "logged", TARGET, [{"args": [300], "kwargs": {"nights": 3}}], probes.log()
    )
    step = got["steps"][0]
    assert probes.raised(got) == [None], (
        f"calling the decorated function raised {step.get('raised')}"
    )
    assert step.get("value") == 100.0, (
        f"the decorated function should return what the function returned, got {step}"
    )
    records = got["probes"]["log"]["records"]
    assert len(records) == 1, f"one call should pass one record to `log`, it passed {len(records)}"
    assert records[0] == {
        "function": "nightly_rate",
        "args": [300],
        "kwargs": {"nights": 3},
        "result": 100.0,
    }, (
        f"the record was {records[0]!r}: expected the keys function, args (a list), kwargs "
        "(a dict) and result"
    )


@check("q1", points=1)
def test_keeps_name_and_docstring(student):
    got = probes.probe_decorate(student, "logged", TARGET, [], probes.log())
    wrapper = got["wrapper"]
    assert wrapper["name"] == "nightly_rate" and wrapper["doc"] == "Price per night.", (
        f"the decorated function is called {wrapper['name']!r} with docstring "
        f"{wrapper['doc']!r}: decorate the wrapper with @functools.wraps(fn)"
    )
