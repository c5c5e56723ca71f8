"""Question 5: `open_all(openers)` opens every resource and always closes them all."""

from prodev import probes
from prodev.checking import check


@check("q5", points=1)
def test_yields_resources_and_closes_them(student):
    got = probes.probe_with(student, "open_all", [probes.opener("a"), probes.opener("b")])
    assert got["entered"] == ["a", "b"], (
        f"`with open_all(openers) as resources` should bind the list of opened resources, in "
        f"order; it bound {got['entered']!r}"
    )
    assert got["outcome"] == "completed", f"leaving the `with` block failed: {got['outcome']}"
    assert got["events"] == ["open a", "open b", "close b", "close a"], (
        f"the resources were used like this: {got['events']}; expected each opened once and "
        "closed once, the last opened closed first"
    )


@check("q5", points=1)
def test_closes_when_the_body_raises(student):
    got = probes.probe_with(
        student, "open_all", [probes.opener("a"), probes.opener("b")], fail=True
    )
    closed = [e for e in got["events"] if e.startswith("close")]
    assert sorted(closed) == ["close a", "close b"], (
        f"when the `with` block raised, the closes were {closed}: each resource must still be "
        "closed exactly once (ExitStack, or try/finally)"
    )
    assert got["outcome"] == "propagated", (
        f"the exception raised in the `with` block was {got['outcome']}: let it propagate"
    )
