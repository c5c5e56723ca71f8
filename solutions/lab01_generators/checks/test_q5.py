"""Question 5: `open_all(openers)` enters every resource and exits them all, telling each how the
block ended.

Everything scored here is what the resources themselves saw: each open, enter and exit crosses
to the grader as it happens. Whether an exception then leaves the `with` is control flow inside
the student's process, which no observer outside it can see, so it is asked for but not scored.
"""

from prodev import probes
from prodev.checking import check


def _exits(events: list[str]) -> list[str]:
    return [e for e in events if e.startswith(("exit", "close"))]


@check("q5", points=1)
def test_enters_resources_and_exits_them_last_first(student):
    got = probes.probe_with(student, "open_all", [probes.opener("a"), probes.opener("b")])
    assert got["entered"] == ["a", "b"], (
        f"`with open_all(openers) as resources` should bind the list of entered resources, in "
        f"order; it bound {got['entered']!r}"
    )
    events = got["events"]
    assert [e for e in events if not e.startswith(("exit", "close"))] == [
        "open a",
        "enter a",
        "open b",
        "enter b",
    ], (
        f"the resources were opened and entered like this: {events}; each should be opened, "
        "then entered as a context manager, before the next one is opened"
    )
    assert _exits(events) == ["exit b", "exit a"], (
        f"after a block that finished, the resources saw {_exits(events)}; each entered "
        "resource should be exited once, the last entered first, and told nothing went wrong"
    )


@check("q5", points=1)
def test_every_resource_hears_about_the_blocks_error(student):
    got = probes.probe_with(
        student, "open_all", [probes.opener("a"), probes.opener("b")], fail=True
    )
    seen = _exits(got["events"])
    assert seen == ["exit b with BodyError", "exit a with BodyError"], (
        f"the `with` block raised BodyError, and the resources saw {seen}; each should be "
        "exited once, the last first, and be told about that exception"
        + (
            " (a resource that is only closed, or exited as if all went well, cannot roll back)"
            if seen and all("with BodyError" not in e for e in seen)
            else ""
        )
    )
