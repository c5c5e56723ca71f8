"""Question 2: `timed(clock, report)` reports how long each call took on the given clock."""

from prodev import probes
from prodev.checking import check

TARGET = probes.target(
    name="search_properties", doc="Find properties.", returns=["p1", "p2"], cost=2.5, clock="clock"
)


@check("q2", points=1)
def test_reports_the_time_the_work_took(student):
    got = probes.probe_decorate(
        student, "timed", TARGET, [{"args": ["Lisbon"]}], probes.clock(), probes.log()
    )
    step = got["steps"][0]
    assert step.get("value") == ["p1", "p2"], (
        f"the decorated function should return what the function returned, got {step}"
    )
    records = got["probes"]["log"]["records"]
    assert len(records) == 1, f"one call should call `report` once, it was called {len(records)}"
    assert records[0] == ["search_properties", 2.5], (
        f"report was called with {records[0]!r} for work that took 2.5 seconds of clock time: "
        "call report(name, seconds), reading the `clock` you were given before and after"
    )


@check("q2", points=1)
def test_keeps_name_and_docstring(student):
    got = probes.probe_decorate(student, "timed", TARGET, [], probes.clock(), probes.log())
    wrapper = got["wrapper"]
    assert wrapper["name"] == "search_properties" and wrapper["doc"] == "Find properties.", (
        f"the decorated function is called {wrapper['name']!r}: use @functools.wraps(fn)"
    )
