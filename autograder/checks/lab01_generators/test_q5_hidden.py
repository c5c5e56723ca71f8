"""Hidden checks of question 5 (`open_all`): an opener that fails, and nothing to open."""

from prodev import probes
from prodev.checking import check


@check("q5", points=1)
def test_a_failed_open_exits_what_was_entered(student):
    openers = [
        probes.opener("a"),
        probes.opener("b"),
        probes.opener("c", fail=True),
        probes.opener("d"),
    ]
    got = probes.probe_with(student, "open_all", openers)
    events = got["events"]
    assert "open d" not in events, "after an opener failed, a later opener was still called"
    seen = [e for e in events if e.startswith(("exit", "close"))]
    assert seen == ["exit b with ConnectionError", "exit a with ConnectionError"], (
        f"when the third opener failed, the resources already entered saw {seen}; each should "
        "be exited once, the last first, and told about the opener's error"
    )
    none = probes.probe_with(student, "open_all", [])
    assert none["entered"] == [] and none["events"] == [], (
        f"open_all([]) should bind an empty list and touch nothing, got {none['entered']!r} "
        f"and {none['events']}"
    )
