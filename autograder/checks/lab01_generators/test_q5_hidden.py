"""Hidden checks of question 5 (`open_all`): failing to open, and nothing to open."""

from prodev import probes
from prodev.checking import check


@check("q5", points=1)
def test_a_failed_open_closes_what_was_opened(student):
    openers = [
        probes.opener("a"),
        probes.opener("b"),
        probes.opener("c", fail=True),
        probes.opener("d"),
    ]
    got = probes.probe_with(student, "open_all", openers)
    events = got["events"]
    assert "open d" not in events, "after an opener failed, later resources were still opened"
    assert sorted(e for e in events if e.startswith("close")) == ["close a", "close b"], (
        f"when the third opener failed, the closes were "
        f"{[e for e in events if e.startswith('close')]}: what was already opened must be "
        "closed, exactly once each"
    )
    assert got["outcome"].startswith("enter raised ConnectionError"), (
        f"the opener's ConnectionError should propagate out of the `with`; got: {got['outcome']}"
    )
    none = probes.probe_with(student, "open_all", [])
    assert none["entered"] == [] and none["outcome"] == "completed", (
        f"open_all([]) should bind an empty list and leave cleanly, got {none['entered']!r}, "
        f"{none['outcome']}"
    )
